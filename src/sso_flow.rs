//! The browser's single sign-on round trip: `/auth/sso/start` sends it to the organization's
//! identity provider, `/auth/sso/callback` takes it back, verifies what the provider says and
//! signs the user in. Every failure lands on the sign-in page with a short reason
//! (`/login?sso_error=...`) and is logged and audited; nothing from the provider is echoed.

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
use crate::error::AppResult;
use crate::ops::sso::Refusal;
use crate::state::AppState;

/// Session slot for the sign-in in progress.
const PENDING: &str = "sso_pending";
/// Session slot naming the provider the user signed in with, for signing out there too.
const SIGNED_IN_WITH: &str = "sso_signed_in_with";

pub const CALLBACK_PATH: &str = "/auth/sso/callback";

/// Back to the sign-in page with a reason code (the page words it: see
/// `ui::pages::sign_in::sso_failure_message`).
fn fail(code: &str) -> Response {
    Redirect::to(&format!("/login?sso_error={code}")).into_response()
}

/// What the sign-in session remembers of the provider, for signing out there.
#[derive(serde::Serialize, Deserialize)]
struct SignedInWith {
    organization_id: Uuid,
    id_token: String,
}

/// Our own address as users reach it: configured, or the request's host.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    format!("http://{host}")
}

/// The organization's registration with its provider, with the secret decrypted.
fn registration<'a>(
    state: &AppState,
    config: &'a db::sso::SsoConfig,
    base: &str,
) -> AppResult<oidc::Registration<'a>> {
    let secret_box = state.secret_box.as_ref().ok_or_else(|| {
        tracing::error!("SSO is configured but this server has no MERIDIAN_ENCRYPTION_KEY");
        crate::error::AppError::internal()
    })?;
    let secret = secret_box.open(&config.client_secret_encrypted)?;
    Ok(oidc::Registration {
        issuer: &config.issuer,
        client_id: &config.client_id,
        client_secret: String::from_utf8(secret).map_err(|_| crate::error::AppError::internal())?,
        redirect_uri: format!("{base}{CALLBACK_PATH}"),
    })
}

/// Where the sign-in page sends an email covered by SSO.
pub fn start_path(organization_id: Uuid, login_hint: &str, next: Option<&str>) -> String {
    let mut path = format!(
        "/auth/sso/start?organization={organization_id}&login_hint={}",
        crate::paths::encode_query_value(login_hint)
    );
    if let Some(next) = next {
        path.push_str("&next=");
        path.push_str(&crate::paths::encode_query_value(next));
    }
    path
}

#[derive(Deserialize)]
pub struct StartQuery {
    organization: Uuid,
    login_hint: Option<String>,
    next: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
) -> Response {
    let Ok(Some(config)) = db::sso::get(&state.pool, query.organization).await else {
        return fail("misconfigured");
    };
    let metadata = match state.oidc.metadata(&config.issuer).await {
        Ok(m) => m,
        Err(problem) => {
            tracing::warn!(issuer = %config.issuer, %problem, "identity provider discovery failed");
            return fail("unavailable");
        }
    };
    let base = public_base(&state, &headers);
    let Ok(registration) = registration(&state, &config, &base) else {
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
    if session.insert(PENDING, &pending).await.is_err() {
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
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let source_ip = Some(peer.ip().to_string());
    // Taken out at once: a state is good for one return, so a replayed callback finds none.
    let pending: Option<oidc::Pending> = session.remove(PENDING).await.ok().flatten();
    let Some(pending) = pending else {
        return fail("expired");
    };
    let returned = query.state.unwrap_or_default();
    let state_ok: bool = returned.as_bytes().ct_eq(pending.state.as_bytes()).into();
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - pending.started_at;
    if !state_ok || !(0..=oidc::PENDING_TTL_SECS).contains(&age) {
        let _ = crate::ops::sso::record_failure(
            &state.pool,
            pending.organization_id,
            "unknown",
            "state mismatch or expired",
            source_ip,
        )
        .await;
        return fail("expired");
    }
    if let Some(error) = query.error {
        let _ = crate::ops::sso::record_failure(
            &state.pool,
            pending.organization_id,
            "unknown",
            &format!(
                "provider error {}",
                error.chars().take(64).collect::<String>()
            ),
            source_ip,
        )
        .await;
        return fail(if error == "access_denied" {
            "cancelled"
        } else {
            "refused"
        });
    }
    let Some(code) = query.code else {
        let _ = crate::ops::sso::record_failure(
            &state.pool,
            pending.organization_id,
            "unknown",
            "callback without a code",
            source_ip,
        )
        .await;
        return fail("refused");
    };
    let config = match db::sso::get(&state.pool, pending.organization_id).await {
        Ok(Some(c)) if c.issuer == pending.issuer => c,
        _ => return fail("misconfigured"),
    };
    let metadata = match state.oidc.metadata(&config.issuer).await {
        Ok(m) => m,
        Err(problem) => {
            tracing::warn!(issuer = %config.issuer, %problem, "identity provider discovery failed");
            return fail("unavailable");
        }
    };
    let base = public_base(&state, &headers);
    let Ok(registration) = registration(&state, &config, &base) else {
        return fail("misconfigured");
    };
    let verified = match oidc::finish(&state.oidc, &metadata, &registration, &pending, &code).await
    {
        Ok(v) => v,
        Err(failure) => {
            tracing::warn!(issuer = %config.issuer, detail = %failure.detail, "SSO sign-in failed: {}", failure.message);
            let _ = crate::ops::sso::record_failure(
                &state.pool,
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
    let user_id =
        match crate::ops::sso::admit(&state.pool, &config, &verified, source_ip.clone()).await {
            Ok(Ok(id)) => id,
            Ok(Err(refusal)) => {
                let (code, reason) = match refusal {
                    Refusal::NoEmail => ("no_email", "no email address"),
                    Refusal::Unverified => ("no_email", "email not verified"),
                    Refusal::NotCovered => ("not_covered", "not covered by SSO"),
                };
                let _ = crate::ops::sso::record_failure(
                    &state.pool,
                    config.organization_id,
                    &who,
                    reason,
                    source_ip,
                )
                .await;
                return fail(code);
            }
            Err(_) => return fail("unavailable"),
        };
    if auth::session::establish(&session, user_id).await.is_err() {
        return fail("unavailable");
    }
    let _ = session
        .insert(
            SIGNED_IN_WITH,
            SignedInWith {
                organization_id: config.organization_id,
                id_token: verified.id_token,
            },
        )
        .await;
    let landing =
        crate::server_fns::session::landing_path(&state.pool, user_id, pending.next.as_deref())
            .await
            .unwrap_or_else(|_| "/".to_owned());
    Redirect::to(&landing).into_response()
}

/// Where to send the browser after ending the Meridian session: the provider's end-session
/// endpoint when the user signed in through one that has it, else the sign-in page.
pub async fn sign_out_target(state: &AppState, session: &Session, base: &str) -> String {
    let signed_in_with: Option<SignedInWith> = session.get(SIGNED_IN_WITH).await.ok().flatten();
    let Some(with) = signed_in_with else {
        return "/login".to_owned();
    };
    let Ok(Some(config)) = db::sso::get(&state.pool, with.organization_id).await else {
        return "/login".to_owned();
    };
    let Ok(metadata) = state.oidc.metadata(&config.issuer).await else {
        return "/login".to_owned();
    };
    oidc::end_session_url(
        &metadata,
        &config.client_id,
        Some(&with.id_token),
        &format!("{base}/login"),
    )
    .unwrap_or_else(|| "/login".to_owned())
}
