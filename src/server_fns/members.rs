//! Settings > Members: who belongs to the organization and with which role. Admins add
//! members by email, change roles and remove members; the last admin stays.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::{Email, OrgRole},
    ops, paths,
    server_fns::context::Ctx,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: crate::domain::OrgRole,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<time::OffsetDateTime>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembersData {
    pub meta: PageMeta,
    pub members: Vec<MemberView>,
    /// The signed-in user, so the page can say "you".
    pub me: Uuid,
}

#[cfg(feature = "ssr")]
fn view_of(m: db::organizations::Member) -> MemberView {
    MemberView {
        user_id: m.user_id,
        email: m.email,
        name: m.name,
        role: m.role,
        last_sign_in_at: m.last_sign_in_at,
    }
}

#[cfg(feature = "ssr")]
fn parse_role(raw: &str) -> crate::error::AppResult<OrgRole> {
    OrgRole::parse(raw).map_err(|m| AppError::invalid("role", m))
}

#[server(endpoint = "members/page")]
pub async fn members_page(organization_id: Uuid) -> Result<MembersData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let members = db::organizations::members(ctx.pool(), organization_id).await?;
    Ok(MembersData {
        meta: PageMeta::load(&ctx, &access, &paths::members(organization_id)).await?,
        members: members.into_iter().map(view_of).collect(),
        me: access.user.id,
    })
}

#[server(endpoint = "members/add")]
pub async fn add_member(
    organization_id: Uuid,
    email: String,
    role: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [("email", email.as_str()), ("role", role.as_str())];
    let parsed =
        Email::parse(&email).map_err(|m| AppError::invalid("email", m).with_input(echo))?;
    let role = parse_role(&role).map_err(|e| e.with_input(echo))?;
    let member = ops::members::add(&ctx.state, &access, &parsed, role)
        .await
        .map_err(|e| e.with_input(echo))?;
    ctx.redirect_with_notice(
        &paths::members(organization_id),
        format!("{} added as {}.", member.email, member.role),
    )
    .await
}

#[server(endpoint = "members/set-role")]
pub async fn set_member_role(
    organization_id: Uuid,
    user_id: Uuid,
    role: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let role = parse_role(&role)?;
    let member = ops::members::set_role(&ctx.state, &access, user_id, role).await?;
    ctx.redirect_with_notice(
        &paths::members(organization_id),
        format!("{} is now {}.", member.email, member.role),
    )
    .await
}

#[server(endpoint = "members/remove")]
pub async fn remove_member(organization_id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let member = ops::members::remove(&ctx.state, &access, user_id).await?;
    ctx.redirect_with_notice(
        &paths::members(organization_id),
        format!("{} removed from the organization.", member.email),
    )
    .await
}
