//! Data planes' side: the protocol they speak with the control plane, the agent that registers
//! a data plane and keeps it reporting in, and the regional API that serves what stays in the
//! region (secrets, configuration) to clients holding a scoped token, from the region's store.

pub mod agent;
pub mod client;
pub mod node;
pub mod protocol;
pub mod regional;
pub mod scoped;
pub mod store;
pub mod verify;
