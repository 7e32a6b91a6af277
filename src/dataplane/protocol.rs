//! What the control plane and a data plane's agent say to each other at `/api/v1/dataplanes`.
//! Shared by the server's handlers and the agent, so both sides read the same shapes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the data plane API is mounted.
pub const BASE_PATH: &str = "/api/v1/dataplanes";

/// `POST token`: client credentials.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenRequest {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The answer to `token`: a short-lived bearer token.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `POST initialize` and `POST heartbeat`: what the agent runs and where.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub hostname: String,
    /// Where clients reach this data plane's regional API (`DATAPLANE_PUBLIC_URL`); absent
    /// when it serves none. Listed in scoped-token answers and shown on its page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

/// The answer to `initialize` and `heartbeat`: who the data plane is, and whether it may take
/// work (it and its region are both enabled).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub dataplane_id: Uuid,
    pub dataplane_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub organization_id: Uuid,
    pub enabled: bool,
}

/// `POST runs/claim`: a data plane asks for a run of its region, waiting up to
/// `wait_seconds` (a long poll) when there is none.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRequest {
    #[serde(default)]
    pub wait_seconds: u64,
}

/// The longest a claim waits for a run.
pub const MAX_CLAIM_WAIT_SECS: u64 = 30;

/// A run given to a data plane (`runs/claim` answers 204 when none came in time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub run_id: Uuid,
    pub job_id: Uuid,
    pub job_name: String,
    pub workspace_id: Uuid,
    /// The deployment (by name) whose latest version in the region to run.
    pub deployment: String,
    pub timeout_seconds: u32,
    pub attempt: u32,
    /// How long the data plane holds the run without renewing.
    pub lease_seconds: u64,
}

/// `POST runs/{id}/renew`: still running it. The first renewal says the process started,
/// with the deployment version it runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_version: Option<i32>,
}

/// The answer to a renewal (409 when the run is no longer the data plane's to run).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewResponse {
    /// Someone cancelled the run: end it.
    pub cancel: bool,
    pub lease_seconds: u64,
}

/// `POST runs/{id}/finish`: how the run ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinishRequest {
    /// `succeeded`, `failed` or `cancelled`.
    pub status: String,
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Bytes of output files kept in the region.
    #[serde(default)]
    pub output_bytes: Option<i64>,
    #[serde(default)]
    pub deployment_version: Option<i32>,
    /// Why, in a sentence (time limit reached, no such deployment, ...).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST deployments`: code was uploaded to the region; the control plane learns its name,
/// version, digest and size, never its content.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentReport {
    pub workspace_id: Uuid,
    pub name: String,
    pub version: i32,
    pub digest: String,
    pub size_bytes: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}
