//! Configuration from the environment, read once at start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything Meridian reads from its environment. See the README's configuration table.
#[derive(Clone)]
pub struct Config {
    /// An existing Postgres server; without it Meridian runs its own under `data_dir`.
    pub database_url: Option<String>,
    /// Where the embedded database and the generated admin password live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// How data planes and API clients reach this control plane, e.g. https://meridian.example.com.
    pub public_url: Option<String>,
    /// Mark session cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// `MERIDIAN_ENCRYPTION_KEY`: base64 of 32 bytes, encrypting stored SSO client secrets
    /// (see `auth::sealed`).
    pub encryption_key: Option<String>,
    /// `MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS`: accept identity providers on this machine or its
    /// private network, over plain http too. For tests and demos only.
    pub allow_local_issuers: bool,
    /// `MERIDIAN_WEBHOOKS_ALLOW_LOCAL`: accept webhook endpoints on this machine or its private
    /// network, over plain http too. For tests and demos only.
    pub allow_local_webhooks: bool,
    /// `MERIDIAN_BUCKETS_ALLOW_LOCAL`: accept audit bucket endpoints on this machine or its
    /// private network, over plain http too. For tests and demos only.
    pub allow_local_buckets: bool,
    /// `MERIDIAN_AUDIT_RETRY_SECS`: after a failed upload to an organization's audit bucket,
    /// the first retry's delay; each next one waits twice as long (at most an hour).
    pub audit_retry_base: std::time::Duration,
    /// `MERIDIAN_HEALTH_WATCH_SECS`: how often health changes are looked for (and announced
    /// to webhook endpoints).
    pub health_watch_every: std::time::Duration,
    /// `MERIDIAN_WEBHOOK_RETRY_SECS`: the first retry's delay after a failed delivery; each
    /// next one waits twice as long (at most an hour).
    pub webhook_retry_base: std::time::Duration,
    /// The bootstrap instance admin.
    pub admin_email: String,
    pub admin_password: Option<String>,
    /// How recent a data plane's last heartbeat must be to count as healthy or degraded.
    pub health: crate::domain::HealthThresholds,
    /// `MERIDIAN_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<crate::domain::Network>,
    /// `MERIDIAN_RATE_LIMITS`: whether sign-ins and token exchanges are rate limited (on,
    /// unless turned off for a benchmark).
    pub rate_limits: bool,
    /// `MERIDIAN_DNS_SERVER`: the DNS server that domain proofs are looked up at, instead of
    /// the system's resolver.
    pub dns_server: Option<SocketAddr>,
    /// `MERIDIAN_LOCAL_DATAPLANE_LISTEN`: where the in-process data plane (embedded database
    /// only) serves its regional API.
    pub local_dataplane_listen: SocketAddr,
    /// `MERIDIAN_RUN_LEASE_SECS`: how long a data plane holds a run without renewing it; a run
    /// whose data plane is silent that long is lost (and retried when its job allows).
    pub run_lease: time::Duration,
    /// `MERIDIAN_SHUTDOWN_DELAY_SECS`: after SIGTERM, how long `/readyz` answers 503 while
    /// requests are still served, so a load balancer stops sending new ones first.
    pub shutdown_delay: std::time::Duration,
    /// `MERIDIAN_SHUTDOWN_GRACE_SECS`: then, how long requests in flight may take to finish
    /// before the process exits anyway.
    pub shutdown_grace: std::time::Duration,
    /// `MERIDIAN_REQUEST_TIMEOUT_SECS`: a request not answered by then gets 503 with
    /// `Retry-After` (the data planes' long poll for runs gets its own 30 s on top).
    pub request_timeout: std::time::Duration,
    /// `MERIDIAN_MAX_IN_FLIGHT`: requests served at once; more are refused at the door with 503
    /// rather than queued behind a slow database.
    pub max_in_flight: usize,
    /// `MERIDIAN_METRICS_TOKEN`: when set, `GET /metrics` wants it as a bearer token.
    pub metrics_token: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("admin_email", &self.admin_email)
            .field("health", &self.health)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("rate_limits", &self.rate_limits)
            .field("dns_server", &self.dns_server)
            .field("shutdown_delay", &self.shutdown_delay)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("request_timeout", &self.request_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "encryption_key",
                &self.encryption_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Default for Config {
    /// What Meridian runs with when its environment sets nothing.
    fn default() -> Self {
        Config {
            database_url: None,
            data_dir: PathBuf::from(".meridian"),
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            secure_cookies: false,
            encryption_key: None,
            allow_local_issuers: false,
            allow_local_webhooks: false,
            allow_local_buckets: false,
            audit_retry_base: std::time::Duration::from_secs(10),
            health_watch_every: std::time::Duration::from_secs(5),
            webhook_retry_base: std::time::Duration::from_secs(10),
            admin_email: Self::DEFAULT_ADMIN_EMAIL.into(),
            admin_password: None,
            health: crate::domain::HealthThresholds::default(),
            trusted_proxies: Vec::new(),
            rate_limits: true,
            dns_server: None,
            local_dataplane_listen: SocketAddr::from(([127, 0, 0, 1], 4100)),
            run_lease: time::Duration::seconds(30),
            shutdown_delay: std::time::Duration::from_secs(5),
            shutdown_grace: std::time::Duration::from_secs(30),
            request_timeout: std::time::Duration::from_secs(15),
            max_in_flight: 512,
            metrics_token: None,
        }
    }
}

impl Config {
    pub const DEFAULT_ADMIN_EMAIL: &'static str = "admin@meridian.local";

    pub fn from_env() -> anyhow::Result<Config> {
        let defaults = Config::default();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let listen = match var("MERIDIAN_LISTEN").or_else(|| var("LEPTOS_SITE_ADDR")) {
            Some(addr) => addr.parse().map_err(|_| {
                anyhow::anyhow!(
                    "MERIDIAN_LISTEN must be an address like 127.0.0.1:3000, got {addr:?}"
                )
            })?,
            None => defaults.listen,
        };
        let flag = |name: &str, default: bool| -> anyhow::Result<bool> {
            match var(name).as_deref() {
                None => Ok(default),
                Some("false" | "0" | "no" | "off") => Ok(false),
                Some("true" | "1" | "yes" | "on") => Ok(true),
                Some(other) => anyhow::bail!("{name} must be true or false, got {other:?}"),
            }
        };
        let secure_cookies = flag("MERIDIAN_SECURE_COOKIES", false)?;
        let trusted_proxies = var("MERIDIAN_TRUSTED_PROXIES")
            .map(|raw| {
                raw.split(',')
                    .filter(|p| !p.trim().is_empty())
                    .map(crate::domain::Network::parse)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|m| anyhow::anyhow!("MERIDIAN_TRUSTED_PROXIES: {m}"))?
            .unwrap_or_default();
        let dns_server = var("MERIDIAN_DNS_SERVER")
            .map(|raw| {
                raw.parse::<SocketAddr>().map_err(|_| {
                    anyhow::anyhow!(
                        "MERIDIAN_DNS_SERVER must be an address like 127.0.0.1:53, got {raw:?}"
                    )
                })
            })
            .transpose()?;
        let seconds = |name: &str, default: i64| -> anyhow::Result<time::Duration> {
            match var(name) {
                None => Ok(time::Duration::seconds(default)),
                Some(raw) => match raw.trim().parse::<i64>() {
                    Ok(n) if n > 0 => Ok(time::Duration::seconds(n)),
                    _ => anyhow::bail!("{name} must be a whole number of seconds, got {raw:?}"),
                },
            }
        };
        let health = crate::domain::HealthThresholds {
            healthy_within: seconds(
                "MERIDIAN_HEALTHY_WITHIN_SECS",
                defaults.health.healthy_within.whole_seconds(),
            )?,
            degraded_within: seconds(
                "MERIDIAN_DEGRADED_WITHIN_SECS",
                defaults.health.degraded_within.whole_seconds(),
            )?,
        };
        if health.degraded_within < health.healthy_within {
            anyhow::bail!(
                "MERIDIAN_DEGRADED_WITHIN_SECS must be at least MERIDIAN_HEALTHY_WITHIN_SECS"
            );
        }
        // Zero is a fine delay (no load balancer to tell), unlike the durations above.
        let wait =
            |name: &str, default: std::time::Duration| -> anyhow::Result<std::time::Duration> {
                match var(name) {
                    None => Ok(default),
                    Some(raw) => raw
                        .trim()
                        .parse::<u64>()
                        .map(std::time::Duration::from_secs)
                        .map_err(|_| {
                            anyhow::anyhow!("{name} must be a whole number of seconds, got {raw:?}")
                        }),
                }
            };
        Ok(Config {
            shutdown_delay: wait("MERIDIAN_SHUTDOWN_DELAY_SECS", defaults.shutdown_delay)?,
            shutdown_grace: wait("MERIDIAN_SHUTDOWN_GRACE_SECS", defaults.shutdown_grace)?,
            run_lease: seconds("MERIDIAN_RUN_LEASE_SECS", 30)?,
            request_timeout: seconds("MERIDIAN_REQUEST_TIMEOUT_SECS", 15)?.unsigned_abs(),
            max_in_flight: match var("MERIDIAN_MAX_IN_FLIGHT") {
                None => defaults.max_in_flight,
                Some(raw) => match raw.trim().parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => anyhow::bail!(
                        "MERIDIAN_MAX_IN_FLIGHT must be a positive whole number, got {raw:?}"
                    ),
                },
            },
            metrics_token: var("MERIDIAN_METRICS_TOKEN"),
            health,
            database_url: var("DATABASE_URL"),
            data_dir: var("MERIDIAN_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or(defaults.data_dir),
            listen,
            secure_cookies,
            public_url: var("MERIDIAN_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
            admin_email: var("MERIDIAN_ADMIN_EMAIL").unwrap_or(defaults.admin_email),
            admin_password: var("MERIDIAN_ADMIN_PASSWORD"),
            encryption_key: var("MERIDIAN_ENCRYPTION_KEY"),
            allow_local_issuers: flag("MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS", false)?,
            allow_local_webhooks: flag("MERIDIAN_WEBHOOKS_ALLOW_LOCAL", false)?,
            allow_local_buckets: flag("MERIDIAN_BUCKETS_ALLOW_LOCAL", false)?,
            audit_retry_base: seconds("MERIDIAN_AUDIT_RETRY_SECS", 10)?.unsigned_abs(),
            health_watch_every: seconds("MERIDIAN_HEALTH_WATCH_SECS", 5)?.unsigned_abs(),
            webhook_retry_base: seconds("MERIDIAN_WEBHOOK_RETRY_SECS", 10)?.unsigned_abs(),
            trusted_proxies,
            rate_limits: flag("MERIDIAN_RATE_LIMITS", true)?,
            dns_server,
            local_dataplane_listen: match var("MERIDIAN_LOCAL_DATAPLANE_LISTEN") {
                Some(raw) => raw.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "MERIDIAN_LOCAL_DATAPLANE_LISTEN must be host:port, got {raw:?}"
                    )
                })?,
                None => defaults.local_dataplane_listen,
            },
        })
    }
}
