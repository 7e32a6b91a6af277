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
