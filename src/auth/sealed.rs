//! The control plane's key for secrets it must read back, such as an identity provider's
//! client secret (see [`crate::sealed`] for the encryption itself).
//!
//! The key is `MERIDIAN_ENCRYPTION_KEY` (32 bytes, base64). With the embedded database and no
//! key configured, one is generated on first start into `<data dir>/encryption.key`, which sits
//! beside the database it protects. With an external database the key must be configured,
//! since every replica needs the same one; until it is, saving SSO settings is refused.

pub use crate::sealed::SecretBox;

use crate::config::Config;

const KEY_FILE: &str = "encryption.key";

/// The configured key; or, with the embedded database, the one kept in the data directory
/// (created on first start); or none.
pub fn from_config(config: &Config) -> anyhow::Result<Option<SecretBox>> {
    if let Some(raw) = &config.encryption_key {
        return SecretBox::from_base64(raw)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("MERIDIAN_ENCRYPTION_KEY: {e}"));
    }
    if config.database_url.is_some() {
        return Ok(None);
    }
    Ok(Some(crate::sealed::key_file(
        &config.data_dir.join(KEY_FILE),
    )?))
}
