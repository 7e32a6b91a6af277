//! Data planes' side: the protocol they speak with the control plane, the agent that registers
//! a data plane and keeps it reporting in, the worker that takes the region's runs and runs
//! them, and the regional API that serves what stays in the region (secrets, configuration,
//! deployments, run logs and output) to clients holding a scoped token, from the region's
//! store.

pub mod agent;
pub mod client;
pub mod node;
pub mod package;
pub mod protocol;
pub mod regional;
pub mod runs_api;
pub mod scoped;
pub mod store;
pub mod verify;
pub mod worker;
