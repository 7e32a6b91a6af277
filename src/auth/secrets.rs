//! Client credentials: 256-bit random secrets, kept only as SHA-256 hashes and compared in
//! constant time. A fast hash is right here: unlike passwords, the secrets are too random to
//! guess, so a slow hash would only slow down every token exchange.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        ClientSecret(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }

    /// Compares against a stored hash without leaking, through timing, how much matched.
    pub fn matches(&self, stored_hash: &[u8]) -> bool {
        self.hash().ct_eq(stored_hash).into()
    }
}

/// A public client id: a prefix saying what it belongs to and 128 random bits.
pub fn generate_client_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_verify_only_themselves() {
        let a = ClientSecret::generate();
        let b = ClientSecret::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert!(a.matches(&a.hash()));
        assert!(!b.matches(&a.hash()));
        assert!(!a.matches(&[]));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let s = ClientSecret::generate();
        assert!(!format!("{s:?}").contains(s.expose()));
    }
}
