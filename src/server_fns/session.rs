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
    ops,
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

/// Only same-site absolute paths: `/x` but not `//evil.example` or `/\evil.example`. No
/// backslashes, whitespace or control characters anywhere: browsers drop tabs and new lines
/// from URLs (`/<tab>/evil.example` becomes `//evil.example`), and a control character would
/// make the Location header invalid.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_same_site_paths_are_local() {
        assert!(is_local_path("/orgs/x/settings/regions?tab=1"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/a\u{1}b",
            "/a b",
            "",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}

/// Sends the browser on to an organization's identity provider.
#[cfg(feature = "ssr")]
async fn go_to_sso(
    ctx: &Ctx,
    organization_id: Uuid,
    email: &Email,
    next: Option<&str>,
) -> Result<(), AppError> {
    let path =
        crate::sso_flow::start_path(&ctx.session, organization_id, email.as_str(), next).await?;
    leptos_axum::redirect(&path);
    Ok(())
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
    let parsed = Email::parse(&email)
        .map_err(|m| AppError::invalid("email", m).with_input([("email", email.as_str())]))?;
    let next = next.as_deref().filter(|n| is_local_path(n));
    // Email first: a domain under an organization's SSO goes to its identity provider, unless
    // a password was typed and the organization still allows passwords.
    if let Some(claim) = ops::sso::organization_for(ctx.pool(), &parsed).await?
        && (password.is_empty() || claim.require_sso)
    {
        return go_to_sso(&ctx, claim.organization_id, &parsed, next).await;
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password.")
            .with_input([("email", email.as_str())]));
    }
    let found = db::users::find_credentials(ctx.pool(), &parsed).await?;
    // A member of an organization that requires SSO signs in there, whatever their address
    // (instance admins excepted: their password is the way in when SSO is broken). Decided
    // before the password is checked, so the answer says nothing about the password.
    if let Some(credentials) = found.as_ref().filter(|c| !c.is_instance_admin)
        && let Some(org) = db::sso::required_for(ctx.pool(), credentials.id).await?
    {
        return go_to_sso(&ctx, org, &parsed, next).await;
    }
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
    let path = landing_path(ctx.pool(), user_id, next).await?;
    leptos_axum::redirect(&path);
    Ok(())
}

/// Signs out: the server-side session is deleted, not just the cookie; a user who came through
/// SSO is then sent to the provider's end-session endpoint when it has one.
#[server(endpoint = "session/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    // Decided before the session (which names the provider) is gone.
    let target = crate::sso_flow::sign_out_target(&ctx.session).await;
    auth::session::end(&ctx.session).await?;
    leptos_axum::redirect(&target);
    Ok(())
}
