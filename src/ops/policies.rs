//! Setting an organization's residency policy. A new policy never moves anything: the
//! workspaces it now forbids where they are are listed (see [`crate::read::policy`]) for
//! people to move, and every later create, move or classification change must satisfy it.

use super::{event, record};
use crate::auth::OrgAccess;
use crate::db;
use crate::domain::{Action, OrgRole, ResidencyPolicy};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Replaces the organization's policy. `revision` is the version the caller saw (a form; 0
/// when there was none yet); without one (the API) the change applies to the current version.
/// Returns the policy's new revision; the same policy again records nothing.
pub async fn set(
    state: &AppState,
    access: &OrgAccess,
    policy: &ResidencyPolicy,
    revision: Option<i32>,
) -> AppResult<i32> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = db::policies::lock_for_change(&mut tx, access.organization_id).await?;
    if revision.is_some_and(|r| r != before.revision) {
        return Err(AppError::stale("residency policy"));
    }
    if before.policy == *policy {
        return Ok(before.revision);
    }
    let revision = db::policies::put(&mut *tx, access.organization_id, policy).await?;
    let organization = db::organizations::get(&mut *tx, access.organization_id)
        .await?
        .ok_or_else(AppError::internal)?;
    let change = event(
        access,
        Action::ResidencyPolicyUpdate,
        access.organization_id,
        &organization.name,
    )
    .before(&before.policy)
    .after(policy);
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(revision)
}
