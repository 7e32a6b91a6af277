//! Members of an organization: added by email (before they ever sign in), their role changed,
//! removed. An organization always keeps at least one admin.

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, organizations::Member};
use crate::domain::{Action, Email, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn last_admin() -> AppError {
    AppError::conflict(
        None,
        "An organization needs at least one admin: make someone else an admin first.",
    )
}

/// Adds a member by email, creating the user (without a password: they will sign in through
/// SSO, or an operator sets one) when nobody has that email yet.
pub async fn add(
    state: &AppState,
    access: &OrgAccess,
    email: &Email,
    role: OrgRole,
) -> AppResult<Member> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let user_id = match db::users::find_by_email(&mut *tx, email).await? {
        Some(user) => user.id,
        None => db::users::create(&mut *tx, email, "", None, false).await?,
    };
    let member = insert(&mut tx, access, user_id, email.as_str(), role, "email").await?;
    tx.commit().await?;
    Ok(member)
}

/// Adds an existing user (the public API names users by id).
pub async fn add_user(
    state: &AppState,
    access: &OrgAccess,
    user_id: Uuid,
    role: OrgRole,
) -> AppResult<Member> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let user = db::users::get(&mut *tx, user_id)
        .await?
        .ok_or_else(|| AppError::invalid("user_id", "No user has that id."))?;
    let member = insert(&mut tx, access, user.id, &user.email, role, "user_id").await?;
    tx.commit().await?;
    Ok(member)
}

/// The membership itself and its audit event; a duplicate is a conflict on `field`.
async fn insert(
    tx: &mut sqlx::PgConnection,
    access: &OrgAccess,
    user_id: Uuid,
    email: &str,
    role: OrgRole,
    field: &str,
) -> AppResult<Member> {
    if db::organizations::member(&mut *tx, access.organization_id, user_id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            Some(field),
            format!("{email} is already a member."),
        ));
    }
    db::organizations::add_member(&mut *tx, access.organization_id, user_id, role).await?;
    super::record(
        tx,
        access,
        super::event(access, Action::MemberAdd, user_id, email)
            .after(&serde_json::json!({"role": role})),
    )
    .await?;
    db::organizations::member(&mut *tx, access.organization_id, user_id)
        .await?
        .ok_or_else(AppError::internal)
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
    super::record(
        &mut tx,
        access,
        super::event(access, Action::MemberRemove, user_id, &member.email)
            .before(&serde_json::json!({"role": member.role})),
    )
    .await?;
    tx.commit().await?;
    Ok(member)
}
