//! The browser's single sign-on round trip: `/auth/sso/start` sends it to the organization's
//! identity provider, `/auth/sso/callback` takes it back, verifies what the provider says and
//! signs the user in. Every failure lands on the sign-in page with a short reason
//! (`/login?sso_error=...`, worded by `ui::pages::sign_in::sso_failure_message`) and is
//! logged; failures that involved the provider are also audited. Nothing from the provider is
//! echoed.

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::{self, oidc};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ops::sso::Refusal;
use crate::state::AppState;

/// Session slot for the sign-in in progress.
const PENDING: &str = "sso_pending";
/// Session slot for the ticket the sign-in form issues to `start`.
const START_TICKET: &str = "sso_start";
/// Session slot naming the provider the user signed in with, for signing out there too.
/// (`auth::session::establish` clears it with the rest of a previous sign-in.)
const SIGNED_IN_WITH: &str = "sso_signed_in_with";

pub const CALLBACK_PATH: &str = "/auth/sso/callback";

/// Back to the sign-in page with a reason code.
fn fail(code: &str) -> Response {
    Redirect::to(&format!("/login?sso_error={code}")).into_response()
}

/// What the sign-in session remembers of the provider, for signing out there: its
/// end-session address for this sign-in, worked out while the provider's metadata is at hand
/// so that signing out waits on no network.
#[derive(serde::Serialize, Deserialize)]
struct SignedInWith {
    end_session_url: Option<String>,
}

/// The organization's registration with its provider, with the secret decrypted.
fn registration<'a>(
    state: &AppState,
    config: &'a db::sso::SsoConfig,
    redirect_uri: String,
) -> AppResult<oidc::Registration<'a>> {
    let secret_box = state.secret_box.as_ref().ok_or_else(|| {
        tracing::error!("SSO is configured but this server has no MERIDIAN_ENCRYPTION_KEY");
        AppError::internal()
    })?;
    let secret = secret_box.open(
        &config.client_secret_encrypted,
        config.organization_id.as_bytes(),
    )?;
    Ok(oidc::Registration {
        issuer: &config.issuer,
        client_id: &config.client_id,
        client_secret: String::from_utf8(secret).map_err(|_| AppError::internal())?,
        redirect_uri,
    })
}

/// Where the sign-in form sends an address covered by SSO, with a one-time ticket kept in the
/// session: `start` serves only a browser that came through the sign-in form, so a link
/// planted on another site cannot sign a visitor in to an account of the linker's choosing.
pub async fn start_path(
    session: &Session,
    organization_id: Uuid,
    login_hint: &str,
    next: Option<&str>,
) -> AppResult<String> {
    let ticket = Uuid::new_v4().simple().to_string();
    auth::session::stash_once(session, START_TICKET, &(organization_id, &ticket)).await?;
    let mut path = format!(
        "/auth/sso/start?organization={organization_id}&ticket={ticket}&login_hint={}",
        crate::paths::encode_query_value(login_hint)
    );
    if let Some(next) = next {
        path.push_str("&next=");
        path.push_str(&crate::paths::encode_query_value(next));
    }
    Ok(path)
}

#[derive(Deserialize)]
pub struct StartQuery {
    organization: Uuid,
    ticket: String,
    login_hint: Option<String>,
    next: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return fail("expired");
    };
    let issued: Option<(Uuid, String)> = auth::session::take_once(&session, START_TICKET)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e.message, "reading the SSO start ticket");
            None
        });
    let ticket_ok = issued.is_some_and(|(org, ticket)| {
        org == query.organization && bool::from(ticket.as_bytes().ct_eq(query.ticket.as_bytes()))
    });
    if !ticket_ok {
        return fail("expired");
    }
    let config = match db::sso::get(&state.pool, query.organization).await {
        Ok(Some(config)) => config,
        Ok(None) => return fail("misconfigured"),
        Err(e) => {
            tracing::error!(error = %e, "loading SSO settings");
            return fail("unavailable");
        }
    };
    let metadata = match state.oidc.metadata(&config.issuer).await {
        Ok(m) => m,
        Err(problem) => {
            tracing::warn!(issuer = %config.issuer, %problem, "identity provider discovery failed");
            return fail("unavailable");
        }
    };
    // The callback must name the same redirect URI, so it is decided once, here.
    let redirect_uri = format!("{}{CALLBACK_PATH}", state.public_base(&headers));
    let Ok(registration) = registration(&state, &config, redirect_uri) else {
        return fail("misconfigured");
    };
    let next = query
        .next
        .filter(|n| crate::server_fns::session::is_local_path(n));
    let hint = query.login_hint.filter(|h| h.len() <= 320);
    let Ok((url, pending)) = oidc::begin(
        &metadata,
        &registration,
        config.organization_id,
        hint.as_deref(),
        next,
    ) else {
        return fail("misconfigured");
    };
    if let Err(e) = session.insert(PENDING, &pending).await {
        tracing::error!(error = %e, "storing the SSO sign-in in progress");
        return fail("unavailable");
    }
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return fail("expired");
    };
    let source_ip = Some(peer.ip().to_string());
    // Taken out at once: a state is good for one return, so a replayed callback finds none.
    let pending: Option<oidc::Pending> = session.remove(PENDING).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "reading the SSO sign-in in progress");
        None
    });
    let Some(pending) = pending else {
        return fail("expired");
    };
    let returned = query.state.unwrap_or_default();
    let state_ok: bool = returned.as_bytes().ct_eq(pending.state.as_bytes()).into();
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - pending.started_at;
    // Requests that never went through the provider are logged, not written to the
    // organization's trail, which anyone could otherwise fill.
    if !state_ok || !(0..=oidc::PENDING_TTL_SECS).contains(&age) {
        tracing::warn!(organization = %pending.organization_id, ?source_ip, "SSO callback with a wrong or expired state");
        return fail("expired");
    }
    if let Some(error) = query.error {
        // The provider's own words go to the log only; the trail says which of two cases.
        let (code, reason) = if error == "access_denied" {
            ("cancelled", "cancelled at the identity provider")
        } else {
            ("refused", "refused by the identity provider")
        };
        let error: String = error.chars().take(64).collect();
        tracing::info!(organization = %pending.organization_id, %error, "SSO sign-in ended by the provider");
        audit_failure(
            &state,
            pending.organization_id,
            "unknown",
            reason,
            source_ip,
        )
        .await;
        return fail(code);
    }
    let Some(code) = query.code else {
        tracing::warn!(organization = %pending.organization_id, "SSO callback without a code");
        return fail("refused");
    };
    let config = match db::sso::get(&state.pool, pending.organization_id).await {
        Ok(Some(c)) if c.issuer == pending.issuer => c,
        Ok(_) => return fail("misconfigured"),
        Err(e) => {
            tracing::error!(error = %e, "loading SSO settings");
            return fail("unavailable");
        }
    };
    let metadata = match state.oidc.metadata(&config.issuer).await {
        Ok(m) => m,
        Err(problem) => {
            tracing::warn!(issuer = %config.issuer, %problem, "identity provider discovery failed");
            return fail("unavailable");
        }
    };
    let Ok(registration) = registration(&state, &config, pending.redirect_uri.clone()) else {
        return fail("misconfigured");
    };
    let verified = match oidc::finish(&state.oidc, &metadata, &registration, &pending, &code).await
    {
        Ok(v) => v,
        Err(failure) => {
            tracing::warn!(issuer = %config.issuer, detail = %failure.detail, "SSO sign-in failed: {}", failure.message);
            audit_failure(
                &state,
                config.organization_id,
                "unknown",
                failure.message,
                source_ip,
            )
            .await;
            return fail(failure.code);
        }
    };
    let who = verified
        .email
        .clone()
        .unwrap_or_else(|| format!("subject {}", verified.subject));
    let user_id = match crate::ops::sso::admit(&state.pool, &config, &verified, source_ip.clone())
        .await
    {
        Ok(Ok(id)) => id,
        Ok(Err(refusal)) => {
            let (code, reason) = match refusal {
                Refusal::NoEmail => ("no_email", "no email address"),
                Refusal::Unverified => ("no_email", "email not verified"),
                Refusal::NotCovered => ("not_covered", "not covered by SSO"),
            };
            tracing::info!(organization = %config.organization_id, %who, reason, "SSO sign-in refused");
            audit_failure(&state, config.organization_id, &who, reason, source_ip).await;
            return fail(code);
        }
        Err(e) => {
            tracing::error!(error = %e.message, "SSO sign-in could not be completed");
            return fail("unavailable");
        }
    };
    if let Err(e) = auth::session::establish(&session, user_id).await {
        tracing::error!(error = %e.message, "starting the session after SSO");
        return fail("unavailable");
    }
    let end_session_url = oidc::end_session_url(
        &metadata,
        &config.client_id,
        Some(&verified.id_token),
        &format!("{}/login", base_of(&pending.redirect_uri)),
    );
    if let Err(e) = session
        .insert(SIGNED_IN_WITH, SignedInWith { end_session_url })
        .await
    {
        // Only signing out at the provider is lost.
        tracing::warn!(error = %e, "remembering the SSO provider for sign-out");
    }
    let landing =
        crate::server_fns::session::landing_path(&state.pool, user_id, pending.next.as_deref())
            .await
            .unwrap_or_else(|_| "/".to_owned());
    Redirect::to(&landing).into_response()
}

/// Where to send the browser after ending the Meridian session: the provider's end-session
/// endpoint when the user signed in through one that has it, else the sign-in page.
pub async fn sign_out_target(session: &Session) -> String {
    let signed_in_with: Option<SignedInWith> = session.get(SIGNED_IN_WITH).await.ok().flatten();
    signed_in_with
        .and_then(|with| with.end_session_url)
        .unwrap_or_else(|| "/login".to_owned())
}

/// Our own address, from the redirect URI it was built into.
fn base_of(redirect_uri: &str) -> &str {
    redirect_uri
        .strip_suffix(CALLBACK_PATH)
        .unwrap_or(redirect_uri)
}

/// Records a failed SSO sign-in in the organization's trail; a failure to record is logged.
async fn audit_failure(
    state: &AppState,
    organization_id: Uuid,
    who: &str,
    reason: &str,
    source_ip: Option<String>,
) {
    if let Err(e) =
        crate::ops::sso::record_failure(&state.pool, organization_id, who, reason, source_ip).await
    {
        tracing::error!(error = %e.message, "recording a failed SSO sign-in");
    }
}
