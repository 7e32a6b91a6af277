//! Pages, one module per settings area.

pub mod account;
pub mod applications;
pub mod audit;
pub mod data_planes;
pub mod general;
pub mod invitations;
pub mod jobs;
pub mod members;
pub mod organizations;
pub mod regions;
pub mod residency;
pub mod sign_in;
pub mod sso;
pub mod webhooks;
pub mod workspaces;
