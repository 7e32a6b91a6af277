//! The state every request handler, server function and operation can reach, built from the
//! configuration by one function that `serve` and the tests both call, so a setting cannot
//! reach one and be forgotten by the other.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

use crate::auth::api_access::ApiAccessCache;
use crate::auth::oidc::Providers;
use crate::auth::secrets::SecretHasher;
use crate::auth::tokens::TokenKeys;
use crate::cache::RegionLists;
use crate::config::Config;
use crate::sealed::SecretBox;

/// Shared by the router, page rendering and server functions (through Leptos context).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// What the server was started with.
    pub config: Arc<Config>,
    /// Hashes client secrets with the instance's key.
    pub hasher: SecretHasher,
    /// Signs and verifies API tokens.
    pub tokens: Arc<TokenKeys>,
    /// Roles of API callers, remembered for a moment.
    pub api_access: Arc<ApiAccessCache>,
    /// Serialized region lists for the API, kept coherent across replicas.
    pub region_lists: Arc<RegionLists>,
    /// Encrypts stored SSO client secrets; `None` when no key is configured.
    pub secret_box: Option<Arc<SecretBox>>,
    /// Talks to identity providers (discovery, JWKS, code redemption); set up for public
    /// providers only unless `MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS`.
    pub oidc: Arc<Providers>,
    /// Looks up the DNS proofs of claimed email domains.
    pub dns: Arc<crate::dns::Dns>,
    /// Wakes data planes waiting for work when a run is queued in their region.
    pub wakeups: Arc<crate::queue::Wakeups>,
    /// Set once the process is asked to stop: `/readyz` then answers 503 while requests in
    /// flight finish (see `server::serve`).
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
    /// Requests this server is serving now, against `max_in_flight` (see
    /// `gate::door`).
    pub in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

impl AppState {
    /// Assembles the state from the configuration: loads the instance's keys (creating them
    /// on a new instance) and starts following other replicas' changes.
    pub async fn from_config(config: &Config, pool: PgPool) -> anyhow::Result<AppState> {
        let hasher = SecretHasher::load(&pool)
            .await
            .map_err(|e| anyhow::anyhow!("loading the instance's secret key: {e}"))?;
        let tokens = TokenKeys::load(&pool)
            .await
            .map_err(|e| anyhow::anyhow!("loading the token signing keys: {e}"))?;
        let oidc = Providers::new(config.allow_local_issuers)
            .map_err(|e| anyhow::anyhow!("identity provider client: {e}"))?;
        let region_lists = Arc::new(RegionLists::default());
        crate::cache::follow_changes(pool.clone(), region_lists.clone());
        let wakeups = crate::queue::Wakeups::new(pool.clone());
        Ok(AppState {
            wakeups,
            stopping: Arc::default(),
            in_flight: Arc::default(),
            leptos_options: leptos_options(config.listen),
            secret_box: crate::auth::sealed::from_config(config)?.map(Arc::new),
            config: Arc::new(config.clone()),
            hasher,
            tokens: Arc::new(tokens),
            api_access: Arc::new(ApiAccessCache::default()),
            region_lists,
            oidc: Arc::new(oidc),
            dns: Arc::new(
                crate::dns::Dns::new(config.dns_server)
                    .map_err(|e| anyhow::anyhow!("DNS resolver: {e}"))?,
            ),
            pool,
        })
    }

    /// Our own address as users and agents reach it: `MERIDIAN_PUBLIC_URL` when configured,
    /// or else the request's host over http.
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.config.public_url {
            return url.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1:3000");
        format!("http://{host}")
    }

    /// Counts an attempt against a rate limit (see [`crate::auth::limits`]).
    pub async fn limit(
        &self,
        limit: crate::auth::limits::Limit,
        subject: &str,
    ) -> crate::error::AppResult<()> {
        crate::auth::limits::check(&self.pool, self.config.rate_limits, limit, subject).await
    }
}

/// Leptos' options, from cargo-leptos' environment when run by it, with our defaults.
fn leptos_options(listen: std::net::SocketAddr) -> LeptosOptions {
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let production = std::env::var("LEPTOS_ENV")
        .map(|e| e.eq_ignore_ascii_case("PROD"))
        .unwrap_or(!cfg!(debug_assertions));
    LeptosOptions::builder()
        .output_name("meridian")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(listen)
        .env(if production {
            leptos::config::Env::PROD
        } else {
            leptos::config::Env::DEV
        })
        .build()
}
