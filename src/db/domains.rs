//! Email domains organizations claim for their single sign-on, and the DNS proof that makes a
//! claim count (see `ops::domains`).

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::errors::Constraint;

/// What breaking each constraint of `organization_domains` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "organization_domains_verified_key",
        "domains",
        "Another organization has already proven it controls one of these domains.",
    ),
    Constraint::not_from_input("organization_domains_pkey"),
];

/// One claimed domain as its organization's settings show it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DomainClaim {
    pub domain: String,
    /// When the DNS proof was found; `None` while the claim waits for it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub verified_at: Option<time::OffsetDateTime>,
    /// When the proof was last looked for.
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<time::OffsetDateTime>,
}

/// An organization's claims, by domain.
pub async fn list(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<DomainClaim>, sqlx::Error> {
    sqlx::query_as!(
        DomainClaim,
        "select domain, verified_at, checked_at from organization_domains
         where organization_id = $1 order by domain",
        organization_id
    )
    .fetch_all(db)
    .await
}

/// Replaces an organization's claims with `domains`, keeping the proof of those it already
/// claimed.
pub async fn set(
    conn: &mut PgConnection,
    organization_id: Uuid,
    domains: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from organization_domains where organization_id = $1 and domain <> all($2)",
        organization_id,
        domains
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into organization_domains (organization_id, domain)
         select $1, unnest($2::text[])
         on conflict (organization_id, domain) do nothing",
        organization_id,
        domains
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Of `domains`, those another organization has proven it controls.
pub async fn proven_elsewhere(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    domains: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select domain from organization_domains
         where domain = any($2) and organization_id <> $1 and verified_at is not null
         order by domain",
        organization_id,
        domains
    )
    .fetch_all(db)
    .await
}

/// Records a lookup of the proof: found (the claim counts from now) or not (yet).
pub async fn record_check(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    domain: &str,
    found: bool,
) -> Result<Option<DomainClaim>, sqlx::Error> {
    sqlx::query_as!(
        DomainClaim,
        "update organization_domains
         set checked_at = now(),
             verified_at = case when $3 then coalesce(verified_at, now()) else verified_at end
         where organization_id = $1 and domain = $2
         returning domain, verified_at, checked_at",
        organization_id,
        domain,
        found
    )
    .fetch_optional(db)
    .await
}

/// The token an organization publishes in DNS to prove a domain.
pub async fn token(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select domain_token from organizations where id = $1",
        organization_id
    )
    .fetch_optional(db)
    .await
}

/// The organization that proved it controls `domain`, if any.
pub async fn owner(db: impl PgExecutor<'_>, domain: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select organization_id from organization_domains
         where domain = $1 and verified_at is not null",
        domain
    )
    .fetch_optional(db)
    .await
}

/// Whether `organization_id` proved it controls `domain`.
pub async fn is_proven_by(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    domain: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from organization_domains
                          where organization_id = $1 and domain = $2
                            and verified_at is not null) as "proven!""#,
        organization_id,
        domain
    )
    .fetch_one(db)
    .await
}
