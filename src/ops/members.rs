//! Members of an organization: their role changed, removed (which ends their sessions), and
//! signed out everywhere. People join by accepting an invitation (see `ops::invitations`). An
//! organization always keeps at least one admin.

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, organizations::Member};
use crate::domain::{Action, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn last_admin() -> AppError {
    AppError::conflict(
        None,
        "An organization needs at least one admin: make someone else an admin first.",
    )
}

/// Changes a member's role; the last admin cannot be demoted.
pub async fn set_role(
    state: &AppState,
    access: &OrgAccess,
    user_id: Uuid,
    role: OrgRole,
) -> AppResult<Member> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let admins = db::organizations::lock_admins(&mut tx, access.organization_id).await?;
    let member = db::organizations::member(&mut *tx, access.organization_id, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("member"))?;
    if member.role == role {
        return Ok(member);
    }
    if role != OrgRole::Admin && admins == [user_id] {
        return Err(last_admin());
    }
    db::organizations::set_role(&mut *tx, access.organization_id, user_id, role).await?;
    super::record(
        &mut tx,
        access,
        super::event(access, Action::MemberRole, user_id, &member.email)
            .before(&serde_json::json!({"role": member.role}))
            .after(&serde_json::json!({"role": role})),
    )
    .await?;
    tx.commit().await?;
    Ok(Member { role, ..member })
}

/// Removes a member from the organization (the user remains); the last admin cannot leave.
pub async fn remove(state: &AppState, access: &OrgAccess, user_id: Uuid) -> AppResult<Member> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let admins = db::organizations::lock_admins(&mut tx, access.organization_id).await?;
    let member = db::organizations::member(&mut *tx, access.organization_id, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("member"))?;
    if admins == [user_id] {
        return Err(last_admin());
    }
    db::organizations::remove_member(&mut *tx, access.organization_id, user_id).await?;
    // Roles on the organization's workspaces go with the membership.
    db::permissions::revoke_in_organization(&mut *tx, access.organization_id, user_id).await?;
    // Whatever the person is signed in with stops: a browser session or a token could still
    // hold pages or answers of this organization.
    db::users::end_sessions(&mut *tx, user_id).await?;
    super::record(
        &mut tx,
        access,
        super::event(access, Action::MemberRemove, user_id, &member.email)
            .before(&serde_json::json!({"role": member.role})),
    )
    .await?;
    tx.commit().await?;
    state.api_access.forget_user(user_id);
    Ok(member)
}

/// Ends every session and API token of a member ("sign out everywhere"), for example when a
/// device was lost. They can sign in again at once.
pub async fn sign_out_everywhere(
    state: &AppState,
    access: &OrgAccess,
    user_id: Uuid,
) -> AppResult<Member> {
    if user_id != access.user.id {
        access.require(OrgRole::Admin)?;
    }
    let mut tx = state.pool.begin().await?;
    let member = db::organizations::member(&mut *tx, access.organization_id, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("member"))?;
    db::users::end_sessions(&mut *tx, user_id).await?;
    let event = super::event(access, Action::UserEndSessions, user_id, &member.email);
    super::record(&mut tx, access, event).await?;
    tx.commit().await?;
    state.api_access.forget_user(user_id);
    Ok(member)
}
