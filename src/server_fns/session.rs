//! Signing in and out, and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Membership;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{
    auth, db,
    domain::Email,
    ops::{self, sign_in::PasswordSignIn},
    paths, read,
    server_fns::context::Ctx,
};

/// The signed-in user as the frame (top bar, switcher) shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub is_instance_admin: bool,
    pub memberships: Vec<Membership>,
    /// How many open invitations wait for them.
    pub invitations: usize,
}

/// Who is signed in, or `None`.
#[server(endpoint = "session/viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    let ctx = Ctx::load().await?;
    let Some(user) = auth::session::user(&ctx.session, ctx.pool()).await? else {
        return Ok(None);
    };
    let (memberships, invitations) = tokio::try_join!(
        db::organizations::memberships(ctx.pool(), user.id),
        db::invitations::open_for(ctx.pool(), &user.email),
    )?;
    Ok(Some(Viewer {
        user_id: user.id,
        email: user.email,
        name: user.name,
        is_instance_admin: user.is_instance_admin,
        memberships,
        invitations: invitations.len(),
    }))
}

/// Signs in with email and password, or sends an address under single sign-on on to its
/// provider.
#[server(endpoint = "session/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let echo = [("email", email.as_str())];
    let parsed =
        Email::parse(&email).map_err(|m| AppError::invalid("email", m).with_input(echo))?;
    let next = next.as_deref().filter(|n| paths::is_local_path(n));
    let path =
        match ops::sign_in::with_password(&ctx.state, &parsed, password, ctx.source_ip.clone())
            .await
            .map_err(|e| e.with_input(echo))?
        {
            PasswordSignIn::UseSso(organization_id) => {
                auth::session::sso_start_path(&ctx.session, organization_id, parsed.as_str(), next)
                    .await?
            }
            PasswordSignIn::SignedIn(who) => {
                auth::session::establish(&ctx.session, who).await?;
                read::landing_path(ctx.pool(), who.user_id, next).await?
            }
        };
    leptos_axum::redirect(&path);
    Ok(())
}

/// Signs out: the server-side session is deleted, not just the cookie; a user who came through
/// SSO is then sent to the provider's end-session endpoint when it has one.
#[server(endpoint = "session/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    // Decided before the session (which names the provider) is gone.
    let target = auth::session::sign_out_target(&ctx.session).await;
    auth::session::end(&ctx.session).await?;
    leptos_axum::redirect(&target);
    Ok(())
}
