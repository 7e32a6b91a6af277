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

/// What both sides check in every token they accept: EdDSA only, the expected audience, the
/// control plane as issuer, the claims present, and no leeway on expiry.
pub fn validation(audience: &str) -> jsonwebtoken::Validation {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    validation.leeway = 0;
    validation
}

/// The key id an EdDSA token names; `None` for a token that is unreadable, of another
/// algorithm (`none`, HMAC, ...) or names no key.
pub fn eddsa_key_id(token: &str) -> Option<String> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    (header.alg == jsonwebtoken::Algorithm::EdDSA)
        .then_some(header.kid)
        .flatten()
}

/// Claims that end.
pub trait Expiring {
    /// Seconds since the epoch.
    fn expires_at(&self) -> i64;
}

impl Expiring for ScopedClaims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// Tokens already verified, by their SHA-256, until they expire: a client reusing its token
/// pays for the signature check once. Bounded: when full, expired ones go first, then all.
pub struct Verified<C> {
    entries: std::sync::RwLock<std::collections::HashMap<[u8; 32], C>>,
}

/// Verified tokens remembered at most.
const VERIFIED_CAPACITY: usize = 50_000;

impl<C> Default for Verified<C> {
    fn default() -> Self {
        Verified {
            entries: Default::default(),
        }
    }
}

impl<C: Clone + Expiring> Verified<C> {
    /// What a token is remembered by.
    pub fn digest(token: &str) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(token.as_bytes()).into()
    }

    /// The claims of a token verified before, unless expired at `now`.
    pub fn get(&self, digest: &[u8; 32], now: i64) -> Option<C> {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(digest)
            .filter(|c| c.expires_at() > now)
            .cloned()
    }

    pub fn remember(&self, digest: [u8; 32], claims: &C, now: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= VERIFIED_CAPACITY {
            entries.retain(|_, c| c.expires_at() > now);
            if entries.len() >= VERIFIED_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(digest, claims.clone());
    }
}

/// Lets something happen at most once per interval: fetching keys again for a key id not
/// seen yet, so forged key ids cannot turn into a fetch per request.
pub struct Throttle {
    interval: std::time::Duration,
    /// `None` until the first time, which may happen at once.
    last: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Throttle {
    pub fn new(interval: std::time::Duration) -> Throttle {
        Throttle {
            interval,
            last: std::sync::Mutex::new(None),
        }
    }

    /// Whether it may happen now (and, if so, that it did).
    pub fn ready(&self) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| at.elapsed() < self.interval) {
            return false;
        }
        *last = Some(std::time::Instant::now());
        true
    }
}
