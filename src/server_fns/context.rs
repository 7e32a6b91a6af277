//! What every server function needs before it starts: the app state, the session, who is
//! calling, and how to answer.

use leptos::prelude::*;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::{self, OrgAccess, client::ClientAddr};
use crate::db::users::User;
use crate::domain::OrgRole;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The request a server function is serving.
pub struct Ctx {
    pub state: AppState,
    pub session: Session,
    pub source_ip: Option<String>,
}

impl Ctx {
    pub async fn load() -> AppResult<Ctx> {
        let state = use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from server function context");
            AppError::internal()
        })?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::internal()
        })?;
        let source_ip = leptos_axum::extract::<axum::Extension<ClientAddr>>()
            .await
            .ok()
            .map(|axum::Extension(addr)| addr.to_string());
        Ok(Ctx {
            state,
            session,
            source_ip,
        })
    }

    /// The address users and agents reach Meridian at (see [`AppState::base_url`]).
    pub async fn base_url(&self) -> String {
        let headers = leptos_axum::extract::<axum::http::HeaderMap>()
            .await
            .unwrap_or_default();
        self.state.base_url(&headers)
    }

    /// Lets the page being rendered frame pages of `origin` (a data plane's console): its
    /// security policy otherwise frames nothing. A no-op outside page rendering.
    pub fn allow_frames_from(&self, origin: &str) {
        let (Some(nonce), Some(options)) = (
            leptos::nonce::use_nonce(),
            use_context::<leptos_axum::ResponseOptions>(),
        ) else {
            return;
        };
        let policy = auth::csp::page_policy(&nonce.to_string(), &[origin]);
        if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
            options.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.state.pool
    }

    /// The signed-in user, or `Unauthenticated` (also once their sessions were ended).
    pub async fn user(&self) -> AppResult<User> {
        auth::session::user(&self.session, self.pool())
            .await?
            .ok_or_else(AppError::unauthenticated)
    }

    /// The signed-in user acting on `organization_id` with at least `needed`.
    pub async fn access(&self, organization_id: Uuid, needed: OrgRole) -> AppResult<OrgAccess> {
        let user = self.user().await?;
        auth::authorize(
            self.pool(),
            user,
            self.source_ip.clone(),
            organization_id,
            needed,
        )
        .await
    }

    /// Counts an attempt from this request's client against a rate limit.
    pub async fn limit_by_address(&self, limit: crate::auth::limits::Limit) -> AppResult<()> {
        let address = self.source_ip.as_deref().unwrap_or("unknown");
        self.state.limit(limit, address).await
    }

    /// After a successful change: leave a notice for the next page and redirect there.
    pub async fn redirect_with_notice(
        &self,
        path: &str,
        notice: impl Into<String>,
    ) -> AppResult<()> {
        auth::session::set_notice(&self.session, path, notice).await?;
        leptos_axum::redirect(path);
        Ok(())
    }

    pub async fn take_notice(&self, path: &str) -> AppResult<Option<String>> {
        auth::session::take_notice(&self.session, path).await
    }

    /// Holds a secret (new credentials, a sign-up link) for exactly one later read by this
    /// browser: the page that shows it once. It waits in the session sealed (AES-256-GCM) with
    /// a fresh key that only the browser holds, in a short-lived cookie: the session store
    /// never holds it readable, and a copy of the store is worth nothing.
    pub async fn stash_secret<T: serde::Serialize>(&self, slot: &str, value: &T) -> AppResult<()> {
        use base64::Engine;
        use rand::RngCore;
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let plain = serde_json::to_vec(value).map_err(|_| AppError::internal())?;
        let sealed = auth::sealed::SecretBox::new(&key).seal(&plain, slot.as_bytes());
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        auth::session::stash_once(&self.session, slot, &engine.encode(sealed)).await?;
        self.set_cookie(&reveal_cookie(slot), &engine.encode(key), 900);
        Ok(())
    }

    /// Takes what [`Ctx::stash_secret`] left for `slot`, if this browser holds its key.
    pub async fn take_secret<T: serde::de::DeserializeOwned>(
        &self,
        slot: &str,
    ) -> AppResult<Option<T>> {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let name = reveal_cookie(slot);
        let headers = leptos_axum::extract::<axum::http::HeaderMap>()
            .await
            .unwrap_or_default();
        let key = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| engine.decode(v).ok())
            .and_then(|k| <[u8; 32]>::try_from(k).ok());
        let sealed: Option<String> = auth::session::take_once(&self.session, slot).await?;
        self.set_cookie(&name, "", 0);
        let (Some(key), Some(sealed)) = (key, sealed.and_then(|s| engine.decode(s).ok())) else {
            return Ok(None);
        };
        let plain = match auth::sealed::SecretBox::new(&key).open(&sealed, slot.as_bytes()) {
            Ok(plain) => plain,
            Err(_) => return Ok(None),
        };
        Ok(serde_json::from_slice(&plain).ok())
    }

    /// Adds a `Set-Cookie` to the answer: HttpOnly, for the whole site, `max_age` seconds.
    fn set_cookie(&self, name: &str, value: &str, max_age: u32) {
        let secure = if self.state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie =
            format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
        if let (Some(options), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            axum::http::HeaderValue::from_str(&cookie),
        ) {
            options.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}

/// The cookie holding the key to a stashed secret (see [`Ctx::stash_secret`]).
fn reveal_cookie(slot: &str) -> String {
    format!("meridian_reveal_{slot}")
}

/// Parses a name field, echoing the typed value in the error.
pub fn parse_name(field: &str, raw: &str) -> AppResult<crate::domain::Name> {
    crate::domain::Name::parse(raw)
        .map_err(|m| AppError::invalid(field, m).with_input([(field, raw)]))
}

/// A region's place as typed (provider, location, jurisdiction; empty fields unknown), every
/// field's error at once.
pub fn parse_place(
    provider: &str,
    location: &str,
    jurisdiction: &str,
) -> AppResult<crate::domain::Place> {
    crate::domain::Place::parse(provider, location, jurisdiction).map_err(|errors| {
        AppError::merge(errors.into_iter().map(|(f, m)| AppError::invalid(f, m)))
            .unwrap_or_else(AppError::internal)
    })
}

/// Classifications as typed (`pii, phi`).
pub fn parse_classifications(raw: &str) -> AppResult<Vec<crate::domain::Classification>> {
    crate::domain::Classification::parse_list(raw)
        .map_err(|m| AppError::invalid("classifications", m))
}

/// The enabled state a form asks for ("true"/"on" or "false"/"off"; an unchecked checkbox is
/// absent), or `None` when the form does not say.
pub fn parse_enabled(raw: Option<&str>) -> AppResult<Option<bool>> {
    match raw {
        None => Ok(None),
        Some("true" | "on") => Ok(Some(true)),
        Some("false" | "off") => Ok(Some(false)),
        Some(_) => Err(AppError::invalid("enabled", "Choose enabled or disabled.")),
    }
}

/// A rename and/or a switch on or off, as a form sends them: the name field when present, and
/// `enabled` as [`parse_enabled`] reads it.
pub fn parse_name_and_enabled(
    name: Option<&str>,
    enabled: Option<&str>,
) -> AppResult<crate::ops::NameAndEnabled> {
    Ok(crate::ops::NameAndEnabled {
        name: name.map(|n| parse_name("name", n)).transpose()?,
        enabled: parse_enabled(enabled)?,
    })
}

/// Parses a UUID field.
pub fn parse_id(field: &str, raw: &str, what: &str) -> AppResult<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::invalid(field, format!("Choose a {what}.")))
}
