//! `/jobs` and `/runs`: what a workspace runs in its region, and how each run went. Metadata
//! only: a run's logs and output files are read from the region's data planes with a scoped
//! token (`GET /v1/runs/{runId}/logs` there), never through here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, path_id};
use super::problem::ApiResult;
use super::timestamp;
use crate::auth::OrgAccess;
use crate::db::{self, work::RunFilter};
use crate::domain::{Job, OrgRole, Run, RunStatus, WorkspaceRole};
use crate::error::AppError;
use crate::ops::{self, work::JobInput};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobResponse {
    pub job_id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// The deployment (by name) whose latest version in the region each run executes.
    pub deployment: String,
    /// Five cron fields in UTC; null for a job run by hand only.
    pub schedule: Option<String>,
    /// RFC 3339: when the schedule next queues a run.
    pub next_run_at: Option<String>,
    pub timeout_seconds: i32,
    pub retries: i32,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<Job> for JobResponse {
    fn from(j: Job) -> Self {
        JobResponse {
            job_id: j.id,
            workspace_id: j.workspace_id,
            name: j.name,
            deployment: j.deployment,
            schedule: j.schedule,
            next_run_at: j.next_run_at.map(timestamp),
            timeout_seconds: j.timeout_seconds,
            retries: j.retries,
            created_at: timestamp(j.created_at),
            updated_at: timestamp(j.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobsResponse {
    pub data: Vec<JobResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobCreateRequest {
    pub workspace_id: Uuid,
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique in the workspace).
    pub name: String,
    /// The name a deployment was (or will be) uploaded under to the region's data planes.
    pub deployment: String,
    /// Five cron fields in UTC, e.g. "0 3 * * *"; absent or empty to run by hand only.
    #[serde(default)]
    pub schedule: Option<String>,
    /// 1 to 86400; default 3600.
    #[serde(default)]
    pub timeout_seconds: Option<i64>,
    /// How many times a failed or lost run is tried again: 0 to 10; default 0.
    #[serde(default)]
    pub retries: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobUpdateRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub deployment: Option<String>,
    /// Empty string removes the schedule.
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub timeout_seconds: Option<i64>,
    #[serde(default)]
    pub retries: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunResponse {
    pub run_id: Uuid,
    pub job_id: Uuid,
    pub job_name: String,
    pub workspace_id: Uuid,
    pub region_id: Uuid,
    /// queued, running, succeeded, failed, cancelled or lost.
    #[schema(pattern = "^(queued|running|succeeded|failed|cancelled|lost)$")]
    pub status: String,
    /// The data plane that ran (or runs) it.
    pub dataplane_id: Option<Uuid>,
    pub exit_code: Option<i32>,
    /// RFC 3339.
    pub queued_at: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    /// Why it ended as it did, or why a queued run waits ("No healthy data plane in region …").
    pub reason: Option<String>,
    /// manual, schedule or retry.
    pub trigger: String,
    /// 1 for the first try, 2 for the first retry, ...
    pub attempt: i32,
    pub deployment: String,
    pub deployment_version: Option<i32>,
    pub duration_seconds: Option<i64>,
    /// Bytes of output files kept in the region.
    pub output_bytes: Option<i64>,
    pub cancel_requested: bool,
}

impl From<Run> for RunResponse {
    fn from(r: Run) -> Self {
        RunResponse {
            duration_seconds: r.duration_seconds(time::OffsetDateTime::now_utc()),
            run_id: r.id,
            job_id: r.job_id,
            job_name: r.job_name,
            workspace_id: r.workspace_id,
            region_id: r.region_id,
            status: r.status,
            dataplane_id: r.data_plane_id,
            exit_code: r.exit_code,
            queued_at: timestamp(r.queued_at),
            started_at: r.started_at.map(timestamp),
            ended_at: r.ended_at.map(timestamp),
            reason: r.reason,
            trigger: r.trigger,
            attempt: r.attempt,
            deployment: r.deployment,
            deployment_version: r.deployment_version,
            output_bytes: r.output_bytes,
            cancel_requested: r.cancel_requested,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RunsResponse {
    pub data: Vec<RunResponse>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct JobListParams {
    #[param(rename = "workspaceId")]
    workspace_id: Uuid,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RunListParams {
    /// The runs of this job (or give workspaceId).
    #[param(rename = "jobId")]
    job_id: Option<Uuid>,
    /// The runs of every job of this workspace.
    #[param(rename = "workspaceId")]
    workspace_id: Option<Uuid>,
    /// Only runs in this state.
    status: Option<String>,
    /// Page size, 1 to 100 (default 20), newest first.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i32>,
    #[param(minimum = 0)]
    offset: Option<i32>,
}

/// The caller's access to a workspace's organization, with at least `needed` on the workspace.
async fn workspace_access(
    state: &AppState,
    caller: &Caller,
    workspace_id: Uuid,
    needed: WorkspaceRole,
) -> ApiResult<OrgAccess> {
    let workspace = db::workspaces::find_any_org(&state.pool, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let access = caller
        .access_object(
            state,
            workspace.organization_id,
            OrgRole::Member,
            "workspace",
        )
        .await?;
    access
        .require_workspace(&state.pool, workspace_id, needed)
        .await?;
    Ok(access)
}

/// A job the caller may at least read, and their access.
async fn load_job(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<(Job, OrgAccess)> {
    let id = path_id("job_id", raw)?;
    let job = db::work::find_job(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::not_found("job"))?;
    let access = caller
        .access_object(state, job.organization_id, OrgRole::Member, "job")
        .await?;
    access
        .require_workspace(&state.pool, job.workspace_id, WorkspaceRole::Reader)
        .await
        .map_err(|_| AppError::not_found("job"))?;
    Ok((job, access))
}

/// Create a job: a deployment of the workspace to run by hand or on a schedule, in the
/// workspace's region.
#[utoipa::path(post, path = "/jobs", tag = "Jobs", request_body = JobCreateRequest,
    responses((status = 200, body = JobResponse)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<JobCreateRequest>,
) -> ApiResult<Json<JobResponse>> {
    let access =
        workspace_access(&state, &caller, body.workspace_id, WorkspaceRole::Reader).await?;
    let input = JobInput {
        name: Some(body.name),
        deployment: Some(body.deployment),
        schedule: body.schedule,
        timeout_seconds: body.timeout_seconds,
        retries: body.retries,
    };
    let job = ops::work::create_job(&state, &access, body.workspace_id, &input).await?;
    Ok(Json(job.into()))
}

/// List a workspace's jobs.
#[utoipa::path(get, path = "/jobs", tag = "Jobs", params(JobListParams),
    responses((status = 200, body = JobsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<JobsResponse>> {
    let workspace_id = params
        .uuid("workspaceId")?
        .ok_or_else(|| AppError::invalid("workspace_id", "Name the workspace: ?workspaceId=…"))?;
    workspace_access(&state, &caller, workspace_id, WorkspaceRole::Reader).await?;
    let jobs = db::work::jobs_of(&state.pool, workspace_id).await?;
    Ok(Json(JobsResponse {
        data: jobs.into_iter().map(Into::into).collect(),
    }))
}

/// Get a job.
#[utoipa::path(get, path = "/jobs/{jobId}", tag = "Jobs", params(("jobId" = Uuid, Path)),
    responses((status = 200, body = JobResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<JobResponse>> {
    let (job, _) = load_job(&state, &caller, &id).await?;
    Ok(Json(job.into()))
}

/// Change a job; fields left out keep their value.
#[utoipa::path(patch, path = "/jobs/{jobId}", tag = "Jobs", params(("jobId" = Uuid, Path)),
    request_body = JobUpdateRequest, responses((status = 200, body = JobResponse)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<JobUpdateRequest>,
) -> ApiResult<Json<JobResponse>> {
    let (job, access) = load_job(&state, &caller, &id).await?;
    let input = JobInput {
        name: body.name,
        deployment: body.deployment,
        schedule: body.schedule,
        timeout_seconds: body.timeout_seconds,
        retries: body.retries,
    };
    let (_, after) = ops::work::update_job(&state, &access, job.id, &input, None).await?;
    Ok(Json(after.into()))
}

/// Delete a job and its runs' records; a run still going is stopped by its data plane.
#[utoipa::path(delete, path = "/jobs/{jobId}", tag = "Jobs", params(("jobId" = Uuid, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (job, access) = load_job(&state, &caller, &id).await?;
    ops::work::delete_job(&state, &access, job.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a job now: queues a run that a data plane of the workspace's region takes within
/// about a second (or that waits, with its reason, while the region has none healthy).
#[utoipa::path(post, path = "/jobs/{jobId}/runs", tag = "Jobs", params(("jobId" = Uuid, Path)),
    responses((status = 200, body = RunResponse)))]
pub async fn run_now(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<RunResponse>> {
    let (job, access) = load_job(&state, &caller, &id).await?;
    let run = ops::work::run_now(&state, &access, job.id).await?;
    Ok(Json(run.into()))
}

/// List runs, newest first: of a job, or of every job of a workspace.
#[utoipa::path(get, path = "/runs", tag = "Runs", params(RunListParams),
    responses((status = 200, body = RunsResponse)))]
pub async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<RunsResponse>> {
    let job_id = params.uuid("jobId")?;
    let workspace_id = match (job_id, params.uuid("workspaceId")?) {
        (Some(job), _) => {
            load_job(&state, &caller, &job.to_string())
                .await?
                .0
                .workspace_id
        }
        (None, Some(workspace)) => {
            workspace_access(&state, &caller, workspace, WorkspaceRole::Reader).await?;
            workspace
        }
        (None, None) => {
            return Err(AppError::invalid(
                "job_id",
                "Name the job (?jobId=…) or the workspace (?workspaceId=…).",
            )
            .into());
        }
    };
    let status = match params.text("status").trim() {
        "" => None,
        raw => Some(RunStatus::parse(raw).ok_or_else(|| {
            AppError::invalid(
                "status",
                "A status is queued, running, succeeded, failed, cancelled or lost.",
            )
        })?),
    };
    let runs = db::work::runs(
        &state.pool,
        ops::work::healthy_within(&state),
        &RunFilter {
            workspace_id,
            job_id,
            status,
            limit: params.int("limit", 20, 1, 100)?,
            offset: params.int("offset", 0, 0, i32::MAX as i64)?,
        },
    )
    .await?;
    Ok(Json(RunsResponse {
        data: runs.into_iter().map(Into::into).collect(),
    }))
}

async fn load_run(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<(Run, OrgAccess)> {
    let id = path_id("run_id", raw)?;
    let run = db::work::find_run(&state.pool, ops::work::healthy_within(state), id)
        .await?
        .ok_or_else(|| AppError::not_found("run"))?;
    let access = caller
        .access_object(state, run.organization_id, OrgRole::Member, "run")
        .await?;
    access
        .require_workspace(&state.pool, run.workspace_id, WorkspaceRole::Reader)
        .await
        .map_err(|_| AppError::not_found("run"))?;
    Ok((run, access))
}

/// Get a run: where it is, where it ran, how it ended.
#[utoipa::path(get, path = "/runs/{runId}", tag = "Runs", params(("runId" = Uuid, Path)),
    responses((status = 200, body = RunResponse)))]
pub async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<RunResponse>> {
    let (run, _) = load_run(&state, &caller, &id).await?;
    Ok(Json(run.into()))
}

/// Cancel a run: at once while it waits; a running one is ended by its data plane (its whole
/// process group) within seconds.
#[utoipa::path(post, path = "/runs/{runId}/cancel", tag = "Runs", params(("runId" = Uuid, Path)),
    responses((status = 200, body = RunResponse)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<RunResponse>> {
    let (run, access) = load_run(&state, &caller, &id).await?;
    let after = ops::work::cancel_run(&state, &access, run.id).await?;
    Ok(Json(after.into()))
}
