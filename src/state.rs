//! The state every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

use crate::auth::api_access::ApiAccessCache;
use crate::auth::sealed::SecretBox;
use crate::auth::secrets::SecretHasher;
use crate::auth::tokens::TokenKeys;
use crate::cache::RegionLists;
use crate::domain::HealthThresholds;
use crate::error::AppResult;

/// Shared by the router, page rendering and server functions (through Leptos context).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// `MERIDIAN_PUBLIC_URL`: how data planes and API clients reach this control plane.
    pub public_url: Option<String>,
    /// Hashes client secrets with the instance's key.
    pub hasher: SecretHasher,
    /// Signs and verifies API tokens.
    pub tokens: Arc<TokenKeys>,
    /// Roles of API callers, remembered for a moment.
    pub api_access: Arc<ApiAccessCache>,
    /// Serialized region lists for the API, kept coherent across replicas.
    pub region_lists: Arc<RegionLists>,
    /// When a data plane counts as healthy or degraded (`Config::health`).
    pub health: HealthThresholds,
    /// Encrypts stored SSO client secrets; `None` until a key is configured.
    pub secret_box: Option<Arc<SecretBox>>,
    /// Talks to identity providers (discovery, JWKS, code redemption); set up for public
    /// providers only unless `MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS`.
    pub oidc: Arc<crate::auth::oidc::Providers>,
}

impl AppState {
    /// Our own address as users reach it: configured (`MERIDIAN_PUBLIC_URL`), or else the
    /// request's host over http.
    pub fn public_base(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1:3000");
        format!("http://{host}")
    }

    /// Loads the instance's keys (creating them on a new instance), starts following other
    /// replicas' changes, and assembles the state.
    pub async fn load(
        pool: PgPool,
        leptos_options: LeptosOptions,
        public_url: Option<String>,
    ) -> AppResult<AppState> {
        let hasher = SecretHasher::load(&pool).await?;
        let tokens = TokenKeys::load(&pool).await?;
        let region_lists = Arc::new(RegionLists::default());
        crate::cache::follow_changes(pool.clone(), region_lists.clone());
        Ok(AppState {
            health: HealthThresholds::default(),
            region_lists,
            leptos_options,
            hasher,
            tokens: Arc::new(tokens),
            api_access: Arc::new(ApiAccessCache::default()),
            secret_box: None,
            oidc: Arc::new(crate::auth::oidc::Providers::new(false)?),
            pool,
            public_url,
        })
    }
}
