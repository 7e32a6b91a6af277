//! Instance-wide keys: the key client secrets are hashed with, and the keys API tokens are
//! signed with. Kept in the database so every replica uses the same ones.

use sqlx::PgExecutor;

use super::errors::Constraint;

/// The key tables' constraints (see [`super::errors`]): written at first start only.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::not_from_input("instance_keys_pkey"),
    Constraint::not_from_input("token_signing_keys_pkey"),
];

/// A token signing key: an Ed25519 seed (private) and its public key.
pub struct SigningKey {
    pub kid: String,
    pub private_key: Vec<u8>,
    pub public_key: Vec<u8>,
}

/// The key stored for `purpose`, storing `new_key` first when there is none. Replicas starting
/// together all end up with the first one stored.
pub async fn instance_key(
    pool: &sqlx::PgPool,
    purpose: &str,
    new_key: &[u8],
) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query!(
        "insert into instance_keys (purpose, key) values ($1, $2) on conflict (purpose) do nothing",
        purpose,
        new_key
    )
    .execute(pool)
    .await?;
    sqlx::query_scalar!("select key from instance_keys where purpose = $1", purpose)
        .fetch_one(pool)
        .await
}

/// Every signing key, the one that signs (the newest not retired) first.
pub async fn signing_keys(db: impl PgExecutor<'_>) -> Result<Vec<SigningKey>, sqlx::Error> {
    sqlx::query_as!(
        SigningKey,
        "select kid, private_key, public_key from token_signing_keys
         order by retired_at is not null, created_at desc, kid"
    )
    .fetch_all(db)
    .await
}

/// The public keys that may have signed a token still valid: every key not retired, and
/// those retired less than `grace_secs` ago. (kid, public key), the signing one first.
pub async fn published_keys(
    db: impl PgExecutor<'_>,
    grace_secs: i64,
) -> Result<Vec<(String, Vec<u8>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "select kid, public_key from token_signing_keys
         where retired_at is null or retired_at > now() - make_interval(secs => $1)
         order by retired_at is not null, created_at desc, kid",
        grace_secs as f64
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.kid, r.public_key)).collect())
}

/// Rotation: `key` signs from now on; every other key is retired (still published until the
/// tokens it signed have expired, see [`published_keys`]).
pub async fn rotate_signing_key(
    conn: &mut sqlx::PgConnection,
    key: &SigningKey,
) -> Result<(), sqlx::Error> {
    sqlx::query!("update token_signing_keys set retired_at = now() where retired_at is null")
        .execute(&mut *conn)
        .await?;
    add_signing_key(&mut *conn, key).await
}

pub async fn add_signing_key(db: impl PgExecutor<'_>, key: &SigningKey) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into token_signing_keys (kid, private_key, public_key) values ($1, $2, $3)",
        key.kid,
        key.private_key,
        key.public_key
    )
    .execute(db)
    .await?;
    Ok(())
}
