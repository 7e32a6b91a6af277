//! Data planes' side: the protocol they speak with the control plane, and the agent
//! (`meridian-dataplane`) that registers a data plane and keeps it reporting in.

pub mod agent;
pub mod protocol;
