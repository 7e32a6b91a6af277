//! Settings > Members: who belongs to the organization and with which role, and who is
//! invited. Admins invite by email, revoke invitations, change roles, sign members out
//! everywhere and remove them; the last admin stays. Operators (instance admins) can issue a
//! one-time sign-up link for an invited person without an account.

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

/// An invitation not accepted yet, as the page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: crate::domain::OrgRole,
    pub invited_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// Whether an operator issued a sign-up link for it.
    pub has_link: bool,
    /// Whether the address has an account (no sign-up link then: they sign in and accept).
    pub has_account: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembersData {
    pub meta: PageMeta,
    /// The search asked for, as given.
    pub search: String,
    pub paging: super::Paging,
    /// One page of the members that match (or the one member asked for).
    pub members: Vec<MemberView>,
    /// How many admins the organization has in all.
    pub admins: i64,
    /// Invitations not accepted or revoked yet (admins only; expired ones included).
    pub invitations: Vec<InvitationView>,
    /// The signed-in user, so the page can say "you".
    pub me: Uuid,
    /// Whether the signed-in user is an operator, who may issue sign-up links.
    pub is_operator: bool,
}

/// A sign-up link just issued, shown once.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct NewSignUpLink {
    pub invitation_id: Uuid,
    pub email: String,
    pub url: String,
}

impl std::fmt::Debug for NewSignUpLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSignUpLink")
            .field("invitation_id", &self.invitation_id)
            .field("url", &"<redacted>")
            .finish()
    }
}

/// Where a new sign-up link waits for the page that shows it.
#[cfg(feature = "ssr")]
const LINK_SLOT: &str = "signup";

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
pub async fn members_page(
    organization_id: Uuid,
    // Part of the email or name, regardless of case.
    #[server(default)] search: String,
    // 0-based.
    #[server(default)] page: i64,
    // Only this member (the pages confirming a change to one member).
    #[server(default)] user: Option<Uuid>,
) -> Result<MembersData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let admin = access.role == OrgRole::Admin;
    let mut paging = super::Paging::new(page, super::PAGE_SIZE, 0);
    let wanted = super::search_text(&search);
    let (members, (total, admins), invitations) = tokio::try_join!(
        async {
            match user {
                Some(user) => Ok(db::organizations::member(ctx.pool(), organization_id, user)
                    .await?
                    .into_iter()
                    .collect()),
                None => {
                    db::organizations::members_page(
                        ctx.pool(),
                        organization_id,
                        wanted.as_deref(),
                        paging.size,
                        paging.offset(),
                    )
                    .await
                }
            }
        },
        db::organizations::member_counts(ctx.pool(), organization_id, wanted.as_deref()),
        async {
            if admin {
                db::invitations::pending_in(ctx.pool(), organization_id).await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    Ok(MembersData {
        meta: PageMeta::load(&ctx, &access, &paths::members(organization_id)).await?,
        search,
        paging: {
            paging.total = total;
            paging
        },
        members: members.into_iter().map(view_of).collect(),
        admins,
        invitations: invitations
            .into_iter()
            .map(|i| InvitationView {
                id: i.id,
                email: i.email,
                role: i.role,
                invited_by: i.invited_by,
                created_at: i.created_at,
                expires_at: i.expires_at,
                has_link: i.has_link,
                has_account: i.has_account,
            })
            .collect(),
        me: access.user.id,
        is_operator: access.user.is_instance_admin,
    })
}

/// Invites an email address; the person becomes a member when they accept.
#[server(endpoint = "members/invite")]
pub async fn invite_member(
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
    let invitation = ops::invitations::invite(&ctx.state, &access, &parsed, role)
        .await
        .map_err(|e| e.with_input(echo))?;
    ctx.redirect_with_notice(
        &paths::members(organization_id),
        format!(
            "{} is invited as {}. They see the invitation when they sign in; it expires in 7 days.",
            invitation.email, invitation.role
        ),
    )
    .await
}

#[server(endpoint = "members/revoke-invitation")]
pub async fn revoke_invitation(organization_id: Uuid, invitation_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let invitation = ops::invitations::revoke(&ctx.state, &access, invitation_id).await?;
    ctx.redirect_with_notice(
        &paths::members(organization_id),
        format!("The invitation of {} is revoked.", invitation.email),
    )
    .await
}

/// Issues a one-time sign-up link for an invited person without an account (operators only)
/// and shows it once.
#[server(endpoint = "members/sign-up-link")]
pub async fn issue_sign_up_link(
    organization_id: Uuid,
    invitation_id: Uuid,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let path = ops::invitations::issue_sign_up_link(
        &ctx.state,
        &access.actor,
        access.user.is_instance_admin,
        organization_id,
        invitation_id,
    )
    .await?;
    let invitation = db::invitations::pending_in(ctx.pool(), organization_id)
        .await?
        .into_iter()
        .find(|i| i.id == invitation_id)
        .ok_or_else(|| AppError::not_found("invitation"))?;
    let reveal = NewSignUpLink {
        invitation_id,
        email: invitation.email,
        url: format!("{}{path}", ctx.base_url().await),
    };
    ctx.stash_secret(LINK_SLOT, &reveal).await?;
    leptos_axum::redirect(&paths::sign_up_link(organization_id, invitation_id));
    Ok(())
}

/// The sign-up link just issued for an invitation, once.
#[server(endpoint = "members/reveal-sign-up-link")]
pub async fn reveal_sign_up_link(
    organization_id: Uuid,
    invitation_id: Uuid,
) -> Result<Option<NewSignUpLink>, AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Admin).await?;
    let pending: Option<NewSignUpLink> = ctx.take_secret(LINK_SLOT).await?;
    Ok(pending.filter(|l| l.invitation_id == invitation_id))
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

/// Ends every session and API token of a member.
#[server(endpoint = "members/sign-out")]
pub async fn sign_out_member(organization_id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let member = ops::members::sign_out_everywhere(&ctx.state, &access, user_id).await?;
    ctx.redirect_with_notice(
        &paths::members(organization_id),
        format!(
            "{} is signed out everywhere: their sessions ended and their API tokens stopped.",
            member.email
        ),
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
