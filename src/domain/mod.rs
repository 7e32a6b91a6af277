//! Plain domain types that can only hold valid values. They compile for the browser too, so
//! forms check input with the same rules as the server.

mod application;
mod email;
mod name;
mod residency;
mod role;

pub use application::Application;
pub use email::Email;
pub use name::Name;
pub use residency::{
    DataPlane, Health, HealthThresholds, Membership, Organization, Region, Workspace,
};
pub use role::{OrgRole, WorkspaceRole};

/// The default organization every instance starts with.
pub const DEFAULT_ORGANIZATION_ID: uuid::Uuid = uuid::Uuid::nil();

/// The name of the region (and its data plane) created on first start.
pub const DEFAULT_REGION_NAME: &str = "auto";
