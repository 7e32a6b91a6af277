//! The data plane's own store: the region's secrets and configuration, and what it must know
//! to keep serving while the control plane is away (its region, the control plane's keys).
//! Every data plane of a region points at the same Postgres (`DATAPLANE_DATABASE_URL`) or,
//! alone, at a private embedded one; the control plane never reads it.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// The store's schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/dataplane");

/// Where a change to a workspace's secrets or configuration is announced (the payload is the
/// workspace id), so every data plane sharing the store drops what it keeps of it.
pub const CHANGES_CHANNEL: &str = "meridian_dataplane_workspaces";

/// Announces, when the transaction commits, that `workspace_id`'s secrets or configuration
/// changed.
async fn announce(conn: &mut sqlx::PgConnection, workspace_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select pg_notify($1, $2)",
        CHANGES_CHANNEL,
        workspace_id.to_string()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A secret as listed: never its value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SecretName {
    pub name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One configuration value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
}

pub async fn secret_names(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<SecretName>, sqlx::Error> {
    sqlx::query_as!(
        SecretName,
        "select name, created_at, updated_at from workspace_secrets
         where workspace_id = $1 order by name",
        workspace_id
    )
    .fetch_all(db)
    .await
}

/// Stores a secret's sealed value; returns whether it was new.
pub async fn put_secret(
    pool: &PgPool,
    workspace_id: Uuid,
    name: &str,
    sealed: &[u8],
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let created = sqlx::query_scalar!(
        r#"insert into workspace_secrets as s (workspace_id, name, value_encrypted)
           values ($1, $2, $3)
           on conflict (workspace_id, name) do update
               set value_encrypted = excluded.value_encrypted, updated_at = now()
           returning (s.xmax = 0) as "created!""#,
        workspace_id,
        name,
        sealed
    )
    .fetch_one(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn delete_secret(
    pool: &PgPool,
    workspace_id: Uuid,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "delete from workspace_secrets where workspace_id = $1 and name = $2",
        workspace_id,
        name
    )
    .execute(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub async fn config(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<ConfigEntry>, sqlx::Error> {
    sqlx::query_as!(
        ConfigEntry,
        "select key, value from workspace_config where workspace_id = $1 order by key",
        workspace_id
    )
    .fetch_all(db)
    .await
}

pub async fn put_config(
    pool: &PgPool,
    workspace_id: Uuid,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into workspace_config (workspace_id, key, value) values ($1, $2, $3)
         on conflict (workspace_id, key) do update set value = excluded.value, updated_at = now()",
        workspace_id,
        key,
        value
    )
    .execute(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await
}

pub async fn delete_config(
    pool: &PgPool,
    workspace_id: Uuid,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "delete from workspace_config where workspace_id = $1 and key = $2",
        workspace_id,
        key
    )
    .execute(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// The control plane's public keys as last fetched: (kid, public key).
pub async fn control_plane_keys(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(String, Vec<u8>)>, sqlx::Error> {
    let rows = sqlx::query!("select kid, public_key from control_plane_keys")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.kid, r.public_key)).collect())
}

/// Remembers the control plane's keys (keys are only added: a key the control plane stops
/// publishing may still sign tokens that have not expired).
pub async fn remember_control_plane_keys(
    pool: &PgPool,
    keys: &[(String, Vec<u8>)],
) -> Result<(), sqlx::Error> {
    let (kids, public_keys): (Vec<String>, Vec<Vec<u8>>) = keys.iter().cloned().unzip();
    sqlx::query!(
        "insert into control_plane_keys (kid, public_key)
         select * from unnest($1::text[], $2::bytea[])
         on conflict (kid) do update set fetched_at = now()",
        &kids,
        &public_keys
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The region this store belongs to, recorded by the first data plane that registered; `None`
/// before that.
pub async fn region(db: impl PgExecutor<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("select region_id from store_region")
        .fetch_optional(db)
        .await
}

/// Records the region of the data plane using the store; `Err` when the store already belongs
/// to another region (a data plane pointed at another region's database).
pub async fn claim_region(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
) -> Result<Result<(), Uuid>, sqlx::Error> {
    let owner = sqlx::query_scalar!(
        r#"with claimed as (
               insert into store_region (only_row, region_id) values (true, $1)
               on conflict (only_row) do nothing
               returning region_id)
           select coalesce((select region_id from claimed),
                           (select region_id from store_region)) as "region!""#,
        region_id
    )
    .fetch_one(db)
    .await?;
    Ok(if owner == region_id {
        Ok(())
    } else {
        Err(owner)
    })
}

/// A deployment version as listed: never its content.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DeploymentInfo {
    pub workspace_id: Uuid,
    pub name: String,
    pub version: i32,
    pub kind: String,
    pub command: Vec<String>,
    pub digest: String,
    pub size_bytes: i64,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// What a run needs of a deployment.
pub struct DeploymentContent {
    pub version: i32,
    pub kind: String,
    pub command: Vec<String>,
    pub content: Vec<u8>,
}

/// A new deployment to store.
pub struct NewDeployment<'a> {
    pub workspace_id: Uuid,
    pub name: &'a str,
    pub kind: &'a str,
    pub command: &'a [String],
    pub digest: &'a str,
    pub content: &'a [u8],
    pub created_by: &'a str,
}

/// Stores a deployment as the next version of its name (versions count from 1 per name).
/// Uploads of one name queue on an advisory lock so each gets its own version.
pub async fn add_deployment(
    pool: &PgPool,
    new: &NewDeployment<'_>,
) -> Result<DeploymentInfo, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2, 0))",
        new.workspace_id.to_string(),
        new.name
    )
    .execute(&mut *tx)
    .await?;
    let added = sqlx::query_as!(
        DeploymentInfo,
        "insert into deployment_packages (workspace_id, name, version, kind, command, digest, size_bytes,
                                  content, created_by)
         select $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8
         from deployment_packages where workspace_id = $1 and name = $2
         returning workspace_id, name, version, kind, command, digest, size_bytes, created_by,
                   created_at",
        new.workspace_id,
        new.name,
        new.kind,
        new.command,
        new.digest,
        new.content.len() as i64,
        new.content,
        new.created_by
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Every version of a workspace's deployments: by name, newest version first.
pub async fn deployments(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<DeploymentInfo>, sqlx::Error> {
    sqlx::query_as!(
        DeploymentInfo,
        "select workspace_id, name, version, kind, command, digest, size_bytes, created_by,
                created_at
         from deployment_packages where workspace_id = $1
         order by name, version desc",
        workspace_id
    )
    .fetch_all(db)
    .await
}

/// The latest version of a deployment, with its content.
pub async fn latest_deployment(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
    name: &str,
) -> Result<Option<DeploymentContent>, sqlx::Error> {
    sqlx::query_as!(
        DeploymentContent,
        "select version, kind, command, content from deployment_packages
         where workspace_id = $1 and name = $2 order by version desc limit 1",
        workspace_id,
        name
    )
    .fetch_optional(db)
    .await
}

/// Deployments the control plane has not been told of yet, oldest first.
pub async fn unreported_deployments(
    db: impl PgExecutor<'_>,
) -> Result<Vec<DeploymentInfo>, sqlx::Error> {
    sqlx::query_as!(
        DeploymentInfo,
        "select workspace_id, name, version, kind, command, digest, size_bytes, created_by,
                created_at
         from deployment_packages where reported_at is null order by created_at limit 100"
    )
    .fetch_all(db)
    .await
}

pub async fn mark_reported(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
    name: &str,
    version: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update deployment_packages set reported_at = now()
         where workspace_id = $1 and name = $2 and version = $3",
        workspace_id,
        name,
        version
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A run as this region keeps it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RunRecord {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub job_id: Uuid,
    pub job_name: String,
    pub status: String,
    pub exit_code: Option<i32>,
    pub log_bytes: i64,
    pub output_bytes: i64,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
}

/// Records that a run starts here (once: a run given out again keeps its first record).
pub async fn begin_run(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
    workspace_id: Uuid,
    job_id: Uuid,
    job_name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into run_records (id, workspace_id, job_id, job_name) values ($1, $2, $3, $4)
         on conflict (id) do update set status = 'running', ended_at = null",
        run_id,
        workspace_id,
        job_id,
        job_name
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn end_run(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
    status: &str,
    exit_code: Option<i32>,
    output_bytes: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update run_records set status = $2, exit_code = $3, output_bytes = $4, ended_at = now()
         where id = $1",
        run_id,
        status,
        exit_code,
        output_bytes
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn run_record(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
) -> Result<Option<RunRecord>, sqlx::Error> {
    sqlx::query_as!(
        RunRecord,
        "select id, workspace_id, job_id, job_name, status, exit_code, log_bytes, output_bytes,
                started_at, ended_at
         from run_records where id = $1",
        run_id
    )
    .fetch_optional(db)
    .await
}

/// Appends chunks of a run's output (stream, bytes) in order, and counts them.
pub async fn append_logs(
    pool: &PgPool,
    run_id: Uuid,
    chunks: &[(&str, Vec<u8>)],
) -> Result<(), sqlx::Error> {
    if chunks.is_empty() {
        return Ok(());
    }
    let streams: Vec<String> = chunks.iter().map(|(s, _)| (*s).to_owned()).collect();
    let data: Vec<Vec<u8>> = chunks.iter().map(|(_, d)| d.clone()).collect();
    let bytes: i64 = data.iter().map(|d| d.len() as i64).sum();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into run_logs (run_id, stream, data)
         select $1, s, d from unnest($2::text[], $3::bytea[]) with ordinality as t(s, d, n)
         order by n",
        run_id,
        &streams,
        &data
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update run_records set log_bytes = log_bytes + $2 where id = $1",
        run_id,
        bytes
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// One chunk of a run's log.
pub struct LogChunk {
    pub seq: i64,
    pub stream: String,
    pub data: Vec<u8>,
}

/// A run's log chunks after `after` (a sequence number; 0 for all), at most `limit`.
pub async fn logs_after(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<LogChunk>, sqlx::Error> {
    sqlx::query_as!(
        LogChunk,
        "select seq, stream, data from run_logs where run_id = $1 and seq > $2
         order by seq limit $3",
        run_id,
        after,
        limit
    )
    .fetch_all(db)
    .await
}

/// An output file as listed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OutputInfo {
    pub path: String,
    pub size_bytes: i64,
}

pub async fn add_output(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
    path: &str,
    content: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into run_outputs (run_id, path, size_bytes, content) values ($1, $2, $3, $4)
         on conflict (run_id, path) do update set size_bytes = excluded.size_bytes,
             content = excluded.content",
        run_id,
        path,
        content.len() as i64,
        content
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn outputs(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
) -> Result<Vec<OutputInfo>, sqlx::Error> {
    sqlx::query_as!(
        OutputInfo,
        "select path, size_bytes from run_outputs where run_id = $1 order by path",
        run_id
    )
    .fetch_all(db)
    .await
}

pub async fn output(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
    path: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar!(
        "select content from run_outputs where run_id = $1 and path = $2",
        run_id,
        path
    )
    .fetch_optional(db)
    .await
}

/// The workspace's secrets, still sealed, and its configuration: what a run's environment
/// is made of.
pub async fn run_environment(
    db: &PgPool,
    workspace_id: Uuid,
) -> Result<(Vec<ConfigEntry>, Vec<(String, Vec<u8>)>), sqlx::Error> {
    let config = config(db, workspace_id).await?;
    let secrets = sqlx::query!(
        "select name, value_encrypted from workspace_secrets where workspace_id = $1",
        workspace_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.value_encrypted))
    .collect();
    Ok((config, secrets))
}
