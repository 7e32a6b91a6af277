//! Data planes and their client credentials.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{DataPlane, Name};

use super::errors::Constraint;

/// What breaking each constraint of `data_planes` and their credentials means (see
/// [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "data_planes_region_name_key",
        "name",
        "A data plane with this name already exists in this region.",
    ),
    Constraint::not_from_input("data_planes_pkey"),
    Constraint::not_from_input("data_plane_credentials_pkey"),
];

/// A query reading [`DataPlane`]s: their columns, then the rest of the statement after the
/// join with their region (`d` is the data plane, `r` its region).
macro_rules! select_data_planes {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            DataPlane,
            r#"select d.id, d.region_id, d.name, d.enabled, d.created_at, d.updated_at, d.revision, d.last_heartbeat_at, d.version, d.hostname, d.url, d.draining, (select count(*) from runs x where x.data_plane_id = d.id and x.status = 'running') as "running!" from data_planes d join regions r on r.id = d.region_id "# + $rest
            $(, $arg)*
        )
    };
}

/// Every data plane an organization sees (of its regions and the managed ones), grouped by
/// region, in one query.
pub async fn list_for_organization(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<DataPlane>, sqlx::Error> {
    select_data_planes!(
        "where r.organization_id = $1 or r.managed
         order by d.region_id, lower(d.name), d.id",
        organization_id
    )
    .fetch_all(db)
    .await
}

pub async fn list_for_region(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
) -> Result<Vec<DataPlane>, sqlx::Error> {
    select_data_planes!(
        "where d.region_id = $1
         order by lower(d.name), d.id",
        region_id
    )
    .fetch_all(db)
    .await
}

/// A data plane `organization_id` sees (of its regions or a managed one); anything else is as
/// good as missing.
pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<DataPlane>, sqlx::Error> {
    select_data_planes!(
        "where (r.organization_id = $1 or r.managed) and d.id = $2",
        organization_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Like [`get`], and locks the row until the transaction ends.
pub async fn lock(
    conn: &mut sqlx::PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<DataPlane>, sqlx::Error> {
    select_data_planes!(
        "where r.organization_id = $1 and d.id = $2
         for update of d",
        organization_id,
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn create(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
    name: &Name,
    enabled: bool,
) -> Result<DataPlane, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        r#"insert into data_planes (id, region_id, name, enabled) values ($1, $2, $3, $4)
         returning id, region_id, name, enabled, created_at, updated_at, revision, last_heartbeat_at, version, hostname, url, draining, (select count(*) from runs x where x.data_plane_id = data_planes.id and x.status = 'running') as "running!""#,
        Uuid::new_v4(),
        region_id,
        name.as_str(),
        enabled
    )
    .fetch_one(db)
    .await
}

/// Changes name and/or enabled (`None` keeps the value) when the data plane is still at
/// `revision`; `None` otherwise.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    name: Option<&Name>,
    enabled: Option<bool>,
    revision: i32,
) -> Result<Option<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        r#"update data_planes set name = coalesce($2, name), enabled = coalesce($3, enabled),
                updated_at = now(), revision = revision + 1
         where id = $1 and revision = $4
         returning id, region_id, name, enabled, created_at, updated_at, revision, last_heartbeat_at, version, hostname, url, draining, (select count(*) from runs x where x.data_plane_id = data_planes.id and x.status = 'running') as "running!""#,
        id,
        name.map(Name::as_str),
        enabled,
        revision
    )
    .fetch_optional(db)
    .await
}

/// Puts a data plane in or out of draining at `revision`; `None` when it moved on meanwhile.
pub async fn set_draining(
    db: impl PgExecutor<'_>,
    id: Uuid,
    draining: bool,
    revision: i32,
) -> Result<Option<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        r#"update data_planes set draining = $2, updated_at = now(), revision = revision + 1
         where id = $1 and revision = $3
         returning id, region_id, name, enabled, created_at, updated_at, revision, last_heartbeat_at, version, hostname, url, draining, (select count(*) from runs x where x.data_plane_id = data_planes.id and x.status = 'running') as "running!""#,
        id,
        draining,
        revision
    )
    .fetch_optional(db)
    .await
}

/// Deletes a data plane and its credentials.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("delete from data_planes where id = $1", id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new credential; only the secret's hash is kept.
pub async fn add_credential(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    client_id: &str,
    secret_hash: &[u8],
    secret_hint: &str,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into data_plane_credentials (id, data_plane_id, client_id, secret_hash, secret_hint)
         values ($1, $2, $3, $4, $5)",
        id,
        data_plane_id,
        client_id,
        secret_hash,
        secret_hint
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// The organization a data plane belongs to (through its region).
pub async fn organization_of(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select r.organization_id from data_planes d join regions r on r.id = d.region_id
         where d.id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// An organization's data planes, optionally only those of `region_ids`, by region and name.
pub async fn list_visible(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    region_ids: &[Uuid],
) -> Result<Vec<DataPlane>, sqlx::Error> {
    select_data_planes!(
        "where (cardinality($2::uuid[]) = 0 or d.region_id = any($2))
           and r.organization_id = $1
         order by lower(r.name), d.region_id, lower(d.name), d.id",
        organization_id,
        region_ids
    )
    .fetch_all(db)
    .await
}

/// A live secret of a client id, for the token exchange.
pub struct LiveCredential {
    pub id: Uuid,
    pub data_plane_id: Uuid,
    pub secret_hash: Vec<u8>,
    pub last_used_at: Option<time::OffsetDateTime>,
}

/// The secrets of a client id that are not revoked (two while rotating).
pub async fn live_credentials(
    db: impl PgExecutor<'_>,
    client_id: &str,
) -> Result<Vec<LiveCredential>, sqlx::Error> {
    sqlx::query_as!(
        LiveCredential,
        "select id, data_plane_id, secret_hash, last_used_at from data_plane_credentials
         where client_id = $1 and revoked_at is null",
        client_id
    )
    .fetch_all(db)
    .await
}

pub async fn touch_credential(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update data_plane_credentials set last_used_at = now() where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A data plane's secret as its page lists it (never the secret itself).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CredentialRow {
    pub id: Uuid,
    pub client_id: String,
    /// The secret's last four characters, to tell two live secrets apart.
    pub secret_hint: Option<String>,
    pub created_at: time::OffsetDateTime,
    pub last_used_at: Option<time::OffsetDateTime>,
}

impl CredentialRow {
    /// Minted for the in-process agent of the default data plane, not by an admin.
    pub fn is_local(&self) -> bool {
        crate::domain::is_local_client_id(&self.client_id)
    }
}

/// The live secrets of a data plane, oldest first.
pub async fn credentials_of(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
) -> Result<Vec<CredentialRow>, sqlx::Error> {
    sqlx::query_as!(
        CredentialRow,
        "select id, client_id, secret_hint, created_at, last_used_at from data_plane_credentials
         where data_plane_id = $1 and revoked_at is null
         order by created_at, id",
        data_plane_id
    )
    .fetch_all(db)
    .await
}

/// The client id a data plane's secrets share, if it has any live one.
pub async fn client_id_of(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select client_id from data_plane_credentials
         where data_plane_id = $1 and revoked_at is null
         order by created_at limit 1",
        data_plane_id
    )
    .fetch_optional(db)
    .await
}

/// Revokes one secret of a data plane; false when it was not live.
pub async fn revoke_credential(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    credential_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update data_plane_credentials set revoked_at = now()
         where data_plane_id = $1 and id = $2 and revoked_at is null",
        data_plane_id,
        credential_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a data plane learns when it reports in.
pub struct ReportedIdentity {
    pub dataplane_id: Uuid,
    pub dataplane_name: String,
    pub dataplane_enabled: bool,
    pub region_id: Uuid,
    pub region_name: String,
    pub region_enabled: bool,
    pub organization_id: Uuid,
}

/// Records a heartbeat of the data plane holding `credential_id`, in one statement: checks the
/// credential is still live, updates the data plane's last beat, version and host, appends to
/// the history, and answers the data plane's identity. `None` when the credential was revoked
/// or its data plane deleted.
pub async fn record_heartbeat(
    db: impl PgExecutor<'_>,
    credential_id: Uuid,
    version: &str,
    hostname: &str,
    url: Option<&str>,
) -> Result<Option<ReportedIdentity>, sqlx::Error> {
    sqlx::query_as!(
        ReportedIdentity,
        r#"with plane as (
               update data_planes d
               set last_heartbeat_at = now(), version = coalesce(nullif($2, ''), d.version),
                   hostname = coalesce(nullif($3, ''), d.hostname), url = $4
               from data_plane_credentials c
               where c.id = $1 and c.revoked_at is null and d.id = c.data_plane_id
               returning d.id, d.name, d.enabled, d.region_id),
           beat as (
               insert into data_plane_heartbeats (data_plane_id, at, version, hostname)
               select id, now(), $2, $3 from plane)
           select p.id as "dataplane_id!", p.name as "dataplane_name!",
                  p.enabled as "dataplane_enabled!", r.id as region_id, r.name as region_name,
                  r.enabled as region_enabled, r.organization_id
           from plane p join regions r on r.id = p.region_id"#,
        credential_id,
        version,
        hostname,
        url
    )
    .fetch_optional(db)
    .await
}

/// Heartbeats of the data planes an organization sees since `since`, for sparklines.
pub async fn beats_since(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    since: time::OffsetDateTime,
) -> Result<Vec<(Uuid, time::OffsetDateTime)>, sqlx::Error> {
    let rows = sqlx::query!(
        "select h.data_plane_id, h.at from data_plane_heartbeats h
         join data_planes d on d.id = h.data_plane_id
         join regions r on r.id = d.region_id
         where (r.organization_id = $1 or r.managed) and h.at >= $2
         order by h.at",
        organization_id,
        since
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.data_plane_id, r.at)).collect())
}

/// How many heartbeats one data plane sent in each slot of `slot_seconds` since `since`: slot
/// 0 starts at `since`. Slots without heartbeats are absent.
pub async fn beats_per_slot(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    since: time::OffsetDateTime,
    slot_seconds: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select (floor(extract(epoch from h.at - $2) / $3))::bigint as "slot!", count(*) as "beats!"
           from data_plane_heartbeats h
           where h.data_plane_id = $1 and h.at >= $2
           group by 1 order by 1"#,
        data_plane_id,
        since,
        slot_seconds as f64
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slot, r.beats)).collect())
}

/// Deletes heartbeats older than `before`, except each data plane's latest. Returns how many.
/// The latest is recognised by its time: `record_heartbeat`, the only writer of
/// `last_heartbeat_at`, gives the history row and the data plane the same `now()`.
pub async fn prune_heartbeats(
    db: impl PgExecutor<'_>,
    before: time::OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "delete from data_plane_heartbeats h
         where h.at < $1
           and h.at < (select d.last_heartbeat_at from data_planes d where d.id = h.data_plane_id)",
        before
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
