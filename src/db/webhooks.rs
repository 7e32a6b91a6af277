//! Organizations' webhook endpoints, their delivery outbox, and the health last announced for
//! each data plane and region.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use super::errors::Constraint;
use crate::domain::{Webhook, WebhookDelivery as Delivery};

/// What breaking each constraint of these tables means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::not_from_input("webhooks_pkey"),
    Constraint::not_from_input("webhook_deliveries_pkey"),
    Constraint::not_from_input("webhook_deliveries_webhook_id_event_id_key"),
    Constraint::not_from_input("data_plane_health_states_pkey"),
    Constraint::not_from_input("region_health_states_pkey"),
];

/// A query reading [`Webhook`]s (never their secrets): the columns, then the rest of the
/// statement after `from webhooks`.
macro_rules! select_webhooks {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Webhook,
            "select id, organization_id, url, events, secret_hint, created_at from webhooks " + $rest
            $(, $arg)*
        )
    };
}

pub async fn create(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    url: &str,
    events: &[String],
    secret_sealed: &[u8],
    secret_hint: &str,
    created_by: Option<Uuid>,
) -> Result<Webhook, sqlx::Error> {
    sqlx::query_as!(
        Webhook,
        "insert into webhooks (id, organization_id, url, events, secret_sealed, secret_hint, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning id, organization_id, url, events, secret_hint, created_at",
        Uuid::new_v4(),
        organization_id,
        url,
        events,
        secret_sealed,
        secret_hint,
        created_by
    )
    .fetch_one(db)
    .await
}

/// An organization's endpoints, oldest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<Webhook>, sqlx::Error> {
    select_webhooks!(
        "where organization_id = $1 order by created_at, id",
        organization_id
    )
    .fetch_all(db)
    .await
}

/// An endpoint by id in any organization, for callers that learn its organization from it.
pub async fn find_any_org(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<Webhook>, sqlx::Error> {
    select_webhooks!("where id = $1", id)
        .fetch_optional(db)
        .await
}

/// Deletes an endpoint of `organization_id` (and its deliveries); the endpoint as it was.
pub async fn delete(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Webhook>, sqlx::Error> {
    sqlx::query_as!(
        Webhook,
        "delete from webhooks where organization_id = $1 and id = $2
         returning id, organization_id, url, events, secret_hint, created_at",
        organization_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// The latest `limit` deliveries of an organization's endpoints, newest first.
pub async fn recent_deliveries(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    limit: i64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    // Per endpoint through its index, then merged: an organization has a handful.
    sqlx::query_as!(
        Delivery,
        r#"select d.id as "id!", d.webhook_id as "webhook_id!", d.event_id as "event_id!",
                  d.event_type as "event_type!", d.status as "status!", d.attempts as "attempts!",
                  d.next_attempt_at as "next_attempt_at!", d.last_status, d.last_error,
                  d.created_at as "created_at!", d.delivered_at
           from webhooks w
           cross join lateral (
               select * from webhook_deliveries
               where webhook_id = w.id order by created_at desc limit $2
           ) d
           where w.organization_id = $1
           order by d.created_at desc, d.id
           limit $2"#,
        organization_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Queues `payload` for every endpoint of the organization that takes `event_type` (or only
/// `webhook_id`); an event already queued for an endpoint is not queued again. Returns how
/// many deliveries were queued.
pub async fn enqueue(
    conn: &mut PgConnection,
    organization_id: Uuid,
    webhook_id: Option<Uuid>,
    event_id: Uuid,
    event_type: &str,
    payload: &serde_json::Value,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "insert into webhook_deliveries (id, webhook_id, organization_id, event_id, event_type, payload)
         select gen_random_uuid(), w.id, w.organization_id, $3, $4, $5
         from webhooks w
         where w.organization_id = $1
           and ($2::uuid is null and $4 = any(w.events) or w.id = $2)
         on conflict (webhook_id, event_id) do nothing",
        organization_id,
        webhook_id,
        event_id,
        event_type,
        payload
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A delivery taken by a worker: what to send where, and the key to sign with.
pub struct Leased {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub url: String,
    pub secret_sealed: Vec<u8>,
}

/// Takes up to `limit` due deliveries for `lease`: other workers (on this replica or another)
/// skip them until the lease ends, so each is sent by one worker at a time. Counts the attempt.
pub async fn lease_due(
    db: impl PgExecutor<'_>,
    limit: i64,
    lease: time::Duration,
) -> Result<Vec<Leased>, sqlx::Error> {
    let until = OffsetDateTime::now_utc() + lease;
    sqlx::query_as!(
        Leased,
        r#"with due as (
               select id from webhook_deliveries
               where status = 'pending' and next_attempt_at <= now()
                 and (leased_until is null or leased_until < now())
               order by next_attempt_at
               limit $1
               for update skip locked
           ), taken as (
               update webhook_deliveries d set leased_until = $2, attempts = d.attempts + 1
               from due where d.id = due.id
               returning d.id, d.webhook_id, d.organization_id, d.event_id, d.event_type,
                         d.payload, d.attempts
           )
           select t.id as "id!", t.organization_id as "organization_id!",
                  t.event_id as "event_id!", t.event_type as "event_type!",
                  t.payload as "payload!", t.attempts as "attempts!", w.url as "url!",
                  w.secret_sealed as "secret_sealed!"
           from taken t join webhooks w on w.id = t.webhook_id"#,
        limit,
        until
    )
    .fetch_all(db)
    .await
}

/// Records an attempt's outcome: delivered, tried again at `retry_at`, or given up (`None`).
pub async fn record_attempt(
    db: impl PgExecutor<'_>,
    id: Uuid,
    delivered: bool,
    status: Option<i32>,
    error: Option<&str>,
    retry_at: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    let state = match (delivered, retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    sqlx::query!(
        "update webhook_deliveries
            set status = $2, last_status = $3, last_error = $4, leased_until = null,
                next_attempt_at = coalesce($5, next_attempt_at),
                delivered_at = case when $2 = 'delivered' then now() else delivered_at end
          where id = $1",
        id,
        state,
        status,
        error,
        retry_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What the health watcher compares: every data plane with its region, and the state last
/// announced for each (`None` when never seen).
pub struct PlaneHealthRow {
    pub data_plane_id: Uuid,
    pub data_plane_name: String,
    pub enabled: bool,
    pub last_heartbeat_at: Option<OffsetDateTime>,
    pub region_id: Uuid,
    pub region_name: String,
    pub region_enabled: bool,
    pub region_managed: bool,
    pub organization_id: Uuid,
    pub announced: Option<String>,
}

pub async fn plane_health(conn: &mut PgConnection) -> Result<Vec<PlaneHealthRow>, sqlx::Error> {
    sqlx::query_as!(
        PlaneHealthRow,
        "select p.id as data_plane_id, p.name as data_plane_name, p.enabled, p.last_heartbeat_at,
                r.id as region_id, r.name as region_name, r.enabled as region_enabled,
                r.managed as region_managed, r.organization_id, s.state as \"announced?\"
         from data_planes p
         join regions r on r.id = p.region_id
         left join data_plane_health_states s on s.data_plane_id = p.id"
    )
    .fetch_all(conn)
    .await
}

/// A region as the health watcher sees it.
pub struct RegionHealthRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub managed: bool,
    /// Whether it was last announced healthy; `None` when never seen.
    pub announced: Option<bool>,
}

pub async fn region_health(conn: &mut PgConnection) -> Result<Vec<RegionHealthRow>, sqlx::Error> {
    sqlx::query_as!(
        RegionHealthRow,
        r#"select r.id as "id!", r.organization_id as "organization_id!", r.name as "name!",
                  r.managed as "managed!", s.healthy as "announced?"
           from regions r left join region_health_states s on s.region_id = r.id"#
    )
    .fetch_all(conn)
    .await
}

/// The organizations an event about a managed region concerns: those with workspaces in it.
pub async fn organizations_in_region(
    conn: &mut PgConnection,
    region_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select distinct organization_id from workspaces where region_id = $1",
        region_id
    )
    .fetch_all(conn)
    .await
}

pub async fn set_plane_state(
    conn: &mut PgConnection,
    data_plane_id: Uuid,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into data_plane_health_states (data_plane_id, state) values ($1, $2)
         on conflict (data_plane_id) do update set state = excluded.state, changed_at = now()",
        data_plane_id,
        state
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_region_state(
    conn: &mut PgConnection,
    region_id: Uuid,
    healthy: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into region_health_states (region_id, healthy) values ($1, $2)
         on conflict (region_id) do update set healthy = excluded.healthy, changed_at = now()",
        region_id,
        healthy
    )
    .execute(conn)
    .await?;
    Ok(())
}
