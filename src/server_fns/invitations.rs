//! The invited person's side: their open invitations (accept or decline, once signed in), and
//! signing up through a one-time link when they have no account yet.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::OrgRole;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, ops, paths, server_fns::context::Ctx};

/// An invitation as its addressee sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyInvitation {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub role: OrgRole,
    pub invited_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

#[cfg(feature = "ssr")]
impl From<crate::db::invitations::Invitation> for MyInvitation {
    fn from(i: crate::db::invitations::Invitation) -> Self {
        MyInvitation {
            id: i.id,
            organization_id: i.organization_id,
            organization_name: i.organization_name,
            role: i.role,
            invited_by: i.invited_by,
            expires_at: i.expires_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationsData {
    pub email: String,
    pub invitations: Vec<MyInvitation>,
    pub notice: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub now: time::OffsetDateTime,
}

/// The signed-in person's open invitations.
#[server(endpoint = "invitations/mine")]
pub async fn my_invitations() -> Result<InvitationsData, AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    let invitations = crate::db::invitations::open_for(ctx.pool(), &user.email).await?;
    Ok(InvitationsData {
        notice: ctx.take_notice(paths::INVITATIONS).await?,
        email: user.email,
        invitations: invitations.into_iter().map(Into::into).collect(),
        now: time::OffsetDateTime::now_utc(),
    })
}

#[server(endpoint = "invitations/accept")]
pub async fn accept_invitation(invitation_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    let invitation =
        ops::invitations::accept(&ctx.state, &user, ctx.source_ip.clone(), invitation_id).await?;
    ctx.redirect_with_notice(
        &paths::general(invitation.organization_id),
        format!(
            "Welcome to {}: you are a {} here.",
            invitation.organization_name, invitation.role
        ),
    )
    .await
}

#[server(endpoint = "invitations/decline")]
pub async fn decline_invitation(invitation_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    let invitation =
        ops::invitations::decline(&ctx.state, &user, ctx.source_ip.clone(), invitation_id).await?;
    ctx.redirect_with_notice(
        paths::INVITATIONS,
        format!(
            "You declined the invitation to {}.",
            invitation.organization_name
        ),
    )
    .await
}

/// What a sign-up link invites to, for the page that asks for a password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignUpData {
    pub organization_name: String,
    pub email: String,
    pub role: OrgRole,
}

/// The invitation behind a sign-up link, or `None` when the link is not (or no longer) good.
#[server(endpoint = "invitations/sign-up-page")]
pub async fn sign_up_page(token: String) -> Result<Option<SignUpData>, AppError> {
    let ctx = Ctx::load().await?;
    Ok(ops::invitations::by_sign_up_link(&ctx.state, &token)
        .await?
        .map(|i| SignUpData {
            organization_name: i.organization_name,
            email: i.email,
            role: i.role,
        }))
}

/// Creates the invited person's account with the password they chose, signs them in and
/// takes them to the organization.
#[server(endpoint = "invitations/sign-up")]
pub async fn sign_up(
    token: String,
    name: String,
    password: String,
    password_again: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    // Never echoed: the fields hold passwords.
    let echo = [("name", name.as_str())];
    if password != password_again {
        return Err(
            AppError::invalid("password_again", "The two passwords differ.").with_input(echo),
        );
    }
    ctx.limit_by_address(auth::limits::SIGN_IN_PER_ADDRESS)
        .await?;
    let who =
        ops::invitations::sign_up(&ctx.state, &token, &name, &password, ctx.source_ip.clone())
            .await
            .map_err(|e| e.with_input(echo))?;
    auth::session::establish(&ctx.session, who).await?;
    let path = crate::read::landing_path(ctx.pool(), who.user_id, None).await?;
    leptos_axum::redirect(&path);
    Ok(())
}
