//! Workspace > Jobs: a workspace's jobs and their runs, creating and changing jobs, running
//! them now, cancelling runs; and a run's page, which frames the run's log as the region's
//! data plane serves it (the control plane never holds a log line).

// A job form's fields are server function arguments, one each.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Deployment, Job, Run, Workspace, WorkspaceRole};
use crate::error::AppError;
use crate::fragments::LiveFragment;
#[cfg(feature = "ssr")]
use crate::fragments::{RunFacts, RunRow};
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    db::work::RunFilter,
    domain::OrgRole,
    ops::{self, work::JobInput},
    paths,
    server_fns::context::Ctx,
};

/// How many recent runs the pages list.
pub const RECENT_RUNS: i64 = 25;

/// A job with its latest run, for the jobs list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub job: Job,
    pub last_run: Option<Run>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobsData {
    pub meta: PageMeta,
    pub workspace: Workspace,
    pub role: WorkspaceRole,
    pub jobs: Vec<JobRow>,
    /// The workspace's latest runs, newest first.
    pub runs: Vec<Run>,
    /// The latest version of each deployment the region has reported.
    pub deployments: Vec<Deployment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobData {
    pub meta: PageMeta,
    pub workspace: Workspace,
    pub role: WorkspaceRole,
    pub job: Job,
    pub runs: Vec<Run>,
    /// The latest version of the job's deployment, if the region reported one.
    pub deployment: Option<Deployment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    pub meta: PageMeta,
    pub workspace: Workspace,
    pub role: WorkspaceRole,
    pub run: Run,
    /// The log as the region's data plane serves it, scoped token included, for the page to
    /// frame; `None` before the run started or when no data plane of the region can be
    /// reached.
    pub log_url: Option<String>,
    /// Where the log is served from.
    pub served_by: Option<String>,
}

/// The workspace of the organization, and the caller's role on it.
#[cfg(feature = "ssr")]
async fn workspace_and_role(
    ctx: &Ctx,
    access: &crate::auth::OrgAccess,
    workspace_id: Uuid,
) -> Result<(Workspace, WorkspaceRole), AppError> {
    let workspace = db::workspaces::get(ctx.pool(), access.organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let role = access.workspace_role(ctx.pool(), workspace_id).await?;
    Ok((workspace, role))
}

/// Page metadata where "may manage" means may change the workspace's jobs.
#[cfg(feature = "ssr")]
async fn meta(
    ctx: &Ctx,
    access: &crate::auth::OrgAccess,
    role: WorkspaceRole,
    path: &str,
) -> Result<PageMeta, AppError> {
    let mut meta = PageMeta::load(ctx, access, path).await?;
    meta.can_manage = role >= WorkspaceRole::Editor;
    Ok(meta)
}

#[server(endpoint = "jobs/page")]
pub async fn jobs_page(organization_id: Uuid, workspace_id: Uuid) -> Result<JobsData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let (workspace, role) = workspace_and_role(&ctx, &access, workspace_id).await?;
    let healthy = ops::work::healthy_within(&ctx.state);
    let filter = RunFilter {
        workspace_id,
        job_id: None,
        status: None,
        limit: RECENT_RUNS,
        offset: 0,
    };
    let (jobs, runs, deployments) = tokio::try_join!(
        db::work::jobs_of(ctx.pool(), workspace_id),
        db::work::runs(ctx.pool(), healthy, &filter),
        db::work::latest_deployments(ctx.pool(), workspace_id),
    )?;
    let last_runs = db::work::last_runs(ctx.pool(), healthy, workspace_id).await?;
    let jobs = jobs
        .into_iter()
        .map(|job| JobRow {
            last_run: last_runs.iter().find(|r| r.job_id == job.id).cloned(),
            job,
        })
        .collect();
    Ok(JobsData {
        meta: meta(
            &ctx,
            &access,
            role,
            &paths::jobs(organization_id, workspace_id),
        )
        .await?,
        workspace,
        role,
        jobs,
        runs,
        deployments,
    })
}

#[server(endpoint = "jobs/detail")]
pub async fn job_page(
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Uuid,
) -> Result<JobData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let (workspace, role) = workspace_and_role(&ctx, &access, workspace_id).await?;
    let job = db::work::job(ctx.pool(), organization_id, job_id)
        .await?
        .filter(|j| j.workspace_id == workspace_id)
        .ok_or_else(|| AppError::not_found("job"))?;
    let filter = RunFilter {
        workspace_id,
        job_id: Some(job_id),
        status: None,
        limit: RECENT_RUNS,
        offset: 0,
    };
    let (runs, deployments) = tokio::try_join!(
        db::work::runs(ctx.pool(), ops::work::healthy_within(&ctx.state), &filter),
        db::work::latest_deployments(ctx.pool(), workspace_id),
    )?;
    Ok(JobData {
        meta: meta(
            &ctx,
            &access,
            role,
            &paths::job(organization_id, workspace_id, job_id),
        )
        .await?,
        deployment: deployments.into_iter().find(|d| d.name == job.deployment),
        workspace,
        role,
        job,
        runs,
    })
}

#[server(endpoint = "runs/detail")]
pub async fn run_page(
    organization_id: Uuid,
    workspace_id: Uuid,
    run_id: Uuid,
) -> Result<RunData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let (workspace, role) = workspace_and_role(&ctx, &access, workspace_id).await?;
    let run = find_run(&ctx, organization_id, workspace_id, run_id).await?;
    let (log_url, served_by) = if run.started_at.is_some() {
        log_frame(&ctx, &access, &run).await?
    } else {
        (None, None)
    };
    Ok(RunData {
        meta: meta(
            &ctx,
            &access,
            role,
            &paths::run(organization_id, workspace_id, run_id),
        )
        .await?,
        workspace,
        role,
        run,
        log_url,
        served_by,
    })
}

#[cfg(feature = "ssr")]
async fn find_run(
    ctx: &Ctx,
    organization_id: Uuid,
    workspace_id: Uuid,
    run_id: Uuid,
) -> Result<Run, AppError> {
    db::work::run(
        ctx.pool(),
        ops::work::healthy_within(&ctx.state),
        organization_id,
        run_id,
    )
    .await?
    .filter(|r| r.workspace_id == workspace_id)
    .ok_or_else(|| AppError::not_found("run"))
}

/// The run's log page at a data plane of the region (the one that ran it, when it is still
/// reachable; its region's store holds the log), with a scoped token (audited), and lets the
/// page frame it.
#[cfg(feature = "ssr")]
async fn log_frame(
    ctx: &Ctx,
    access: &crate::auth::OrgAccess,
    run: &Run,
) -> Result<(Option<String>, Option<String>), AppError> {
    let grant = ops::scoped_tokens::issue(&ctx.state, access, run.workspace_id).await?;
    let ran_on = match run.data_plane_id {
        Some(id) => db::data_planes::get(ctx.pool(), access.organization_id, id)
            .await?
            .and_then(|d| d.url),
        None => None,
    };
    let live = grant.dataplane_urls.iter().take(grant.live);
    let chosen = ran_on
        .iter()
        .filter(|u| grant.dataplane_urls.contains(u))
        .chain(live)
        .find_map(|raw| crate::domain::RegionalUrl::parse(raw).ok());
    let Some(url) = chosen else {
        return Ok((None, None));
    };
    ctx.allow_frames_from(url.origin());
    let follow = if run.status().is_final() {
        ""
    } else {
        "&follow=true"
    };
    Ok((
        Some(format!(
            "{}/v1/runs/{}/logs/view?token={}{follow}",
            url.as_str(),
            run.id,
            grant.token
        )),
        Some(url.as_str().to_owned()),
    ))
}

/// The latest runs of a workspace (or of one job), or one run's facts, rendered as they are
/// now: for the pages that keep them current.
#[server(endpoint = "runs/fragment")]
pub async fn runs_fragment(
    organization_id: Uuid,
    workspace_id: Uuid,
    #[server(default)] job_id: Option<Uuid>,
    #[server(default)] run_id: Option<Uuid>,
) -> Result<LiveFragment, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    workspace_and_role(&ctx, &access, workspace_id).await?;
    let now = time::OffsetDateTime::now_utc();
    if let Some(run_id) = run_id {
        let run = find_run(&ctx, organization_id, workspace_id, run_id).await?;
        return Ok(LiveFragment::facts(RunFacts::of(&run, now)));
    }
    let filter = RunFilter {
        workspace_id,
        job_id,
        status: None,
        limit: RECENT_RUNS,
        offset: 0,
    };
    let runs = db::work::runs(ctx.pool(), ops::work::healthy_within(&ctx.state), &filter).await?;
    Ok(LiveFragment::table(RunRow::all(&runs, now)))
}

/// A number field: empty means "the default".
#[cfg(feature = "ssr")]
fn number(field: &str, raw: &str, rule: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, rule))
}

#[cfg(feature = "ssr")]
fn job_input(
    name: &str,
    deployment: &str,
    schedule: &str,
    timeout_seconds: &str,
    retries: &str,
) -> Result<JobInput, AppError> {
    let timeout = number(
        "timeout_seconds",
        timeout_seconds,
        "Give the time limit in whole seconds.",
    );
    let retries = number("retries", retries, "Give the retries as a whole number.");
    match (timeout, retries) {
        (Ok(timeout_seconds), Ok(retries)) => Ok(JobInput {
            name: Some(name.to_owned()),
            deployment: Some(deployment.to_owned()),
            schedule: Some(schedule.to_owned()),
            timeout_seconds,
            retries,
        }),
        (t, r) => Err(AppError::merge([t.err(), r.err()].into_iter().flatten())
            .unwrap_or_else(AppError::internal)),
    }
}

/// Creates a job (no `job_id`) or saves one (`job_id` and the `revision` the form was loaded
/// at): one server function for both forms, so the browser carries one.
#[server(endpoint = "jobs/save")]
pub async fn save_job(
    organization_id: Uuid,
    workspace_id: Uuid,
    #[server(default)] job_id: Option<Uuid>,
    #[server(default)] revision: Option<i32>,
    name: String,
    deployment: String,
    #[server(default)] schedule: String,
    #[server(default)] timeout_seconds: String,
    #[server(default)] retries: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let echo = [
        ("name", name.as_str()),
        ("deployment", deployment.as_str()),
        ("schedule", schedule.as_str()),
        ("timeout_seconds", timeout_seconds.as_str()),
        ("retries", retries.as_str()),
    ];
    if let Some(job_id) = job_id {
        own_job(&ctx, organization_id, workspace_id, job_id).await?;
    }
    let input = job_input(&name, &deployment, &schedule, &timeout_seconds, &retries)
        .map_err(|e| e.with_input(echo))?;
    let (job, notice) = match job_id {
        None => {
            let job = ops::work::create_job(&ctx.state, &access, workspace_id, &input)
                .await
                .map_err(|e| e.with_input(echo))?;
            let notice = format!("Job {} created.", job.name);
            (job, notice)
        }
        Some(job_id) => {
            let (_, job) = ops::work::update_job(&ctx.state, &access, job_id, &input, revision)
                .await
                .map_err(|e| e.with_input(echo))?;
            let notice = format!("Job {} saved.", job.name);
            (job, notice)
        }
    };
    ctx.redirect_with_notice(&paths::job(organization_id, workspace_id, job.id), notice)
        .await
}

/// The job, when it belongs to the workspace (of the organization).
#[cfg(feature = "ssr")]
async fn own_job(
    ctx: &Ctx,
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Uuid,
) -> Result<Job, AppError> {
    db::work::job(ctx.pool(), organization_id, job_id)
        .await?
        .filter(|j| j.workspace_id == workspace_id)
        .ok_or_else(|| AppError::not_found("job"))
}

#[server(endpoint = "jobs/delete")]
pub async fn delete_job(
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Uuid,
    revision: i32,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let job = own_job(&ctx, organization_id, workspace_id, job_id).await?;
    let deleted = ops::work::delete_job(&ctx.state, &access, job.id, Some(revision)).await?;
    ctx.redirect_with_notice(
        &paths::jobs(organization_id, workspace_id),
        format!("Job {} deleted.", deleted.name),
    )
    .await
}

#[server(endpoint = "jobs/run")]
pub async fn run_job(
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Uuid,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let job = own_job(&ctx, organization_id, workspace_id, job_id).await?;
    let run = ops::work::run_now(&ctx.state, &access, job.id).await?;
    let notice = match &run.reason {
        Some(reason) => format!("Run of {} queued. {reason}", job.name),
        None => format!("Run of {} queued.", job.name),
    };
    ctx.redirect_with_notice(&paths::run(organization_id, workspace_id, run.id), notice)
        .await
}

#[server(endpoint = "runs/cancel")]
pub async fn cancel_run(
    organization_id: Uuid,
    workspace_id: Uuid,
    run_id: Uuid,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let run = find_run(&ctx, organization_id, workspace_id, run_id).await?;
    let after = ops::work::cancel_run(&ctx.state, &access, run.id).await?;
    let notice = if after.status().is_final() {
        "Run cancelled.".to_owned()
    } else {
        "Cancelling: the data plane stops the run's processes within seconds.".to_owned()
    };
    ctx.redirect_with_notice(&paths::run(organization_id, workspace_id, run_id), notice)
        .await
}
