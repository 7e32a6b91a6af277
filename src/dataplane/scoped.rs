//! Scoped tokens: what the control plane signs for a client acting on one workspace, and what
//! every data plane of the workspace's region checks, offline, against the control plane's
//! published keys (its JWKS). Shared by both sides so they read the same claims.
//!
//! A scoped token is an EdDSA (Ed25519) JWT, like every token the control plane signs, with
//! the region as its audience: a data plane of another region does not accept it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who signs every token: the control plane.
pub const ISSUER: &str = "meridian";
/// Where the control plane publishes its public signing keys.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// How long a scoped token lives.
pub const LIFETIME_SECS: i64 = 300;

/// The audience of scoped tokens for the data planes of `region_id`.
pub fn region_audience(region_id: Uuid) -> String {
    format!("meridian-region:{region_id}")
}

/// What a scoped token allows on its workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// List secret names, read configuration (workspace readers).
    Read,
    /// Also set and delete secrets and configuration (workspace editors and admins).
    Write,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// The claims of a scoped token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopedClaims {
    /// The caller: the user (directly, or through one of their applications).
    pub sub: Uuid,
    /// The caller's label for the region's logs: their email, or the application.
    #[serde(default)]
    pub name: String,
    pub org: Uuid,
    pub ws: Uuid,
    pub region: Uuid,
    /// What the caller's role allows on the workspace.
    pub access: Vec<Access>,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

impl ScopedClaims {
    pub fn allows(&self, access: Access) -> bool {
        self.access.contains(&access)
    }
}

/// A JSON Web Key Set: the control plane's public signing keys.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One public Ed25519 signing key (RFC 8037).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}

impl Jwk {
    /// The JWK of an Ed25519 public key.
    pub fn ed25519(kid: &str, public_key: &[u8]) -> Jwk {
        use base64::Engine;
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public_key),
            kid: kid.to_owned(),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
        }
    }

    /// The raw public key of an Ed25519 JWK; `None` for anything else.
    pub fn ed25519_public_key(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return None;
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.x)
            .ok()
            .filter(|k| k.len() == 32)
    }
}
