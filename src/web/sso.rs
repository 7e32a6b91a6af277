//! The browser's single sign-on round trip: `/auth/sso/start` sends it to the organization's
//! identity provider, `/auth/sso/callback` takes it back, verifies what the provider says and
//! signs the user in. Every failure lands on the sign-in page with a short reason
//! (`/login?sso_error=...`, worded by `ui::pages::sign_in::sso_failure_message`) and is
//! logged; failures that involved the provider are also audited. Nothing from the provider is
//! echoed.

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::{self, client::ClientAddr, oidc};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ops::sso::Refusal;
use crate::paths;
use crate::state::AppState;

/// Session slot for the sign-in in progress.
const PENDING: &str = "sso_pending";

/// Back to the sign-in page with a reason code.
fn fail(code: &str) -> Response {
    Redirect::to(&format!("/login?sso_error={code}")).into_response()
}

/// An organization's SSO settings (when they name `issuer`, if given) and its provider's
/// metadata; or the sign-in page with the reason.
async fn provider(
    state: &AppState,
    organization_id: Uuid,
    issuer: Option<&str>,
) -> Result<(db::sso::SsoConfig, std::sync::Arc<oidc::Metadata>), Response> {
    let config = match db::sso::get(&state.pool, organization_id).await {
        Ok(Some(c)) if issuer.is_none_or(|i| i == c.issuer) => c,
        Ok(_) => return Err(fail("misconfigured")),
        Err(e) => {
            tracing::error!(error = %e, "loading SSO settings");
            return Err(fail("unavailable"));
        }
    };
    match state.oidc.metadata(&config.issuer).await {
        Ok(metadata) => Ok((config, metadata)),
        Err(problem) => {
            tracing::warn!(issuer = %config.issuer, %problem, "identity provider discovery failed");
            Err(fail("unavailable"))
        }
    }
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
    Extension(client): Extension<ClientAddr>,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return fail("expired");
    };
    if state
        .limit(auth::limits::SSO_START_PER_ADDRESS, &client.to_string())
        .await
        .is_err()
    {
        return fail("too_many");
    }
    if !auth::session::take_sso_start_ticket(&session, query.organization, &query.ticket).await {
        return fail("expired");
    }
    let (config, metadata) = match provider(&state, query.organization, None).await {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    // The callback must name the same redirect URI, so it is decided once, here.
    let redirect_uri = format!("{}{}", state.base_url(&headers), paths::SSO_CALLBACK);
    let Ok(registration) = registration(&state, &config, redirect_uri) else {
        return fail("misconfigured");
    };
    let next = query.next.filter(|n| paths::is_local_path(n));
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
    Extension(client): Extension<ClientAddr>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return fail("expired");
    };
    let source_ip = Some(client.to_string());
    if let Err(e) = state
        .limit(auth::limits::SSO_CALLBACK_PER_ADDRESS, &client.to_string())
        .await
    {
        tracing::warn!(%client, "SSO callbacks over the limit: {}", e.message);
        return fail("too_many");
    }
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
    // The settings must still name the provider the sign-in started with.
    let (config, metadata) =
        match provider(&state, pending.organization_id, Some(&pending.issuer)).await {
            Ok(found) => found,
            Err(failed) => return failed,
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
    let who_signed_in = match crate::ops::sso::admit(&state, &config, &verified, source_ip.clone())
        .await
    {
        Ok(Ok(signed_in)) => signed_in,
        Ok(Err(refusal)) => {
            let (code, reason) = match refusal {
                Refusal::NoEmail => ("no_email", "no email address"),
                Refusal::Unverified => ("no_email", "email not verified"),
                Refusal::NotCovered => ("not_covered", "not covered by SSO"),
            };
            tracing::info!(organization = %config.organization_id, %who, reason, "SSO sign-in refused");
            crate::telemetry::count_sign_in(crate::telemetry::SignIn::Sso, false);
            audit_failure(&state, config.organization_id, &who, reason, source_ip).await;
            return fail(code);
        }
        Err(e) => {
            tracing::error!(error = %e.message, "SSO sign-in could not be completed");
            return fail("unavailable");
        }
    };
    if let Err(e) = auth::session::establish(&session, who_signed_in).await {
        tracing::error!(error = %e.message, "starting the session after SSO");
        return fail("unavailable");
    }
    crate::telemetry::count_sign_in(crate::telemetry::SignIn::Sso, true);
    let end_session_url = oidc::end_session_url(
        &metadata,
        &config.client_id,
        Some(&verified.id_token),
        &format!("{}/login", base_of(&pending.redirect_uri)),
        state.oidc.allow_local(),
    );
    auth::session::remember_sso_sign_out(&session, end_session_url).await;
    let landing =
        crate::read::landing_path(&state.pool, who_signed_in.user_id, pending.next.as_deref())
            .await
            .unwrap_or_else(|_| "/".to_owned());
    Redirect::to(&landing).into_response()
}

/// Our own address, from the redirect URI it was built into.
fn base_of(redirect_uri: &str) -> &str {
    redirect_uri
        .strip_suffix(paths::SSO_CALLBACK)
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
        crate::ops::sso::record_failure(state, organization_id, who, reason, source_ip).await
    {
        tracing::error!(error = %e.message, "recording a failed SSO sign-in");
    }
}
