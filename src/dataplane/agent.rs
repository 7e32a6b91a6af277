//! The agent: registers a data plane with the control plane and keeps it reporting in.
//!
//! It only ever calls out: exchanges its client credentials for a short-lived token (renewed
//! before it expires), initializes once with its version and host, then sends a heartbeat
//! every interval. The answer says whether the data plane may take work; a disabled data
//! plane stops taking work and keeps reporting in. When the control plane cannot be reached
//! the agent retries with capped exponential backoff and jitter, forever. Refused credentials
//! (revoked, deleted, wrong) end it with [`Exit::Unauthorized`].

use rand::Rng;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

use super::protocol::{BASE_PATH, Identity, Report, TokenRequest, TokenResponse};

/// How the agent ended, and the process exit code for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Stopped by a signal: exit code 0.
    Shutdown,
    /// It could not start (no HTTP client): exit code 2.
    Config,
    /// The control plane refused the credentials: exit code 3.
    Unauthorized,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Shutdown => 0,
            Exit::Config => EXIT_CONFIG,
            Exit::Unauthorized => EXIT_UNAUTHORIZED,
        }
    }
}

/// Exit code for a configuration the agent cannot start with.
pub const EXIT_CONFIG: u8 = 2;
/// Exit code for credentials the control plane refused.
pub const EXIT_UNAUTHORIZED: u8 = 3;

/// Longest wait between retries when the control plane is unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct AgentConfig {
    /// The control plane's address, e.g. https://meridian.example.com.
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    pub heartbeat_interval: Duration,
    pub version: String,
    pub hostname: String,
    /// Where clients reach this data plane's regional API, reported at every beat; `None`
    /// when it serves none.
    pub public_url: Option<String>,
}

impl std::fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentConfig")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
    /// 401: the credentials (or the token) were refused.
    Refused,
    /// 4xx other than 401: the control plane will not do it (say, a run no longer ours).
    Rejected(StatusCode),
    /// Anything else: unreachable, timed out, 5xx, unreadable answer. Worth retrying.
    Transient(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused => f.write_str("the control plane refused the credentials"),
            Failure::Rejected(status) => write!(f, "the control plane answered {status}"),
            Failure::Transient(why) => f.write_str(why),
        }
    }
}

struct Token {
    value: String,
    renew_at: Instant,
}

/// The control plane as the data plane calls it: with a token exchanged from the client
/// credentials and renewed before it expires, shared by the heartbeat and the work loop.
pub struct ControlPlane {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: String,
    token: tokio::sync::Mutex<Option<Token>>,
}

impl ControlPlane {
    pub fn new(config: &AgentConfig) -> Result<ControlPlane, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(format!("meridian-dataplane/{}", config.version))
            .build()?;
        Ok(ControlPlane {
            http,
            base: format!("{}{BASE_PATH}", config.url.trim_end_matches('/')),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// A token, exchanging the credentials for a new one when there is none, it is due for
    /// renewal, or `fresh` asks for one. Only a refused exchange is [`Failure::Refused`].
    async fn bearer(&self, fresh: bool) -> Result<String, Failure> {
        let mut token = self.token.lock().await;
        if fresh || token.as_ref().is_none_or(|t| Instant::now() >= t.renew_at) {
            *token = Some(self.exchange().await?);
        }
        Ok(token.as_ref().map(|t| t.value.clone()).unwrap_or_default())
    }

    async fn exchange(&self) -> Result<Token, Failure> {
        let request = TokenRequest {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        };
        let url = format!("{}/token", self.base);
        let answer: TokenResponse = post(&self.http, &url, None, &request, None)
            .await?
            .ok_or_else(|| Failure::Transient("the token exchange answered nothing".into()))?;
        // Renew at two thirds of the lifetime, so a slow round never uses an expired token.
        let lifetime = Duration::from_secs(answer.expires_in.max(3));
        Ok(Token {
            value: answer.access_token,
            renew_at: Instant::now() + lifetime.mul_f64(2.0 / 3.0),
        })
    }

    /// `POST {path}` with a token; `Ok(None)` for 204 No Content. A refused token gets a
    /// fresh one first (the old may have expired, or its credential been revoked, which the
    /// exchange then says); a fresh token refused again is a passing problem on the control
    /// plane's side (say, a replica that has not loaded a new signing key yet).
    pub async fn call<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        timeout: Option<Duration>,
    ) -> Result<Option<T>, Failure> {
        let url = format!("{}/{path}", self.base);
        for attempt in 0..2 {
            let bearer = self.bearer(attempt == 1).await?;
            match post(&self.http, &url, Some(&bearer), body, timeout).await {
                Err(Failure::Refused) if attempt == 0 => continue,
                Err(Failure::Refused) => {
                    return Err(Failure::Transient(
                        "a freshly issued token was refused".into(),
                    ));
                }
                other => return other,
            }
        }
        Err(Failure::Transient("no answer".into()))
    }
}

/// Runs until `shutdown` completes or the credentials are refused.
pub async fn run(config: AgentConfig, shutdown: impl std::future::Future<Output = ()>) -> Exit {
    let control_plane = match ControlPlane::new(&config) {
        Ok(control_plane) => control_plane,
        Err(e) => {
            tracing::error!(error = %e, "cannot build an HTTP client");
            return Exit::Config;
        }
    };
    let (identities, _) = tokio::sync::watch::channel(None);
    run_reporting(&control_plane, config, identities, shutdown).await
}

/// Like [`run`], calling through `control_plane` and telling `identities` who the data plane
/// is each time the control plane answers (so its regional API learns its region).
pub async fn run_reporting(
    control_plane: &ControlPlane,
    config: AgentConfig,
    identities: tokio::sync::watch::Sender<Option<Identity>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Exit {
    tokio::pin!(shutdown);
    let report = Report {
        version: config.version.clone(),
        hostname: config.hostname.clone(),
        public_url: config.public_url.clone(),
    };
    let mut initialized = false;
    let mut taking_work: Option<bool> = None;
    let mut backoff = FIRST_BACKOFF;
    let mut unreachable_since: Option<Instant> = None;

    loop {
        let outcome = beat(control_plane, &report, &mut initialized).await;
        let wait = match outcome {
            Ok(identity) => {
                if let Some(since) = unreachable_since.take() {
                    tracing::info!(
                        after_secs = since.elapsed().as_secs(),
                        "reached the control plane again"
                    );
                }
                backoff = FIRST_BACKOFF;
                identities.send_if_modified(|known| {
                    let changed = known.as_ref() != Some(&identity);
                    *known = Some(identity.clone());
                    changed
                });
                if taking_work != Some(identity.enabled) {
                    if identity.enabled {
                        tracing::info!(
                            dataplane = %identity.dataplane_name,
                            region = %identity.region_name,
                            "enabled: taking work"
                        );
                    } else {
                        tracing::warn!(
                            dataplane = %identity.dataplane_name,
                            region = %identity.region_name,
                            "disabled by the control plane: not taking work, still reporting in"
                        );
                    }
                    taking_work = Some(identity.enabled);
                }
                config.heartbeat_interval
            }
            Err(Failure::Refused) => {
                tracing::error!(
                    client_id = %config.client_id,
                    "the control plane refused these credentials (revoked, deleted or wrong); \
                     issue a new secret for this data plane and restart the agent"
                );
                return Exit::Unauthorized;
            }
            Err(failure @ (Failure::Transient(_) | Failure::Rejected(_))) => {
                let why = failure.to_string();
                unreachable_since.get_or_insert_with(Instant::now);
                // "Equal jitter": between half and all of the current backoff, so agents that
                // lost the control plane together do not all come back at the same instant.
                let wait = backoff.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
                tracing::warn!(
                    error = %why,
                    retry_in_ms = wait.as_millis() as u64,
                    "control plane unreachable; retrying"
                );
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        tokio::select! {
            _ = &mut shutdown => {
                tracing::info!("shutting down");
                return Exit::Shutdown;
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One round: initialize (the first time) or a heartbeat.
async fn beat(
    control_plane: &ControlPlane,
    report: &Report,
    initialized: &mut bool,
) -> Result<Identity, Failure> {
    let path = if *initialized {
        "heartbeat"
    } else {
        "initialize"
    };
    let identity: Identity = control_plane
        .call(path, report, None)
        .await?
        .ok_or_else(|| Failure::Transient("the control plane answered nothing".into()))?;
    if !*initialized {
        tracing::info!(
            dataplane = %identity.dataplane_name,
            dataplane_id = %identity.dataplane_id,
            region = %identity.region_name,
            "registered with the control plane"
        );
        *initialized = true;
    }
    Ok(identity)
}

async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: &B,
    timeout: Option<Duration>,
) -> Result<Option<T>, Failure> {
    let mut request = http.post(url).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request
        .send()
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    match response.status() {
        StatusCode::UNAUTHORIZED => Err(Failure::Refused),
        StatusCode::NO_CONTENT => Ok(None),
        status if status.is_success() => response
            .json()
            .await
            .map(Some)
            .map_err(|e| Failure::Transient(format!("unreadable answer: {e}"))),
        status
            if status.is_client_error()
                && !matches!(
                    status,
                    StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
                ) =>
        {
            Err(Failure::Rejected(status))
        }
        status => Err(Failure::Transient(format!("{url} answered {status}"))),
    }
}

/// This machine's name, for the dashboard.
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}
