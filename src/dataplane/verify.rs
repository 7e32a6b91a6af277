//! Checking scoped tokens on a data plane, offline: against the control plane's public keys,
//! fetched from its JWKS, kept in the store (so a data plane restarted while the control plane
//! is down still has them), and fetched again only when a token names a key not seen yet (at
//! most once a second, so forged key ids cannot turn into a request per call). The checks are
//! the control plane's own: EdDSA only, this region as the audience, the control plane as the
//! issuer, not expired.

use jsonwebtoken::DecodingKey;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;
use uuid::Uuid;

use super::scoped::{self, Jwks, ScopedClaims, Throttle, Verified};
use super::store;

/// Unknown key ids fetch the JWKS again at most this often.
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Why a token was refused (the answer says no more than "invalid" to the caller).
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Missing, malformed, wrong signature, algorithm, issuer or audience, or expired.
    Invalid,
    /// This data plane does not know its region yet (it never reached the control plane).
    NotRegistered,
}

pub struct Verifier {
    /// The control plane's address, e.g. https://meridian.example.com.
    control_plane: String,
    http: reqwest::Client,
    pool: sqlx::PgPool,
    keys: RwLock<HashMap<String, DecodingKey>>,
    unknown_key_refresh: Throttle,
    /// The region this data plane serves, once known.
    region: RwLock<Option<Uuid>>,
    verified: Verified<ScopedClaims>,
}

impl Verifier {
    /// Starts with the keys and the region kept in the store.
    pub async fn load(
        control_plane: &str,
        http: reqwest::Client,
        pool: sqlx::PgPool,
    ) -> Result<Verifier, sqlx::Error> {
        let keys = store::control_plane_keys(&pool).await?;
        let region = store::region(&pool).await?;
        Ok(Verifier {
            control_plane: control_plane.trim_end_matches('/').to_owned(),
            http,
            keys: RwLock::new(decoding_keys(&keys)),
            pool,
            unknown_key_refresh: Throttle::new(REFRESH_INTERVAL),
            region: RwLock::new(region),
            verified: Verified::default(),
        })
    }

    /// The region this data plane serves, once known.
    pub fn region(&self) -> Option<Uuid> {
        *self.region.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Learns the region (from the control plane, at registration).
    pub fn set_region(&self, region: Uuid) {
        *self.region.write().unwrap_or_else(|e| e.into_inner()) = Some(region);
    }

    /// Stops serving: the store turned out to belong to another region.
    pub fn clear_region(&self) {
        *self.region.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Fetches the control plane's JWKS now and keeps its keys. `false` when it could not be
    /// reached or read (the keys already known stay).
    pub async fn refresh(&self) -> bool {
        let url = format!("{}{}", self.control_plane, scoped::JWKS_PATH);
        let jwks: Jwks = match self.http.get(&url).send().await {
            Ok(res) if res.status().is_success() => match res.json().await {
                Ok(jwks) => jwks,
                Err(e) => {
                    tracing::warn!(error = %e, "the control plane's key set does not read");
                    return false;
                }
            },
            Ok(res) => {
                tracing::warn!(status = %res.status(), "fetching the control plane's key set");
                return false;
            }
            Err(e) => {
                tracing::warn!(error = %e, "the control plane's key set is out of reach");
                return false;
            }
        };
        let found: Vec<(String, Vec<u8>)> = jwks
            .keys
            .iter()
            .filter(|k| k.alg == "EdDSA")
            .filter_map(|k| Some((k.kid.clone(), k.ed25519_public_key()?)))
            .collect();
        if let Err(e) = store::remember_control_plane_keys(&self.pool, &found).await {
            tracing::warn!(error = %e, "keeping the control plane's keys in the store");
        }
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        for (kid, key) in &found {
            keys.insert(kid.clone(), DecodingKey::from_ed_der(key));
        }
        true
    }

    /// Checks a scoped token; the claims when it is good for this region.
    pub async fn verify(&self, token: &str) -> Result<ScopedClaims, Refused> {
        let region = self.region().ok_or(Refused::NotRegistered)?;
        let digest = Verified::<ScopedClaims>::digest(token);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Some(claims) = self.verified.get(&digest, now)
            && claims.region == region
        {
            return Ok(claims);
        }
        let kid = scoped::eddsa_key_id(token).ok_or(Refused::Invalid)?;
        let key = match self.key(&kid) {
            Some(key) => key,
            None if self.unknown_key_refresh.ready() => {
                self.refresh().await;
                self.key(&kid).ok_or(Refused::Invalid)?
            }
            None => return Err(Refused::Invalid),
        };
        let validation = scoped::validation(&scoped::region_audience(region));
        let claims = jsonwebtoken::decode::<ScopedClaims>(token, &key, &validation)
            .map_err(|_| Refused::Invalid)?
            .claims;
        if claims.region != region {
            return Err(Refused::Invalid);
        }
        self.verified.remember(digest, &claims, now);
        Ok(claims)
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(kid)
            .cloned()
    }
}

fn decoding_keys(keys: &[(String, Vec<u8>)]) -> HashMap<String, DecodingKey> {
    keys.iter()
        .map(|(kid, key)| (kid.clone(), DecodingKey::from_ed_der(key)))
        .collect()
}
