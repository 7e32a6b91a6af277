//! Signing in and out, and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Membership;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{
    auth, db,
    db::audit::{Actor, Event},
    domain::Email,
    error::AppResult,
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
}

/// Who is signed in, or `None`.
#[server(endpoint = "session/viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    let ctx = Ctx::load().await?;
    let Some(user_id) = auth::session::user_id(&ctx.session).await? else {
        return Ok(None);
    };
    let Some(user) = db::users::get(ctx.pool(), user_id).await? else {
        return Ok(None);
    };
    let memberships = db::organizations::memberships(ctx.pool(), user.id).await?;
    Ok(Some(Viewer {
        user_id: user.id,
        email: user.email,
        name: user.name,
        is_instance_admin: user.is_instance_admin,
        memberships,
    }))
}

/// Where to go after signing in: the page first asked for when it is a local path, else the
/// user's first organization.
#[cfg(feature = "ssr")]
pub async fn landing_path(
    pool: &sqlx::PgPool,
    user_id: Uuid,
    next: Option<&str>,
) -> AppResult<String> {
    if let Some(next) = next.filter(|n| is_local_path(n)) {
        return Ok(next.to_owned());
    }
    let memberships = db::organizations::memberships(pool, user_id).await?;
    Ok(match memberships.first() {
        Some(m) => crate::paths::general(m.organization_id),
        None => "/no-organization".to_owned(),
    })
}

/// Only same-site absolute paths: `/x` but not `//evil.example` or `/\evil.example`.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.contains(['\r', '\n'])
}

/// The organization whose SSO an address signs in with: the one whose domains cover it, but
/// only for someone that organization may speak for, that is a new person, its own member, or
/// an account that belongs to no organization. A domain claim never reroutes instance admins
/// or other organizations' members (admins claim domains without proof of ownership).
#[cfg(feature = "ssr")]
async fn sso_organization(pool: &sqlx::PgPool, email: &Email) -> AppResult<Option<Uuid>> {
    let Some(organization_id) = db::sso::for_domain(pool, email.domain()).await? else {
        return Ok(None);
    };
    let Some(user) = db::users::find_by_email(pool, email).await? else {
        return Ok(Some(organization_id));
    };
    if user.is_instance_admin {
        return Ok(None);
    }
    let memberships = db::organizations::memberships(pool, user.id).await?;
    let ours = memberships.is_empty()
        || memberships
            .iter()
            .any(|m| m.organization_id == organization_id);
    Ok(ours.then_some(organization_id))
}

/// Signs in with email and password.
#[server(endpoint = "session/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let parsed = Email::parse(&email)
        .map_err(|m| AppError::invalid("email", m).with_input([("email", email.as_str())]))?;
    // Email first: a domain under an organization's SSO goes to its identity provider, unless
    // a password was typed and the organization still allows passwords.
    if let Some(organization_id) = sso_organization(ctx.pool(), &parsed).await? {
        let required = db::sso::get(ctx.pool(), organization_id)
            .await?
            .is_some_and(|c| c.require_sso);
        if password.is_empty() || required {
            let next = next.as_deref().filter(|n| is_local_path(n));
            leptos_axum::redirect(&crate::sso_flow::start_path(
                organization_id,
                parsed.as_str(),
                next,
            ));
            return Ok(());
        }
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password.")
            .with_input([("email", email.as_str())]));
    }
    let found = db::users::find_credentials(ctx.pool(), &parsed).await?;
    let stored = found.as_ref().and_then(|c| c.password_hash.clone());
    let password_ok =
        tokio::task::spawn_blocking(move || auth::password::verify(&password, stored.as_deref()))
            .await
            .map_err(|_| AppError::internal())?;
    let user_id = match found {
        Some(c) if password_ok => c.id,
        _ => {
            let mut tx = ctx.pool().begin().await?;
            let actor = Actor {
                user_id: None,
                label: parsed.to_string(),
                source_ip: ctx.source_ip.clone(),
            };
            db::audit::record(
                &mut tx,
                &actor,
                Event::new(None, "user.sign_in_failed", "user", None, parsed.as_str()),
            )
            .await?;
            tx.commit().await?;
            // One message for unknown email and wrong password: no hint which it was.
            return Err(AppError::new(
                crate::error::ErrorKind::Unauthenticated,
                "That email and password don't match.",
            )
            .with_input([("email", email.as_str())]));
        }
    };
    // A member of an organization that requires SSO signs in there, whatever their address
    // (instance admins excepted: their password is the way in when SSO is broken).
    let is_instance_admin = db::users::get(ctx.pool(), user_id)
        .await?
        .is_some_and(|u| u.is_instance_admin);
    if !is_instance_admin && let Some(org) = db::sso::required_for(ctx.pool(), user_id).await? {
        let next = next.as_deref().filter(|n| is_local_path(n));
        leptos_axum::redirect(&crate::sso_flow::start_path(org, parsed.as_str(), next));
        return Ok(());
    }
    let mut tx = ctx.pool().begin().await?;
    db::users::record_sign_in(&mut *tx, user_id).await?;
    let actor = Actor {
        user_id: Some(user_id),
        label: parsed.to_string(),
        source_ip: ctx.source_ip.clone(),
    };
    db::audit::record(
        &mut tx,
        &actor,
        Event::new(None, "user.sign_in", "user", Some(user_id), parsed.as_str()),
    )
    .await?;
    tx.commit().await?;
    auth::session::establish(&ctx.session, user_id).await?;
    let path = landing_path(ctx.pool(), user_id, next.as_deref()).await?;
    leptos_axum::redirect(&path);
    Ok(())
}

/// Signs out: the server-side session is deleted, not just the cookie; a user who came through
/// SSO is then sent to the provider's end-session endpoint when it has one.
#[server(endpoint = "session/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    // Decided before the session (which names the provider) is gone.
    let base = ctx.public_url().await;
    let target = crate::sso_flow::sign_out_target(&ctx.state, &ctx.session, &base).await;
    auth::session::end(&ctx.session).await?;
    leptos_axum::redirect(&target);
    Ok(())
}
