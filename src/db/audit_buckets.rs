//! Organizations' own buckets for their audit trail, the outbox of events on their way there,
//! and how long each organization keeps its trail.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{AuditBucket, AuditBucketStatus, AuditRetention};

use super::errors::Constraint;

/// Written by upserts keyed on the organization, and by the outbox trigger.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::not_from_input("audit_buckets_pkey"),
    Constraint::not_from_input("audit_outbox_pkey"),
    // Retention is parsed into range before it is stored.
    Constraint::not_from_input("organizations_audit_retention_days_check"),
];

/// Sets (or replaces) an organization's bucket. `secret` (sealed, with its hint) `None` keeps
/// the stored one, and then changes nothing when there is none: `false`. Delivery of anything
/// waiting is tried at once with the new settings.
pub async fn save(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    bucket: &AuditBucket,
    secret: Option<(&[u8], &str)>,
) -> Result<bool, sqlx::Error> {
    let (sealed, hint) = secret.unzip();
    let saved = sqlx::query_scalar!(
        r#"with updated as (
               update audit_buckets set
                   endpoint = $2, region = $3, bucket = $4, prefix = $5, access_key_id = $6,
                   secret_sealed = coalesce($7, secret_sealed),
                   secret_hint = coalesce($8, secret_hint),
                   attempts = 0, last_error = null, next_attempt_at = now(), updated_at = now()
               where organization_id = $1
               returning 1 as one),
           inserted as (
               insert into audit_buckets
                   (organization_id, endpoint, region, bucket, prefix, access_key_id,
                    secret_sealed, secret_hint)
               select $1, $2, $3, $4, $5, $6, $7, $8
               where $7::bytea is not null and not exists (select 1 from updated)
               returning 1 as one)
           select (select count(*) from updated) + (select count(*) from inserted) as "saved!""#,
        organization_id,
        bucket.endpoint,
        bucket.region,
        bucket.bucket,
        bucket.prefix,
        bucket.access_key_id,
        sealed,
        hint,
    )
    .fetch_one(db)
    .await?;
    Ok(saved > 0)
}

/// Whether the organization has a bucket set up.
pub async fn exists(db: impl PgExecutor<'_>, organization_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from audit_buckets where organization_id = $1) as "exists!""#,
        organization_id
    )
    .fetch_one(db)
    .await
}

/// Removes an organization's bucket; events waiting for it are dropped (they stay in the trail).
pub async fn delete(db: impl PgExecutor<'_>, organization_id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "delete from audit_buckets where organization_id = $1",
        organization_id
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// The bucket and where delivery stands, as the settings page and the API show it.
pub async fn status(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Option<AuditBucketStatus>, sqlx::Error> {
    sqlx::query_as!(
        AuditBucketStatus,
        r#"select b.endpoint, b.region, b.bucket, b.prefix, b.access_key_id, b.secret_hint,
                  (select count(*) from audit_outbox o where o.organization_id = b.organization_id) as "pending!",
                  b.delivered_batches, b.last_delivered_at, b.last_object, b.attempts,
                  b.last_error,
                  case when b.attempts > 0 then b.next_attempt_at end as next_attempt_at
           from audit_buckets b where b.organization_id = $1"#,
        organization_id
    )
    .fetch_optional(db)
    .await
}

/// Events waiting for each organization's bucket, for the metrics.
pub async fn pending_by_organization(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"select b.organization_id, count(o.event_id) as "pending!"
           from audit_buckets b left join audit_outbox o on o.organization_id = b.organization_id
           group by b.organization_id order by b.organization_id"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.organization_id, r.pending))
    .collect())
}

/// A bucket whose turn it is, as the delivery worker holds it.
pub struct DueBucket {
    pub organization_id: Uuid,
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub access_key_id: String,
    pub secret_sealed: Vec<u8>,
    pub next_sequence: i64,
    pub attempts: i32,
}

/// Takes one bucket that has events waiting and is due, locked until the transaction ends;
/// another replica skips it (one delivery at a time per organization, in order).
pub async fn take_due(conn: &mut PgConnection) -> Result<Option<DueBucket>, sqlx::Error> {
    sqlx::query_as!(
        DueBucket,
        "select organization_id, endpoint, region, bucket, prefix, access_key_id, secret_sealed,
                next_sequence, attempts
         from audit_buckets b
         where next_attempt_at <= now()
           and exists (select 1 from audit_outbox o where o.organization_id = b.organization_id)
         order by next_attempt_at
         limit 1
         for update skip locked"
    )
    .fetch_optional(conn)
    .await
}

/// An event as written to the bucket.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketEvent {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub organization_id: Option<Uuid>,
    pub actor: String,
    pub actor_user_id: Option<Uuid>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    pub object_name: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub source_ip: Option<String>,
}

/// The events of batch `sequence`, oldest first. When there is no such batch yet, it is made
/// of the oldest `size` waiting events; once made it stays as it is until delivered, so a
/// retry writes the same object with the same content.
pub async fn batch(
    conn: &mut PgConnection,
    organization_id: Uuid,
    sequence: i64,
    size: i64,
) -> Result<Vec<BucketEvent>, sqlx::Error> {
    sqlx::query!(
        "update audit_outbox set batch = $2
         where event_id in (
             select event_id from audit_outbox
             where organization_id = $1 and batch is null
             order by occurred_at, event_id
             limit $3)
           and not exists (select 1 from audit_outbox where organization_id = $1 and batch = $2)",
        organization_id,
        sequence,
        size
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_as!(
        BucketEvent,
        "select e.id, e.occurred_at, e.organization_id, e.actor, e.actor_user_id, e.action,
                e.object_type, e.object_id, e.object_name, e.before, e.after, e.source_ip
         from audit_outbox o join audit_events e on e.id = o.event_id
         where o.organization_id = $1 and o.batch = $2
         order by e.occurred_at, e.id",
        organization_id,
        sequence
    )
    .fetch_all(conn)
    .await
}

/// Batch `sequence` is in the bucket as `object`: its events leave the outbox.
pub async fn delivered(
    conn: &mut PgConnection,
    organization_id: Uuid,
    sequence: i64,
    object: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from audit_outbox where organization_id = $1 and batch = $2",
        organization_id,
        sequence
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update audit_buckets set next_sequence = $2::bigint + 1, delivered_batches = delivered_batches + 1,
                last_delivered_at = now(), last_object = $3, attempts = 0, last_error = null,
                next_attempt_at = now()
         where organization_id = $1",
        organization_id,
        sequence,
        object
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The attempt failed: try again after `retry_in`.
pub async fn failed(
    conn: &mut PgConnection,
    organization_id: Uuid,
    error: &str,
    retry_in: std::time::Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update audit_buckets set attempts = attempts + 1, last_error = $2,
                next_attempt_at = now() + make_interval(secs => $3)
         where organization_id = $1",
        organization_id,
        error,
        retry_in.as_secs_f64()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How long the organization keeps its audit events.
pub async fn retention(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<AuditRetention, sqlx::Error> {
    let days = sqlx::query_scalar!(
        "select audit_retention_days from organizations where id = $1",
        organization_id
    )
    .fetch_optional(db)
    .await?
    .flatten();
    Ok(AuditRetention(days))
}

pub async fn set_retention(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    retention: AuditRetention,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update organizations set audit_retention_days = $2 where id = $1",
        organization_id,
        retention.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes up to `limit` events older than their organization's retention, never one still
/// waiting for the organization's bucket; how many. The only deletion the trail allows.
pub async fn prune_expired(conn: &mut PgConnection, limit: i64) -> Result<u64, sqlx::Error> {
    sqlx::query!("set local meridian.audit_retention = 'on'")
        .execute(&mut *conn)
        .await?;
    let deleted = sqlx::query!(
        "delete from audit_events where id in (
             select e.id from organizations g
             join audit_events e on e.organization_id = g.id
                 and e.occurred_at < now() - make_interval(days => g.audit_retention_days)
             where g.audit_retention_days is not null
               and not exists (select 1 from audit_outbox o where o.event_id = e.id)
             limit $1)",
        limit
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!("set local meridian.audit_retention = 'off'")
        .execute(conn)
        .await?;
    Ok(deleted)
}

/// Forgets the object names and actors whose every event in an organization with a retention
/// period has been deleted: a name (an invitee's address, say) is kept no longer than its
/// events. How many. One recorded again meanwhile by a new event is kept (`not exists` sees it
/// once that event commits; one recorded in the same instant may be forgotten, and that event
/// is then found by its other filters but not that one).
pub async fn forget_unused_lookups(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let names = sqlx::query!(
        "delete from audit_object_names n
         using organizations g
         where n.organization_id = g.id and g.audit_retention_days is not null
           and not exists (select 1 from audit_events e
                           where e.organization_id = n.organization_id
                             and e.object_name = n.object_name)"
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let actors = sqlx::query!(
        "delete from audit_actors a
         using organizations g
         where a.organization_id = g.id and g.audit_retention_days is not null
           and not exists (select 1 from audit_events e
                           where e.organization_id = a.organization_id
                             and e.actor = a.actor)"
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(names + actors)
}
