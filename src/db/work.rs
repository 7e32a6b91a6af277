//! Jobs, runs and deployments as the control plane keeps them: metadata only. The run queue
//! of each region, claimed by its data planes with `FOR UPDATE SKIP LOCKED` (so no two ever
//! take the same run), leases they renew while running, and the sweep that finds the runs of
//! data planes that disappeared.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Deployment, Job, Run, RunStatus};

use super::errors::Constraint;

/// What breaking each constraint of `jobs`, `runs` and `deployments` means.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "jobs_workspace_name_key",
        "name",
        "A job with this name already exists in this workspace.",
    ),
    Constraint::not_from_input("jobs_pkey"),
    Constraint::not_from_input("jobs_organization_id_fkey"),
    Constraint::about_form("jobs_workspace_id_fkey", "The workspace no longer exists."),
    Constraint::not_from_input("runs_pkey"),
    Constraint::about_form("runs_job_id_fkey", "The job no longer exists."),
    Constraint::about_form("runs_workspace_id_fkey", "The workspace no longer exists."),
    Constraint::not_from_input("runs_organization_id_fkey"),
    Constraint::not_from_input("runs_retry_of_fkey"),
    Constraint::not_from_input("runs_data_plane_id_fkey"),
    Constraint::not_from_input("deployments_pkey"),
    Constraint::about_form(
        "deployments_workspace_id_fkey",
        "The workspace no longer exists.",
    ),
];

/// Where a region's queue is announced (the payload is `<region>/<announcing process>/<runs>`),
/// so a replica wakes one of the data planes waiting on it for each run queued on another one.
pub const QUEUE_CHANNEL: &str = "meridian_run_queue";

macro_rules! select_jobs {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Job,
            "select j.id, j.organization_id, j.workspace_id, j.name, j.deployment, j.schedule, j.next_run_at, j.timeout_seconds, j.retries, j.created_at, j.updated_at, j.revision from jobs j " + $rest
            $(, $arg)*
        )
    };
}

/// A query reading [`Run`]s with their job's and data plane's names. `$1` is how recent a
/// heartbeat must be (seconds) for a queued run's data planes to count as healthy: a queued
/// run of a region without one says so in its reason.
macro_rules! select_runs {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Run,
            r#"select r.id, r.job_id, j.name as job_name, r.workspace_id, r.organization_id, r.region_id,
                      r.status, r.trigger, r.attempt, r.data_plane_id, d.name as "data_plane_name?",
                      r.deployment, r.deployment_version, r.timeout_seconds, r.exit_code, r.output_bytes,
                      case when r.status = 'queued' then coalesce(
                          (select case when not g.enabled then 'Region ' || g.name || ' is disabled: the run waits until it is enabled.'
                                       when not exists (select 1 from data_planes p where p.region_id = g.id and p.enabled and not p.draining
                                                        and p.last_heartbeat_at > now() - make_interval(secs => $1::float8))
                                       then 'No healthy data plane in region ' || g.name || ': the run waits until one reports in.'
                                  end
                           from regions g where g.id = r.region_id), r.reason)
                      else r.reason end as reason,
                      r.requested_by, r.cancel_requested_at is not null as "cancel_requested!",
                      r.queued_at, r.started_at, r.ended_at
               from runs r join jobs j on j.id = r.job_id
               left join data_planes d on d.id = r.data_plane_id "# + $rest
            $(, $arg)*
        )
    };
}

/// What a job is made of, checked.
pub struct JobFields<'a> {
    pub name: &'a str,
    pub deployment: &'a str,
    pub schedule: Option<&'a str>,
    pub next_run_at: Option<OffsetDateTime>,
    pub timeout_seconds: i32,
    pub retries: i32,
}

pub async fn create_job(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    workspace_id: Uuid,
    fields: &JobFields<'_>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into jobs (id, organization_id, workspace_id, name, deployment, schedule,
                           next_run_at, timeout_seconds, retries)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        organization_id,
        workspace_id,
        fields.name,
        fields.deployment,
        fields.schedule,
        fields.next_run_at,
        fields.timeout_seconds,
        fields.retries
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// Writes every field at `revision`; false when the job moved on meanwhile.
pub async fn update_job(
    db: impl PgExecutor<'_>,
    job_id: Uuid,
    fields: &JobFields<'_>,
    revision: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update jobs set name = $2, deployment = $3, schedule = $4, next_run_at = $5,
                timeout_seconds = $6, retries = $7, updated_at = now(), revision = revision + 1
         where id = $1 and revision = $8",
        job_id,
        fields.name,
        fields.deployment,
        fields.schedule,
        fields.next_run_at,
        fields.timeout_seconds,
        fields.retries,
        revision
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_job(
    db: impl PgExecutor<'_>,
    job_id: Uuid,
    revision: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from jobs where id = $1 and revision = $2",
        job_id,
        revision
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A job of the organization.
pub async fn job(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    job_id: Uuid,
) -> Result<Option<Job>, sqlx::Error> {
    select_jobs!(
        "where j.organization_id = $1 and j.id = $2",
        organization_id,
        job_id
    )
    .fetch_optional(db)
    .await
}

/// A job wherever it is (the API finds its organization first, then checks the caller).
pub async fn find_job(db: impl PgExecutor<'_>, job_id: Uuid) -> Result<Option<Job>, sqlx::Error> {
    select_jobs!("where j.id = $1", job_id)
        .fetch_optional(db)
        .await
}

/// A job of the organization, locked until the transaction ends.
pub async fn lock_job(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    job_id: Uuid,
) -> Result<Option<Job>, sqlx::Error> {
    select_jobs!(
        "where j.organization_id = $1 and j.id = $2 for update",
        organization_id,
        job_id
    )
    .fetch_optional(db)
    .await
}

/// A workspace's jobs, by name.
pub async fn jobs_of(db: impl PgExecutor<'_>, workspace_id: Uuid) -> Result<Vec<Job>, sqlx::Error> {
    select_jobs!(
        "where j.workspace_id = $1 order by lower(j.name), j.id",
        workspace_id
    )
    .fetch_all(db)
    .await
}

/// Queues a run of `job` in `region_id`; returns its id. The caller announces it once the
/// transaction committed (see [`announce`]).
pub async fn queue_run(
    db: &mut sqlx::PgConnection,
    job: &Job,
    region_id: Uuid,
    trigger: &str,
    attempt: i32,
    retry_of: Option<Uuid>,
    requested_by: &str,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into runs (id, job_id, workspace_id, organization_id, region_id, trigger, attempt,
                           retry_of, deployment, timeout_seconds, requested_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        id,
        job.id,
        job.workspace_id,
        job.organization_id,
        region_id,
        trigger,
        attempt,
        retry_of,
        job.deployment,
        job.timeout_seconds,
        requested_by
    )
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Tells every replica that `runs` runs were queued in `region_id`. Its own statement, after
/// the queuing transactions committed: a notification sent inside a transaction holds
/// Postgres's one notification lock through that transaction's commit (its write to disk
/// included), which would let only one run be queued per disk flush.
pub async fn announce(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
    origin: Uuid,
    runs: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select pg_notify($1, $2)",
        QUEUE_CHANNEL,
        format!("{region_id}/{origin}/{runs}")
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A run of the organization.
pub async fn run(
    db: impl PgExecutor<'_>,
    healthy_within_secs: f64,
    organization_id: Uuid,
    run_id: Uuid,
) -> Result<Option<Run>, sqlx::Error> {
    select_runs!(
        "where r.organization_id = $2 and r.id = $3",
        healthy_within_secs,
        organization_id,
        run_id
    )
    .fetch_optional(db)
    .await
}

/// A run wherever it is (the API finds its organization first, then checks the caller).
pub async fn find_run(
    db: impl PgExecutor<'_>,
    healthy_within_secs: f64,
    run_id: Uuid,
) -> Result<Option<Run>, sqlx::Error> {
    select_runs!("where r.id = $2", healthy_within_secs, run_id)
        .fetch_optional(db)
        .await
}

/// Which runs a listing asks for, newest first.
pub struct RunFilter {
    pub workspace_id: Uuid,
    pub job_id: Option<Uuid>,
    pub status: Option<RunStatus>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn runs(
    db: impl PgExecutor<'_>,
    healthy_within_secs: f64,
    filter: &RunFilter,
) -> Result<Vec<Run>, sqlx::Error> {
    select_runs!(
        "where r.workspace_id = $2 and ($3::uuid is null or r.job_id = $3)
           and ($4::text is null or r.status = $4)
         order by r.queued_at desc, r.id
         limit $5 offset $6",
        healthy_within_secs,
        filter.workspace_id,
        filter.job_id,
        filter.status.map(|s| s.as_str()),
        filter.limit,
        filter.offset
    )
    .fetch_all(db)
    .await
}

/// The latest run of each job of a workspace.
pub async fn last_runs(
    db: impl PgExecutor<'_>,
    healthy_within_secs: f64,
    workspace_id: Uuid,
) -> Result<Vec<Run>, sqlx::Error> {
    select_runs!(
        "where r.workspace_id = $2 and r.id in (
             select distinct on (x.job_id) x.id from runs x where x.workspace_id = $2
             order by x.job_id, x.queued_at desc)",
        healthy_within_secs,
        workspace_id
    )
    .fetch_all(db)
    .await
}

/// Cancels a queued run at once, or asks the data plane running it to end it (it hears so
/// when it next renews its lease). Returns whether anything changed.
pub async fn cancel_run(
    db: impl PgExecutor<'_>,
    run_id: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update runs set
             status = case when status = 'queued' then 'cancelled' else status end,
             ended_at = case when status = 'queued' then now() else ended_at end,
             reason = $2,
             cancel_requested_at = coalesce(cancel_requested_at, now())
         where id = $1 and status in ('queued', 'running') and cancel_requested_at is null",
        run_id,
        reason
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A data plane waiting for work: who it is, and whether it may take any now.
pub struct Claimant {
    pub data_plane_id: Uuid,
    pub region_id: Uuid,
    /// It and its region are enabled and it is not draining.
    pub may_take_work: bool,
}

/// The data plane holding `credential_id` (a live credential), for the claim that follows.
pub async fn claimant(
    db: impl PgExecutor<'_>,
    credential_id: Uuid,
) -> Result<Option<Claimant>, sqlx::Error> {
    sqlx::query_as!(
        Claimant,
        r#"select d.id as data_plane_id, d.region_id,
                  (d.enabled and not d.draining and g.enabled) as "may_take_work!"
           from data_plane_credentials c
           join data_planes d on d.id = c.data_plane_id
           join regions g on g.id = d.region_id
           where c.id = $1 and c.revoked_at is null"#,
        credential_id
    )
    .fetch_optional(db)
    .await
}

/// The region of a data plane.
pub async fn region_of_data_plane(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select region_id from data_planes where id = $1",
        data_plane_id
    )
    .fetch_optional(db)
    .await
}

/// What a data plane is given to run.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: Uuid,
    pub job_id: Uuid,
    pub job_name: String,
    pub workspace_id: Uuid,
    pub deployment: String,
    pub timeout_seconds: i32,
    pub attempt: i32,
}

/// Takes the oldest queued run of the data plane's region (`region_id`, which the caller read
/// with [`claimant`]), if the data plane (and its region) may take work: marks it running on
/// the data plane with a lease of `lease_secs`. Runs locked by another claim in progress are
/// skipped, never waited for, so concurrent claims each get a different run. The region is a
/// parameter, not a join, so the queue's partial index is used however many runs have ended.
pub async fn claim(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    region_id: Uuid,
    lease_secs: f64,
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"with next as (
               select r.id from runs r
               where r.status = 'queued' and r.region_id = $2
                 and exists (select 1 from data_planes d join regions g on g.id = d.region_id
                             where d.id = $1 and d.region_id = $2 and d.enabled
                               and not d.draining and g.enabled)
               order by r.queued_at
               for update of r skip locked
               limit 1)
           update runs r
           set status = 'running', data_plane_id = $1, started_at = now(), reason = null,
               lease_until = now() + make_interval(secs => $3::float8)
           from next, jobs j
           where r.id = next.id and j.id = r.job_id
           returning r.id, r.job_id, j.name as job_name, r.workspace_id, r.deployment,
                     r.timeout_seconds, r.attempt"#,
        data_plane_id,
        region_id,
        lease_secs
    )
    .fetch_optional(db)
    .await
}

/// What a data plane hears when it renews a run's lease.
pub struct Renewed {
    pub cancel_requested: bool,
}

/// Extends the lease of a run the data plane is running (and records, the first time, that
/// it started it, with the deployment version it runs). `None` when the run is no longer the
/// data plane's to run (its lease expired and it was given up).
pub async fn renew(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    run_id: Uuid,
    lease_secs: f64,
    deployment_version: Option<i32>,
) -> Result<Option<Renewed>, sqlx::Error> {
    sqlx::query_as!(
        Renewed,
        r#"update runs
           set lease_until = now() + make_interval(secs => $3::float8),
               acknowledged_at = coalesce(acknowledged_at, now()),
               deployment_version = coalesce($4, deployment_version)
           where id = $2 and data_plane_id = $1 and status = 'running'
           returning cancel_requested_at is not null as "cancel_requested!""#,
        data_plane_id,
        run_id,
        lease_secs,
        deployment_version
    )
    .fetch_optional(db)
    .await
}

/// How a run ended, as its data plane reports it.
pub struct Outcome<'a> {
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub output_bytes: Option<i64>,
    pub deployment_version: Option<i32>,
    pub reason: Option<&'a str>,
}

/// Records how a run the data plane was running ended; returns the run's job, attempt and
/// region if it was still its own (a second report of the same end changes nothing).
pub async fn finish(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    run_id: Uuid,
    outcome: &Outcome<'_>,
) -> Result<Option<Ended>, sqlx::Error> {
    sqlx::query_as!(
        Ended,
        r#"update runs
           set status = $3, exit_code = $4, output_bytes = $5,
               deployment_version = coalesce($6, deployment_version),
               reason = coalesce($7, reason), ended_at = now(), lease_until = null
           where id = $2 and data_plane_id = $1 and status = 'running'
           returning id, job_id, attempt, status, region_id"#,
        data_plane_id,
        run_id,
        outcome.status.as_str(),
        outcome.exit_code,
        outcome.output_bytes,
        outcome.deployment_version,
        outcome.reason
    )
    .fetch_optional(db)
    .await
}

/// A run that just ended, for deciding whether to try again.
pub struct Ended {
    pub id: Uuid,
    pub job_id: Uuid,
    pub attempt: i32,
    pub status: String,
    pub region_id: Uuid,
}

/// Runs whose data plane stopped renewing their lease. One acknowledged (started) is marked
/// lost, or cancelled when a cancel was asked for; one never acknowledged (the claim's answer
/// never reached the data plane) goes back to the queue. Returns the regions whose queue got a
/// run back, and the lost runs.
pub async fn expire_leases(
    db: &mut sqlx::PgConnection,
) -> Result<(Vec<Uuid>, Vec<Ended>), sqlx::Error> {
    let requeued = sqlx::query_scalar!(
        "update runs set status = 'queued', data_plane_id = null, started_at = null,
                lease_until = null
         where status = 'running' and lease_until < now() and acknowledged_at is null
         returning region_id"
    )
    .fetch_all(&mut *db)
    .await?;
    let lost = sqlx::query_as!(
        Ended,
        r#"update runs
           set status = case when cancel_requested_at is null then 'lost' else 'cancelled' end,
               reason = case when cancel_requested_at is null
                             then 'Its data plane stopped reporting while it ran.'
                             else reason end,
               ended_at = now(), lease_until = null
           where status = 'running' and lease_until < now()
           returning id, job_id, attempt, status, region_id"#
    )
    .fetch_all(&mut *db)
    .await?;
    Ok((requeued, lost))
}

/// Jobs whose schedule is due, locked (skipping those another replica is queuing).
pub async fn due_jobs(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<Job>, sqlx::Error> {
    select_jobs!(
        "where j.next_run_at <= now() order by j.next_run_at limit $1 for update skip locked",
        limit
    )
    .fetch_all(db)
    .await
}

/// Sets when a job's schedule next fires.
pub async fn set_next_run(
    db: impl PgExecutor<'_>,
    job_id: Uuid,
    at: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    sqlx::query!("update jobs set next_run_at = $2 where id = $1", job_id, at)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether the job has a run waiting or going (a schedule does not pile runs up behind one).
pub async fn has_active_run(db: impl PgExecutor<'_>, job_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from runs where job_id = $1 and status in ('queued', 'running')) as "active!""#,
        job_id
    )
    .fetch_one(db)
    .await
}

/// Keeps a moved workspace's waiting runs in step with its new region (the caller announces
/// the new region's queue once committed).
pub async fn follow_workspace(
    db: &mut sqlx::PgConnection,
    workspace_id: Uuid,
    region_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update runs set region_id = $2 where workspace_id = $1 and status = 'queued'",
        workspace_id,
        region_id
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Records a deployment a data plane of the workspace's region reports; false when the
/// workspace is not in that region (nothing is recorded). Reporting the same version again
/// changes nothing.
pub async fn record_deployment(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
    deployment: &Deployment,
) -> Result<bool, sqlx::Error> {
    let recorded = sqlx::query_scalar!(
        r#"with ws as (select id from workspaces where id = $1 and region_id = $2),
                added as (
                    insert into deployments (workspace_id, name, version, digest, size_bytes, created_at)
                    select id, $3, $4, $5, $6, $7 from ws
                    on conflict (workspace_id, name, version) do nothing)
           select exists (select 1 from ws) as "known!""#,
        deployment.workspace_id,
        region_id,
        deployment.name,
        deployment.version,
        deployment.digest,
        deployment.size_bytes,
        deployment.created_at
    )
    .fetch_one(db)
    .await?;
    Ok(recorded)
}

/// The latest version of each deployment of a workspace, by name.
pub async fn latest_deployments(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<Deployment>, sqlx::Error> {
    sqlx::query_as!(
        Deployment,
        "select distinct on (name) workspace_id, name, version, digest, size_bytes, created_at
         from deployments where workspace_id = $1
         order by name, version desc",
        workspace_id
    )
    .fetch_all(db)
    .await
}
