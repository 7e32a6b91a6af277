//! Jobs and runs: creating, changing and deleting jobs, running them now, cancelling runs
//! (people, through either door), and the data planes' side of the queue: claiming a run of
//! their region (waiting for one, a long poll), renewing its lease, reporting its end, and
//! reporting deployments. Runs that fail or are lost are tried again as their job allows; the
//! periodic sweep ([`expire_leases`]) finds runs whose data plane disappeared, and
//! [`queue_scheduled`] queues the runs schedules call for.

use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

use super::change;
use crate::auth::OrgAccess;
use crate::dataplane::protocol::{self, Assignment, DeploymentReport, FinishRequest};
use crate::db::{self, work::JobFields};
use crate::domain::{
    Action, DEFAULT_TIMEOUT_SECONDS, Deployment, DeploymentName, Job, MAX_RETRIES,
    MAX_TIMEOUT_SECONDS, Name, Run, RunStatus, Schedule, WorkspaceRole,
};
use crate::error::{AppError, AppResult};
use crate::queue::Wakeups;
use crate::state::AppState;

/// A job as asked for, not yet checked: from a form or an API body.
#[derive(Clone, Debug, Default)]
pub struct JobInput {
    pub name: Option<String>,
    pub deployment: Option<String>,
    /// `Some("")` removes the schedule.
    pub schedule: Option<String>,
    pub timeout_seconds: Option<i64>,
    pub retries: Option<i64>,
}

/// A job's fields, checked.
#[derive(Clone, Debug)]
pub struct JobSpec {
    pub name: Name,
    pub deployment: DeploymentName,
    pub schedule: Option<Schedule>,
    pub timeout_seconds: i32,
    pub retries: i32,
}

impl JobSpec {
    /// `input` over `base` (what the job is now, or the defaults of a new job); every broken
    /// rule is reported beside its field at once.
    fn parse(input: &JobInput, base: Option<&Job>) -> AppResult<JobSpec> {
        let name = input
            .name
            .clone()
            .or_else(|| base.map(|b| b.name.clone()))
            .unwrap_or_default();
        let deployment = input
            .deployment
            .clone()
            .or_else(|| base.map(|b| b.deployment.clone()))
            .unwrap_or_default();
        let schedule = input
            .schedule
            .clone()
            .or_else(|| base.and_then(|b| b.schedule.clone()))
            .filter(|s| !s.trim().is_empty());
        let timeout = input
            .timeout_seconds
            .or(base.map(|b| i64::from(b.timeout_seconds)))
            .unwrap_or(i64::from(DEFAULT_TIMEOUT_SECONDS));
        let retries = input
            .retries
            .or(base.map(|b| i64::from(b.retries)))
            .unwrap_or(0);
        let name = Name::parse(&name).map_err(|m| AppError::invalid("name", m));
        let deployment =
            DeploymentName::parse(&deployment).map_err(|m| AppError::invalid("deployment", m));
        let schedule = schedule
            .map(|s| Schedule::parse(&s))
            .transpose()
            .map_err(|m| AppError::invalid("schedule", m));
        let timeout = i32::try_from(timeout)
            .ok()
            .filter(|t| (1..=MAX_TIMEOUT_SECONDS).contains(t))
            .ok_or_else(|| {
                AppError::invalid(
                    "timeout_seconds",
                    format!(
                        "Give a time limit from 1 to {MAX_TIMEOUT_SECONDS} seconds (24 hours)."
                    ),
                )
            });
        let retries = i32::try_from(retries)
            .ok()
            .filter(|r| (0..=MAX_RETRIES).contains(r))
            .ok_or_else(|| {
                AppError::invalid(
                    "retries",
                    format!("Give a number of retries from 0 to {MAX_RETRIES}."),
                )
            });
        match (name, deployment, schedule, timeout, retries) {
            (Ok(name), Ok(deployment), Ok(schedule), Ok(timeout_seconds), Ok(retries)) => {
                Ok(JobSpec {
                    name,
                    deployment,
                    schedule,
                    timeout_seconds,
                    retries,
                })
            }
            (name, deployment, schedule, timeout, retries) => Err(AppError::merge(
                [
                    name.err(),
                    deployment.err(),
                    schedule.err(),
                    timeout.err(),
                    retries.err(),
                ]
                .into_iter()
                .flatten(),
            )
            .unwrap_or_else(AppError::internal)),
        }
    }

    fn fields(&self, now: OffsetDateTime) -> JobFields<'_> {
        JobFields {
            name: self.name.as_str(),
            deployment: self.deployment.as_str(),
            schedule: self.schedule.as_ref().map(Schedule::as_str),
            next_run_at: self.schedule.as_ref().and_then(|s| s.next_after(now)),
            timeout_seconds: self.timeout_seconds,
            retries: self.retries,
        }
    }
}

/// Creates a job in a workspace (workspace editors and admins).
pub async fn create_job(
    state: &AppState,
    access: &OrgAccess,
    workspace_id: Uuid,
    input: &JobInput,
) -> AppResult<Job> {
    let mut tx = state.pool.begin().await?;
    access
        .require_workspace(&mut *tx, workspace_id, WorkspaceRole::Editor)
        .await?;
    let spec = JobSpec::parse(input, None)?;
    let id = db::work::create_job(
        &mut *tx,
        access.organization_id,
        workspace_id,
        &spec.fields(OffsetDateTime::now_utc()),
    )
    .await?;
    let job = db::work::job(&mut *tx, access.organization_id, id)
        .await?
        .ok_or_else(AppError::internal)?;
    change::record_created(&mut tx, access, Action::JobCreate, &job).await?;
    tx.commit().await?;
    Ok(job)
}

/// Changes a job; fields left out keep their value. Returns the job before and after.
pub async fn update_job(
    state: &AppState,
    access: &OrgAccess,
    job_id: Uuid,
    input: &JobInput,
    revision: Option<i32>,
) -> AppResult<(Job, Job)> {
    let mut tx = state.pool.begin().await?;
    let before =
        change::found(db::work::lock_job(&mut *tx, access.organization_id, job_id).await?)?;
    access
        .require_workspace(&mut *tx, before.workspace_id, WorkspaceRole::Editor)
        .await?;
    let spec = JobSpec::parse(input, Some(&before))?;
    let fields = spec.fields(OffsetDateTime::now_utc());
    let changes = fields.name != before.name
        || fields.deployment != before.deployment
        || fields.schedule != before.schedule.as_deref()
        || fields.timeout_seconds != before.timeout_seconds
        || fields.retries != before.retries;
    let Some(at) = change::revision_to_write(&before, revision, changes)? else {
        return Ok((before.clone(), before));
    };
    // An unchanged schedule keeps its next time (it may be due right now).
    let fields = JobFields {
        next_run_at: if fields.schedule == before.schedule.as_deref() {
            before.next_run_at
        } else {
            fields.next_run_at
        },
        ..fields
    };
    let written = if db::work::update_job(&mut *tx, job_id, &fields, at).await? {
        db::work::job(&mut *tx, access.organization_id, job_id).await?
    } else {
        None
    };
    let after =
        change::record_update(&mut tx, access, &before, written, |_, _| Action::JobUpdate).await?;
    tx.commit().await?;
    Ok((before, after))
}

/// Deletes a job and its runs' records. A run still going is ended by its data plane, which
/// hears at its next renewal that the run is no longer its to run.
pub async fn delete_job(
    state: &AppState,
    access: &OrgAccess,
    job_id: Uuid,
    revision: Option<i32>,
) -> AppResult<Job> {
    let mut tx = state.pool.begin().await?;
    let job = change::found(db::work::lock_job(&mut *tx, access.organization_id, job_id).await?)?;
    access
        .require_workspace(&mut *tx, job.workspace_id, WorkspaceRole::Editor)
        .await?;
    if !db::work::delete_job(&mut *tx, job_id, revision.unwrap_or(job.revision)).await? {
        return Err(AppError::stale("job"));
    }
    change::record_deleted(&mut tx, access, Action::JobDelete, &job).await?;
    tx.commit().await?;
    Ok(job)
}

/// Queues a run of a job now, in its workspace's region. The run waits, with its reason
/// shown, while the region has no healthy data plane to take it.
pub async fn run_now(state: &AppState, access: &OrgAccess, job_id: Uuid) -> AppResult<Run> {
    let mut tx = state.pool.begin().await?;
    let job = change::found(db::work::lock_job(&mut *tx, access.organization_id, job_id).await?)?;
    access
        .require_workspace(&mut *tx, job.workspace_id, WorkspaceRole::Editor)
        .await?;
    let workspace = db::workspaces::get(&mut *tx, access.organization_id, job.workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let run_id = db::work::queue_run(
        &mut tx,
        &job,
        workspace.region_id,
        "manual",
        1,
        None,
        &access.actor.label,
    )
    .await?;
    let event = super::event(access, Action::JobRun, job.id, &job.name).after(&serde_json::json!({
        "runId": run_id,
        "regionId": workspace.region_id,
        "region": workspace.region_name,
    }));
    super::record(&mut tx, access, event).await?;
    let run = db::work::run(
        &mut *tx,
        healthy_within(state),
        access.organization_id,
        run_id,
    )
    .await?
    .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    state.wakeups.announce(workspace.region_id);
    Ok(run)
}

/// Cancels a run: at once when it still waits, else its data plane ends its processes when
/// it next renews the run's lease (within seconds).
pub async fn cancel_run(state: &AppState, access: &OrgAccess, run_id: Uuid) -> AppResult<Run> {
    let mut tx = state.pool.begin().await?;
    let run = db::work::run(
        &mut *tx,
        healthy_within(state),
        access.organization_id,
        run_id,
    )
    .await?
    .ok_or_else(|| AppError::not_found("run"))?;
    access
        .require_workspace(&mut *tx, run.workspace_id, WorkspaceRole::Editor)
        .await?;
    if run.status().is_final() {
        return Err(AppError::conflict(
            None,
            format!("This run already ended ({}).", run.status()),
        ));
    }
    let reason = format!("Cancelled by {}.", access.actor.label);
    if db::work::cancel_run(&mut *tx, run_id, &reason).await? {
        let event = super::event(access, Action::RunCancel, run.id, &run.job_name)
            .before(&serde_json::json!({ "status": run.status }));
        super::record(&mut tx, access, event).await?;
    }
    let after = db::work::run(
        &mut *tx,
        healthy_within(state),
        access.organization_id,
        run_id,
    )
    .await?
    .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    Ok(after)
}

/// How recent a heartbeat must be for a data plane to count as able to take a queued run.
pub fn healthy_within(state: &AppState) -> f64 {
    state.config.health.healthy_within.as_seconds_f64()
}

/// How often a data plane that may not take work (disabled, draining) looks again while it
/// waits for a run.
const INELIGIBLE_RECHECK: Duration = Duration::from_secs(2);

fn lease_secs(state: &AppState) -> f64 {
    state.config.run_lease.as_seconds_f64()
}

/// A data plane asks for a run of its region: the oldest queued one, or, when there is none,
/// the first queued within `wait` (`None` after that). A data plane that may not take work
/// (disabled, draining, or its region disabled) waits and gets nothing.
pub async fn claim(
    state: &AppState,
    credential_id: Uuid,
    wait: Duration,
) -> AppResult<Option<Assignment>> {
    let wait = wait.min(Duration::from_secs(protocol::MAX_CLAIM_WAIT_SECS));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let claimant = db::work::claimant(&state.pool, credential_id)
            .await?
            .ok_or_else(|| {
                AppError::new(
                    crate::error::ErrorKind::Unauthenticated,
                    "These credentials were revoked or the data plane was deleted.",
                )
            })?;
        if !claimant.may_take_work {
            // Disabled or draining: look again now and then (being enabled, or undrained,
            // takes effect within that), without taking wake-ups meant for the region's
            // data planes that may work.
            let again = (tokio::time::Instant::now() + INELIGIBLE_RECHECK).min(deadline);
            tokio::time::sleep_until(again).await;
            if again >= deadline {
                return Ok(None);
            }
            continue;
        }
        let wakeup = state.wakeups.of(claimant.region_id);
        // Listen before looking, so a run queued between the look and the wait still wakes us.
        let notified = wakeup.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(run) = db::work::claim(
            &state.pool,
            claimant.data_plane_id,
            claimant.region_id,
            lease_secs(state),
        )
        .await?
        {
            return Ok(Some(Assignment {
                run_id: run.id,
                job_id: run.job_id,
                job_name: run.job_name,
                workspace_id: run.workspace_id,
                deployment: run.deployment,
                timeout_seconds: u32::try_from(run.timeout_seconds).unwrap_or(1),
                attempt: u32::try_from(run.attempt).unwrap_or(1),
                lease_seconds: state.config.run_lease.whole_seconds().max(1) as u64,
            }));
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => return Ok(None),
        }
    }
}

/// The data plane is still running the run: extends its lease. `Ok(None)` when the run is no
/// longer its to run (the lease expired, the job was deleted): it must stop it.
pub async fn renew(
    state: &AppState,
    data_plane_id: Uuid,
    run_id: Uuid,
    deployment_version: Option<i32>,
) -> AppResult<Option<bool>> {
    let renewed = db::work::renew(
        &state.pool,
        data_plane_id,
        run_id,
        lease_secs(state),
        deployment_version,
    )
    .await?;
    Ok(renewed.map(|r| r.cancel_requested))
}

/// The data plane reports how a run ended; a failed run is tried again when its job allows.
/// `Ok(false)` when the run was not its own to report (any more).
pub async fn finish(
    state: &AppState,
    data_plane_id: Uuid,
    run_id: Uuid,
    report: &FinishRequest,
) -> AppResult<bool> {
    let status = match RunStatus::parse(&report.status) {
        Some(s @ (RunStatus::Succeeded | RunStatus::Failed | RunStatus::Cancelled)) => s,
        _ => {
            return Err(AppError::invalid(
                "status",
                "A run ends as succeeded, failed or cancelled.",
            ));
        }
    };
    let reason = report
        .reason
        .as_deref()
        .map(|r| clip(r, 500))
        .filter(|r| !r.is_empty());
    let mut tx = state.pool.begin().await?;
    let ended = db::work::finish(
        &mut *tx,
        data_plane_id,
        run_id,
        &db::work::Outcome {
            status,
            exit_code: report.exit_code,
            output_bytes: report.output_bytes.map(|b| b.max(0)),
            deployment_version: report.deployment_version,
            reason: reason.as_deref(),
        },
    )
    .await?;
    let Some(ended) = ended else {
        return Ok(false);
    };
    let retried = retry_if_allowed(&mut tx, &ended).await?;
    tx.commit().await?;
    if let Some(region) = retried {
        state.wakeups.announce(region);
    }
    Ok(true)
}

/// Queues the next attempt of a run that failed or was lost, when its job has retries left;
/// returns the region it was queued in, to announce once committed.
async fn retry_if_allowed(
    tx: &mut sqlx::PgConnection,
    ended: &db::work::Ended,
) -> AppResult<Option<Uuid>> {
    if !matches!(ended.status.as_str(), "failed" | "lost") {
        return Ok(None);
    }
    let Some(job) = db::work::find_job(&mut *tx, ended.job_id).await? else {
        return Ok(None);
    };
    if ended.attempt > job.retries {
        return Ok(None);
    }
    let region = db::workspaces::find_any_org(&mut *tx, job.workspace_id)
        .await?
        .map_or(ended.region_id, |w| w.region_id);
    db::work::queue_run(
        tx,
        &job,
        region,
        "retry",
        ended.attempt + 1,
        Some(ended.id),
        "retry",
    )
    .await?;
    Ok(Some(region))
}

/// One sweep of the leases: runs of data planes that went silent are lost (and tried again
/// when their job allows); claims never acknowledged go back to the queue. Returns how many
/// runs were lost.
pub async fn expire_leases(pool: &sqlx::PgPool, wakeups: &Wakeups) -> AppResult<usize> {
    let mut tx = pool.begin().await?;
    let (mut regions, lost) = db::work::expire_leases(&mut tx).await?;
    for ended in &lost {
        regions.extend(retry_if_allowed(&mut tx, ended).await?);
    }
    tx.commit().await?;
    announce_all(wakeups, regions);
    Ok(lost.len())
}

/// Announces each region once.
fn announce_all(wakeups: &Wakeups, mut regions: Vec<Uuid>) {
    regions.sort_unstable();
    regions.dedup();
    for region in regions {
        wakeups.announce(region);
    }
}

/// Queues a run of every job whose schedule is due and sets its next time. A job whose last
/// run still waits or runs is skipped this time (runs do not pile up behind a region without
/// a data plane). Safe on several replicas at once: each due job is taken by one.
pub async fn queue_scheduled(pool: &sqlx::PgPool, wakeups: &Wakeups) -> AppResult<usize> {
    let mut tx = pool.begin().await?;
    let due = db::work::due_jobs(&mut *tx, 100).await?;
    let now = OffsetDateTime::now_utc();
    let mut regions = Vec::new();
    for job in &due {
        let next = job
            .schedule
            .as_deref()
            .and_then(|s| Schedule::parse(s).ok())
            .and_then(|s| s.next_after(now));
        db::work::set_next_run(&mut *tx, job.id, next).await?;
        if db::work::has_active_run(&mut *tx, job.id).await? {
            continue;
        }
        let Some(workspace) = db::workspaces::find_any_org(&mut *tx, job.workspace_id).await?
        else {
            continue;
        };
        db::work::queue_run(
            &mut tx,
            job,
            workspace.region_id,
            "schedule",
            1,
            None,
            "schedule",
        )
        .await?;
        regions.push(workspace.region_id);
    }
    tx.commit().await?;
    let queued = regions.len();
    announce_all(wakeups, regions);
    Ok(queued)
}

/// A data plane reports a deployment uploaded to its region: recorded when the workspace
/// lives in that region (a data plane cannot speak for another region's workspaces).
pub async fn report_deployment(
    state: &AppState,
    data_plane_id: Uuid,
    report: &DeploymentReport,
) -> AppResult<()> {
    let name = DeploymentName::parse(&report.name).map_err(|m| AppError::invalid("name", m))?;
    if report.version < 1 || report.size_bytes < 0 {
        return Err(AppError::invalid("version", "Versions count from 1."));
    }
    let digest = report.digest.trim();
    let well_formed = digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if !well_formed {
        return Err(AppError::invalid(
            "digest",
            "A digest reads sha256:<64 hex digits>.",
        ));
    }
    let region_id = db::work::region_of_data_plane(&state.pool, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    let known = db::work::record_deployment(
        &state.pool,
        region_id,
        &Deployment {
            workspace_id: report.workspace_id,
            name: name.as_str().to_owned(),
            version: report.version,
            digest: digest.to_owned(),
            size_bytes: report.size_bytes,
            created_at: report.created_at,
        },
    )
    .await?;
    if !known {
        return Err(AppError::not_found("workspace"));
    }
    Ok(())
}

/// At most `max` characters, without control characters.
fn clip(raw: &str, max: usize) -> String {
    raw.chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .take(max)
        .collect()
}
