//! The rules of every change, shared by the front doors (the UI's server functions, the
//! browser's SSO routes and the public REST API) and the command line. Each operation checks
//! what the caller may do, validates against the current state, changes the database and
//! records its audit event, in one transaction.
//!
//! Front doors parse input into domain types, call one of these with the [`AppState`], and
//! shape the answer: a redirect with a notice for the browser, JSON for the API.
//!
//! [`AppState`]: crate::state::AppState

pub mod applications;
pub mod audit_bucket;
mod change;
pub use change::NameAndEnabled;
pub mod data_planes;
pub mod domains;
pub mod invitations;
pub mod keys;
pub mod members;
pub mod organizations;
pub mod permissions;
pub mod policies;
pub mod regions;
pub mod scoped_tokens;
pub mod sign_in;
pub mod sso;
pub mod users;
pub mod webhooks;
pub mod work;
pub mod workspaces;

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, audit::Event};
use crate::domain::Action;
use crate::error::AppResult;

/// An event in the caller's organization about one object.
fn event<'a>(
    access: &OrgAccess,
    action: Action,
    object_id: Uuid,
    object_name: &'a str,
) -> Event<'a> {
    Event::new(
        Some(access.organization_id),
        action,
        Some(object_id),
        object_name,
    )
}

/// Records the caller's change in the change's own transaction.
async fn record(tx: &mut PgConnection, access: &OrgAccess, event: Event<'_>) -> AppResult<()> {
    Ok(db::audit::record(tx, &access.actor, event).await?)
}

/// Seals a secret an organization gives us (an SSO client secret, a webhook's signing secret, a
/// bucket's key) with the instance's key, bound to the organization: a sealed secret copied to
/// another organization's row does not open. Without an encryption key, an error on `field`.
fn seal_for_organization(
    state: &crate::state::AppState,
    organization_id: Uuid,
    field: &str,
    secret: &[u8],
) -> AppResult<Vec<u8>> {
    let secret_box = state.secret_box.as_deref().ok_or_else(|| {
        crate::error::AppError::invalid(
            field,
            "This server has no encryption key for stored secrets: set MERIDIAN_ENCRYPTION_KEY first.",
        )
    })?;
    Ok(secret_box.seal(secret, organization_id.as_bytes()))
}
