//! The state every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

/// Shared by the router, page rendering and server functions (through Leptos context).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// `MERIDIAN_PUBLIC_URL`: how data planes and API clients reach this control plane.
    pub public_url: Option<String>,
}
