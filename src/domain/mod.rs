//! Plain domain types that can only hold valid values. They compile for the browser too, so
//! forms check input with the same rules as the server.

mod alerts;
mod application;
mod audit;
mod audit_bucket;
mod email;
mod governance;
pub mod inventory;
mod name;
mod network;
mod regional_url;
mod residency;
mod role;
mod work;

pub use alerts::{Webhook, WebhookDelivery, WebhookEvent, WebhookUrl};
pub use application::Application;
pub use audit::{Action, AuditFilter, AuditQuery, datetime_local};
pub use audit_bucket::{AuditBucket, AuditBucketInput, AuditBucketStatus, AuditRetention};
pub use email::Email;
pub use governance::{
    Breach, Classification, Jurisdiction, KNOWN_CLASSIFICATIONS, KNOWN_JURISDICTIONS,
    KNOWN_PROVIDERS, Location, Place, PolicyRule, Provider, RULE_LINE_RULES, ResidencyPolicy,
};
pub use name::Name;
pub use network::Network;
pub use regional_url::{RegionalUrl, origin_of};
pub use residency::{
    DataPlane, Health, HealthThresholds, Membership, Organization, Region, Workspace,
};
pub use role::{OrgRole, WorkspaceRole};
pub use work::{
    DEFAULT_TIMEOUT_SECONDS, Deployment, DeploymentName, Job, MAX_RETRIES, MAX_TIMEOUT_SECONDS,
    Run, RunStatus, Schedule,
};

/// The default organization every instance starts with.
pub const DEFAULT_ORGANIZATION_ID: uuid::Uuid = uuid::Uuid::nil();

/// The name of the region (and its data plane) created on first start.
pub const DEFAULT_REGION_NAME: &str = "auto";

/// Client ids of credentials minted for the in-process agent of the default data plane (at
/// each start of the server) start with this; admins neither see them as theirs nor rotate or
/// revoke them.
pub const LOCAL_CLIENT_ID_PREFIX: &str = "dp_local_";

/// Whether a data plane credential was minted for the in-process agent (see
/// [`LOCAL_CLIENT_ID_PREFIX`]).
pub fn is_local_client_id(client_id: &str) -> bool {
    client_id.starts_with(LOCAL_CLIENT_ID_PREFIX)
}
