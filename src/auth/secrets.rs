//! Client credentials (of data planes and API applications): 256-bit random secrets, kept
//! only as keyed hashes (HMAC-SHA-256) and compared in constant time.
//!
//! A fast hash is right here: unlike passwords, the secrets are too random to guess, so a slow
//! password hash would only slow down every token exchange. The key is instance-wide (stored
//! in `instance_keys`, shared by replicas), and the client id is hashed with the secret, so a
//! stored hash is bound to its own credential.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The `instance_keys` purpose of the key client secrets are hashed with.
pub const HASH_KEY_PURPOSE: &str = "client-secret-hash";

/// A client secret in the clear. Exists only between generation and the one time it is shown.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

impl ClientSecret {
    /// 32 bytes from the operating system's CSPRNG, base64url without padding (43 characters).
    pub fn generate() -> ClientSecret {
        ClientSecret(URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Hashes and checks client secrets with the instance's key.
#[derive(Clone)]
pub struct SecretHasher {
    key: Arc<[u8]>,
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHasher(<redacted>)")
    }
}

impl SecretHasher {
    pub fn new(key: &[u8]) -> SecretHasher {
        SecretHasher { key: key.into() }
    }

    /// The instance's hasher, creating its key on a new instance.
    pub async fn load(pool: &sqlx::PgPool) -> Result<SecretHasher, sqlx::Error> {
        let key =
            crate::db::keys::instance_key(pool, HASH_KEY_PURPOSE, &random_bytes::<32>()).await?;
        Ok(SecretHasher::new(&key))
    }

    #[cfg(test)]
    fn generate_key() -> [u8; 32] {
        random_bytes::<32>()
    }

    /// HMAC-SHA-256 over the client id and the secret, separated so that no two different
    /// pairs hash the same input.
    pub fn hash(&self, client_id: &str, secret: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key size");
        mac.update(client_id.as_bytes());
        mac.update(&[0]);
        mac.update(secret.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Compares against a stored hash without leaking, through timing, how much matched.
    pub fn verify(&self, client_id: &str, secret: &str, stored_hash: &[u8]) -> bool {
        self.hash(client_id, secret).ct_eq(stored_hash).into()
    }
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Whether a presented client id could be one we issued. Others (too long, or with characters
/// the database would refuse, such as NUL) are not looked up; they fail like unknown ids.
pub fn plausible_client_id(client_id: &str) -> bool {
    (1..=64).contains(&client_id.len())
        && client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Token exchanges closer together than this do not record the credential's last use again,
/// so a busy client's exchanges stay reads.
pub const LAST_USED_RESOLUTION: time::Duration = time::Duration::minutes(1);

/// A public client id: a prefix saying what it belongs to and 128 random bits.
pub fn generate_client_id(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<16>()))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A secret's last four characters: kept in the clear to tell secrets apart.
pub fn last_four(secret: &str) -> String {
    let skip = secret.chars().count().saturating_sub(4);
    secret.chars().skip(skip).collect()
}

/// A webhook signing secret in the clear: `whsec_` and 32 random bytes (base64url). Kept
/// encrypted (it must be used again to sign), shown once.
pub fn generate_webhook_secret() -> ClientSecret {
    ClientSecret(format!(
        "whsec_{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    ))
}

/// The `Meridian-Signature` header of a webhook delivery: `t=<unix seconds>,v1=<hex>`, where
/// the hex is HMAC-SHA-256 with the endpoint's secret over `"<t>.<body>"`. A receiver
/// recomputes it, compares in constant time, and refuses old timestamps (replays).
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_verify_only_themselves() {
        let hasher = SecretHasher::new(&SecretHasher::generate_key());
        let a = ClientSecret::generate();
        let b = ClientSecret::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        let stored = hasher.hash("app_1", a.expose());
        assert!(hasher.verify("app_1", a.expose(), &stored));
        assert!(!hasher.verify("app_1", b.expose(), &stored));
        assert!(!hasher.verify("app_2", a.expose(), &stored));
        assert!(!hasher.verify("app_1", a.expose(), &[]));
    }

    #[test]
    fn hashes_depend_on_the_instance_key() {
        let a = SecretHasher::new(&SecretHasher::generate_key());
        let b = SecretHasher::new(&SecretHasher::generate_key());
        assert_ne!(a.hash("id", "secret"), b.hash("id", "secret"));
    }

    #[test]
    fn debug_never_shows_secrets_or_keys() {
        let s = ClientSecret::generate();
        assert!(!format!("{s:?}").contains(s.expose()));
        let key = [7u8; 32];
        assert_eq!(
            format!("{:?}", SecretHasher::new(&key)),
            "SecretHasher(<redacted>)"
        );
    }
}
