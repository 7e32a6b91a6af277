//! What every server function needs before it starts: the app state, the session, who is
//! calling, and how to answer.

use axum::extract::ConnectInfo;
use leptos::prelude::*;
use std::net::SocketAddr;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::{self, OrgAccess};
use crate::db::{self, users::User};
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
        let source_ip = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
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

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.state.pool
    }

    /// The signed-in user, or `Unauthenticated`.
    pub async fn user(&self) -> AppResult<User> {
        let id = auth::session::user_id(&self.session)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        db::users::get(self.pool(), id)
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
}

/// Parses a name field, echoing the typed value in the error.
pub fn parse_name(field: &str, raw: &str) -> AppResult<crate::domain::Name> {
    crate::domain::Name::parse(raw)
        .map_err(|m| AppError::invalid(field, m).with_input([(field, raw)]))
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
