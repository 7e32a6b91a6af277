//! Secrets that must be read back, encrypted at rest with AES-256-GCM: the control plane's
//! identity provider client secrets (key `MERIDIAN_ENCRYPTION_KEY`, see `auth::sealed`) and a
//! data plane's workspace secrets (key `DATAPLANE_ENCRYPTION_KEY`). Hashing would not do: the
//! secret is used again (sent to the provider, handed to work in the region).
//!
//! Keys are 32 bytes written as base64; [`key_file`] keeps a generated one beside the embedded
//! database it protects when none is configured.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::Path;

use crate::error::{AppError, AppResult};

const NONCE_LEN: usize = 12;

/// Encrypts and decrypts with the instance's key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> SecretBox {
        SecretBox {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// A key written as base64 of exactly 32 bytes; the error says what is wrong with it.
    pub fn from_base64(raw: &str) -> Result<SecretBox, String> {
        let bytes = STANDARD
            .decode(raw.trim())
            .map_err(|_| "the key must be base64".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the key must be 32 bytes (e.g. `openssl rand -base64 32`)".to_owned())?;
        Ok(SecretBox::new(&key))
    }

    /// Nonce followed by ciphertext and tag. A fresh random nonce per secret: with 96-bit
    /// nonces and a handful of secrets per organization, a repeat is out of reach. `owner`
    /// (e.g. the organization's id) is authenticated with it, so a ciphertext copied to
    /// another row does not open there.
    pub fn seal(&self, plaintext: &[u8], owner: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: owner,
                },
            )
            .expect("AES-GCM encryption of a short secret cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts what [`SecretBox::seal`] produced; fails (and logs) when the key changed or
    /// the bytes were tampered with.
    pub fn open(&self, sealed: &[u8], owner: &[u8]) -> AppResult<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            tracing::error!("encrypted secret is truncated");
            return Err(AppError::internal());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner,
                },
            )
            .map_err(|_| {
                tracing::error!("cannot decrypt a stored secret: was its encryption key changed?");
                AppError::internal()
            })
    }
}

/// Reads the key file, or creates it (readable by its owner only).
pub fn key_file(path: &Path) -> anyhow::Result<SecretBox> {
    match std::fs::read_to_string(path) {
        Ok(raw) => {
            SecretBox::from_base64(&raw).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            write_private(path, STANDARD.encode(key).as_bytes())?;
            tracing::info!(path = %path.display(), "generated the encryption key for stored secrets");
            Ok(SecretBox::new(&key))
        }
        Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
    }
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_detects_tampering() {
        let secret_box = SecretBox::new(&[7u8; 32]);
        let sealed = secret_box.seal(b"client secret", b"org-a");
        assert_ne!(&sealed[NONCE_LEN..], b"client secret");
        assert_eq!(
            secret_box.open(&sealed, b"org-a").unwrap(),
            b"client secret"
        );
        // Two seals of the same secret differ (fresh nonce).
        assert_ne!(secret_box.seal(b"client secret", b"org-a"), sealed);
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(secret_box.open(&tampered, b"org-a").is_err());
        assert!(SecretBox::new(&[8u8; 32]).open(&sealed, b"org-a").is_err());
        // Moved to another organization's row, it does not open.
        assert!(secret_box.open(&sealed, b"org-b").is_err());
        assert!(format!("{secret_box:?}").contains("redacted"));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(SecretBox::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
        assert!(SecretBox::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(SecretBox::from_base64("not base64!").is_err());
    }
}
