//! Bearer tokens: short-lived JWTs signed with Ed25519 (EdDSA), naming their key in the
//! header (`kid`). Three kinds, told apart by audience: public API tokens (15 minutes, for an
//! application acting as its owner), data plane tokens (5 minutes, for a data plane's agent)
//! and scoped tokens (5 minutes, for a client acting on one workspace at its region's data
//! planes, which check them offline against the published keys, see [`TokenKeys::jwks`]).
//! Signing keys live in Postgres so every replica verifies every replica's tokens;
//! verification itself needs no database round trip. Keys are rotated with
//! `meridian admin rotate-signing-key`: replicas pick the new one up within
//! [`SIGNER_RELOAD_INTERVAL`], and the old one stays published until its tokens have expired.
//!
//! Verified tokens are remembered (by their SHA-256) until they expire, so a client reusing
//! its token pays for the signature check once, not on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;
use uuid::Uuid;

use crate::dataplane::scoped::{self, Expiring, Throttle, Verified};
use crate::db;
use crate::error::{AppError, AppResult};

/// How long an API token lives.
pub const API_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// The audience of public API tokens.
pub const API_AUDIENCE: &str = "meridian-public-api";
/// How long a data plane token lives.
pub const DATA_PLANE_TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// The audience of data plane tokens.
pub const DATA_PLANE_AUDIENCE: &str = "meridian-dataplane";
const ISSUER: &str = crate::dataplane::scoped::ISSUER;
/// How often every replica looks for a rotated signing key.
pub const SIGNER_RELOAD_INTERVAL: Duration = Duration::from_secs(30);
/// How long a retired key stays published and accepted: the longest token lifetime, plus the
/// time replicas may keep signing with it before they notice the rotation, plus a margin.
const RETIRED_KEY_GRACE: Duration =
    Duration::from_secs(API_TOKEN_LIFETIME.as_secs() + SIGNER_RELOAD_INTERVAL.as_secs() + 60);
/// Unknown key ids reload keys from the database at most this often, so forged `kid`s cannot
/// turn into a query per request.
const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// What a token says: who acts, through which credential, for whom, until when.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Who acts: the owning user (API tokens) or the data plane (data plane tokens).
    pub sub: Uuid,
    /// What the token was exchanged with: the application, or the data plane credential.
    /// (`app` in tokens issued before data plane tokens existed.)
    #[serde(alias = "app")]
    pub client: Uuid,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// API tokens: the owner's credentials epoch when issued; the token stops working once
    /// the owner's sessions are ended (see `db::users::end_sessions`). 0 in tokens from before.
    #[serde(default)]
    pub ep: i32,
}

struct Signer {
    kid: String,
    key: EncodingKey,
}

/// The signing key of this replica and the verifying keys of all.
pub struct TokenKeys {
    pool: sqlx::PgPool,
    signer: RwLock<Signer>,
    verifiers: RwLock<HashMap<String, DecodingKey>>,
    /// `None` until the first reload, so the first unknown key is looked up at once.
    unknown_key_reload: Throttle,
    verified: Verified<Claims>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("kid", &read(&self.signer).kid)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Loads the signing keys, creating the first one on a new instance.
    pub async fn load(pool: &sqlx::PgPool) -> AppResult<TokenKeys> {
        let mut keys = db::keys::signing_keys(pool).await?;
        if keys.is_empty() {
            db::keys::add_signing_key(pool, &new_signing_key()).await?;
            keys = db::keys::signing_keys(pool).await?;
        }
        Ok(TokenKeys {
            pool: pool.clone(),
            signer: RwLock::new(signer(&keys)?),
            verifiers: RwLock::new(decoding_keys(&keys)),
            unknown_key_reload: Throttle::new(KEY_RELOAD_INTERVAL),
            verified: Verified::default(),
        })
    }

    /// Signs an API token for `application` acting as `user`, whose credentials epoch is
    /// `epoch`; returns it with its lifetime.
    pub fn issue(
        &self,
        user: Uuid,
        application: Uuid,
        epoch: i32,
    ) -> AppResult<(String, Duration)> {
        self.issue_at(user, application, epoch, time::OffsetDateTime::now_utc())
    }

    /// Like [`TokenKeys::issue`], as if at `issued_at` (tests make expired tokens with it).
    pub fn issue_at(
        &self,
        user: Uuid,
        application: Uuid,
        epoch: i32,
        issued_at: time::OffsetDateTime,
    ) -> AppResult<(String, Duration)> {
        self.sign(
            API_AUDIENCE,
            (user, application, epoch),
            API_TOKEN_LIFETIME,
            issued_at,
        )
    }

    /// Signs a data plane token for `data_plane`, exchanged with `credential`.
    pub fn issue_data_plane(
        &self,
        data_plane: Uuid,
        credential: Uuid,
    ) -> AppResult<(String, Duration)> {
        self.sign(
            DATA_PLANE_AUDIENCE,
            (data_plane, credential, 0),
            DATA_PLANE_TOKEN_LIFETIME,
            time::OffsetDateTime::now_utc(),
        )
    }

    /// Signs a token for (subject, client, epoch).
    fn sign(
        &self,
        audience: &str,
        (subject, client, epoch): (Uuid, Uuid, i32),
        lifetime: Duration,
        issued_at: time::OffsetDateTime,
    ) -> AppResult<(String, Duration)> {
        let now = issued_at.unix_timestamp();
        let claims = Claims {
            sub: subject,
            client,
            aud: audience.into(),
            iss: ISSUER.into(),
            iat: now,
            exp: now + lifetime.as_secs() as i64,
            ep: epoch,
        };
        Ok((self.sign_claims(&claims)?, lifetime))
    }

    /// Signs a scoped token (see [`crate::dataplane::scoped`]): the caller fills in the
    /// claims, this adds the issuer.
    pub fn issue_scoped(
        &self,
        claims: &mut crate::dataplane::scoped::ScopedClaims,
    ) -> AppResult<String> {
        claims.iss = ISSUER.into();
        self.sign_claims(claims)
    }

    fn sign_claims<C: Serialize>(&self, claims: &C) -> AppResult<String> {
        let signer = read(&self.signer);
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(signer.kid.clone());
        jsonwebtoken::encode(&header, claims, &signer.key).map_err(|e| {
            tracing::error!(error = %e, "signing a token");
            AppError::internal()
        })
    }

    /// The public keys a data plane needs to check tokens offline: the signing key, and
    /// retired keys whose tokens may not have expired yet.
    pub async fn jwks(&self) -> AppResult<crate::dataplane::scoped::Jwks> {
        let keys = db::keys::published_keys(&self.pool, RETIRED_KEY_GRACE.as_secs() as i64).await?;
        Ok(crate::dataplane::scoped::Jwks {
            keys: keys
                .iter()
                .map(|(kid, public)| crate::dataplane::scoped::Jwk::ed25519(kid, public))
                .collect(),
        })
    }

    /// Picks up a rotation (another replica's, or the command line's): signs with the newest
    /// key from now on and accepts every key known.
    pub async fn reload(&self) -> AppResult<()> {
        let keys = db::keys::signing_keys(&self.pool).await?;
        let next = signer(&keys)?;
        let mut current = self.signer.write().unwrap_or_else(|e| e.into_inner());
        if current.kid != next.kid {
            tracing::info!(kid = %next.kid, "signing tokens with a rotated key");
            *current = next;
        }
        drop(current);
        *self.verifiers.write().unwrap_or_else(|e| e.into_inner()) = decoding_keys(&keys);
        Ok(())
    }

    /// Checks a presented token: signature by one of our keys, algorithm, `audience`, issuer
    /// and expiry. Any failure is `Unauthenticated` without saying which check failed.
    pub async fn verify(&self, token: &str, audience: &str) -> AppResult<Claims> {
        let digest = Verified::<Claims>::digest(token);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Some(claims) = self.verified.get(&digest, now) {
            return if claims.aud == audience {
                Ok(claims)
            } else {
                Err(invalid_token())
            };
        }
        let kid = scoped::eddsa_key_id(token).ok_or_else(invalid_token)?;
        // Bound first, so the lock is released before the reload below awaits.
        let known = read(&self.verifiers).get(&kid).cloned();
        let key = match known {
            Some(key) => key,
            None => self.reload_for(&kid).await?.ok_or_else(invalid_token)?,
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &scoped::validation(audience))
            .map_err(|_| invalid_token())?
            .claims;
        self.verified.remember(digest, &claims, now);
        Ok(claims)
    }

    /// Reloads verifying keys when a token names one this replica has not seen (another
    /// replica created it), at most every [`KEY_RELOAD_INTERVAL`].
    async fn reload_for(&self, kid: &str) -> AppResult<Option<DecodingKey>> {
        if !self.unknown_key_reload.ready() {
            return Ok(None);
        }
        let keys = db::keys::signing_keys(&self.pool).await?;
        let fresh = decoding_keys(&keys);
        let found = fresh.get(kid).cloned();
        *self.verifiers.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(found)
    }
}

impl Expiring for Claims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn invalid_token() -> AppError {
    AppError::new(
        crate::error::ErrorKind::Unauthenticated,
        "The access token is missing, invalid or expired. Exchange your credentials for a new one.",
    )
}

/// The signer: the first key listed (the newest not retired).
fn signer(keys: &[db::keys::SigningKey]) -> AppResult<Signer> {
    let newest = keys.first().ok_or_else(AppError::internal)?;
    Ok(Signer {
        kid: newest.kid.clone(),
        key: encoding_key(&newest.private_key)?,
    })
}

/// A new Ed25519 key from the operating system's CSPRNG.
pub fn new_signing_key() -> db::keys::SigningKey {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let mut kid = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut kid);
    db::keys::SigningKey {
        kid: URL_SAFE_NO_PAD.encode(kid),
        private_key: seed.to_vec(),
        public_key: signing.verifying_key().to_bytes().to_vec(),
    }
}

fn encoding_key(seed: &[u8]) -> AppResult<EncodingKey> {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let seed: [u8; 32] = seed.try_into().map_err(|_| AppError::internal())?;
    let der = ed25519_dalek::SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .map_err(|_| AppError::internal())?;
    Ok(EncodingKey::from_ed_der(der.as_bytes()))
}

fn decoding_keys(keys: &[db::keys::SigningKey]) -> HashMap<String, DecodingKey> {
    keys.iter()
        .map(|k| (k.kid.clone(), DecodingKey::from_ed_der(&k.public_key)))
        .collect()
}
