//! `/workspaces`: workspaces and the region each one lives in (`regionId`, and Airbyte's
//! `dataResidency`, the lower-cased region name).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, name_field, path_id};
use super::problem::{ApiError, ApiResult};
use crate::auth::OrgAccess;
use crate::db::{self, workspaces::WorkspaceFilter};
use crate::domain::{Classification, DEFAULT_REGION_NAME, OrgRole, Workspace};
use crate::error::AppError;
use crate::ops::{self, workspaces::WorkspaceChange};
use crate::state::AppState;

/// Page size when a listing does not say, and the most it may ask for.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceResponse {
    pub workspace_id: Uuid,
    pub name: String,
    pub organization_id: Uuid,
    pub region_id: Uuid,
    /// The lower-cased name of the workspace's region (`auto` for the default region).
    pub data_residency: String,
    /// How its data is classified (`pii`, `phi`, ...): what residency policy rules look at.
    pub classifications: Vec<String>,
    /// Locked to its region: moving it needs `"locked": false` in an earlier request.
    pub locked: bool,
    /// Notification settings live with the workspace's data plane, not in the control plane:
    /// always empty here.
    pub notifications: Notifications,
}

/// Accepted for compatibility with Airbyte's clients; Meridian keeps no notification settings.
#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct Notifications {}

impl From<Workspace> for WorkspaceResponse {
    fn from(w: Workspace) -> Self {
        WorkspaceResponse {
            data_residency: w.data_residency(),
            workspace_id: w.id,
            name: w.name,
            organization_id: w.organization_id,
            region_id: w.region_id,
            classifications: w.classifications,
            locked: w.locked,
            notifications: Notifications::default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WorkspacesResponse {
    pub data: Vec<WorkspaceResponse>,
    /// The next page, when there may be one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The previous page, unless this is the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCreateRequest {
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Defaults to the organization the application acts in.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// Defaults to the managed region the instance names for new workspaces, else the
    /// organization's region `auto`.
    #[serde(default)]
    pub region_id: Option<Uuid>,
    /// Lower-case words such as `pii`, `phi`, `pci` (at most 16).
    #[serde(default)]
    pub classifications: Vec<String>,
    /// Accepted and ignored (see `WorkspaceResponse.notifications`).
    #[serde(default)]
    #[allow(dead_code)]
    pub notifications: Option<serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceUpdateRequest {
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    #[serde(default)]
    pub name: Option<String>,
    /// Moves the workspace to this region (which must be enabled, allowed by the residency
    /// policy, and the workspace not locked).
    #[serde(default)]
    pub region_id: Option<Uuid>,
    /// Replaces its classifications (the residency policy must allow them where it is).
    #[serde(default)]
    pub classifications: Option<Vec<String>>,
    /// Locks it to its region, or unlocks it (organization admins). Applied after a move in
    /// the same request, so a locked workspace must be unlocked by an earlier request.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Accepted and ignored (see `WorkspaceResponse.notifications`).
    #[serde(default)]
    #[allow(dead_code)]
    pub notifications: Option<serde_json::Value>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct WorkspaceListParams {
    /// Only these workspaces; all the caller may see when absent.
    #[param(rename = "workspaceIds")]
    workspace_ids: Option<Vec<Uuid>>,
    /// Only the workspaces of this organization.
    #[param(rename = "organizationId")]
    organization_id: Option<Uuid>,
    /// Accepted for compatibility: deleted workspaces are not kept, so this changes nothing.
    #[param(rename = "includeDeleted")]
    include_deleted: Option<bool>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i32>,
    /// Rows to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i32>,
}

/// A `classifications` list, parsed with the same rules as the UI's forms.
fn classifications_field(words: &[String]) -> ApiResult<Vec<Classification>> {
    Classification::parse_all(words).map_err(|m| ApiError::invalid("classifications", m))
}

async fn load(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    needed: OrgRole,
) -> ApiResult<(Workspace, OrgAccess)> {
    let id = path_id("workspace_id", raw_id)?;
    let workspace = db::workspaces::find_any_org(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let access = caller
        .access_object(state, workspace.organization_id, needed, "workspace")
        .await?;
    Ok((workspace, access))
}

/// List the workspaces the caller may see, a page at a time.
#[utoipa::path(get, path = "/workspaces", tag = "Workspaces", params(WorkspaceListParams),
    responses((status = 200, body = WorkspacesResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<WorkspacesResponse>> {
    let ids = params.uuids("workspaceIds")?;
    let organization_id = params.uuid("organizationId")?;
    let include_deleted = params.bool("includeDeleted", false)?;
    let limit = params.int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = params.int("offset", 0, 0, i32::MAX as i64)?;
    // An application lists the workspaces of the one organization it acts in.
    let access = match organization_id {
        Some(org) => caller.access_named(&state, org, OrgRole::Member).await?,
        None => caller.home(&state).await?,
    };
    // One row more than asked says whether there is a next page.
    let filter = WorkspaceFilter {
        ids: &ids,
        organization_id: access.organization_id,
        limit: limit + 1,
        offset,
    };
    let mut rows = db::workspaces::list_visible(&state.pool, &filter).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);

    let link = |offset: i64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for id in &ids {
            query.append_pair("workspaceIds", &id.to_string());
        }
        if let Some(org) = organization_id {
            query.append_pair("organizationId", &org.to_string());
        }
        query
            .append_pair(
                "includeDeleted",
                if include_deleted { "true" } else { "false" },
            )
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        // Absolute with a configured public address; otherwise relative, never built from
        // the request's Host header (a client follows these links with its token).
        format!(
            "{}/api/public/v1/workspaces?{}",
            state.config.public_url.as_deref().unwrap_or(""),
            query.finish()
        )
    };
    Ok(Json(WorkspacesResponse {
        data: rows.into_iter().map(Into::into).collect(),
        next: more.then(|| link(offset + limit)),
        previous: (offset > 0).then(|| link((offset - limit).max(0))),
    }))
}

/// Create a workspace in a region.
#[utoipa::path(post, path = "/workspaces", tag = "Workspaces", request_body = WorkspaceCreateRequest,
    responses((status = 200, body = WorkspaceResponse)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<WorkspaceCreateRequest>,
) -> ApiResult<Json<WorkspaceResponse>> {
    let organization_id = match body.organization_id {
        Some(id) => id,
        None => caller.home(&state).await?.organization_id,
    };
    let access = caller
        .access_named(&state, organization_id, OrgRole::Admin)
        .await?;
    let name = name_field("name", &body.name)?;
    let classifications = classifications_field(&body.classifications)?;
    let default_managed = match body.region_id {
        Some(_) => None,
        None => db::regions::default_for_new_workspaces(&state.pool).await?,
    };
    let region_id = match (body.region_id, default_managed) {
        (Some(id), _) => id,
        // The instance may send new workspaces to a managed region.
        (None, Some(managed)) => managed.id,
        (None, None) => {
            db::regions::find_by_name(&state.pool, organization_id, DEFAULT_REGION_NAME)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(
                        "region_id",
                        "This organization has no region 'auto': name the region.",
                    )
                })?
                .id
        }
    };
    let workspace =
        ops::workspaces::create(&state, &access, &name, region_id, &classifications).await?;
    Ok(Json(workspace.into()))
}

/// Get a workspace, with the region it lives in.
#[utoipa::path(get, path = "/workspaces/{workspaceId}", tag = "Workspaces",
    params(("workspaceId" = Uuid, Path)), responses((status = 200, body = WorkspaceResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<WorkspaceResponse>> {
    let (workspace, _) = load(&state, &caller, &id, OrgRole::Member).await?;
    Ok(Json(workspace.into()))
}

/// Rename a workspace, move it to another region, classify it, or lock it to its region.
#[utoipa::path(patch, path = "/workspaces/{workspaceId}", tag = "Workspaces",
    params(("workspaceId" = Uuid, Path)), request_body = WorkspaceUpdateRequest,
    responses((status = 200, body = WorkspaceResponse)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<WorkspaceUpdateRequest>,
) -> ApiResult<Json<WorkspaceResponse>> {
    let (workspace, access) = load(&state, &caller, &id, OrgRole::Member).await?;
    let change = WorkspaceChange {
        name: body
            .name
            .as_deref()
            .map(|n| name_field("name", n))
            .transpose()?,
        region_id: body.region_id,
        classifications: body
            .classifications
            .as_deref()
            .map(classifications_field)
            .transpose()?,
        locked: body.locked,
    };
    let (_, after) = ops::workspaces::update(&state, &access, workspace.id, change, None).await?;
    Ok(Json(after.into()))
}

/// Delete a workspace.
#[utoipa::path(delete, path = "/workspaces/{workspaceId}", tag = "Workspaces",
    params(("workspaceId" = Uuid, Path)), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (workspace, access) = load(&state, &caller, &id, OrgRole::Member).await?;
    ops::workspaces::delete(&state, &access, workspace.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A scoped token and the regional data planes to use it at.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScopedTokenResponse {
    /// Send to the region's data planes as `Authorization: Bearer <token>`. Valid for 5
    /// minutes, for this workspace only, at this region's data planes only.
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub workspace_id: Uuid,
    pub region_id: Uuid,
    /// What the token allows: `read` (list secret names, read configuration) and, for
    /// editors and admins of the workspace, `write`.
    pub access: Vec<String>,
    /// The regional API of each enabled data plane of the region, the one heard from most
    /// recently first. Empty when no data plane of the region serves one yet.
    pub dataplane_urls: Vec<String>,
}

/// Get a scoped token for a workspace: talk to its region's data planes directly (secrets,
/// configuration), with what your role on the workspace allows. The control plane never
/// relays what they hold. Every issue is recorded in the audit trail.
#[utoipa::path(post, path = "/workspaces/{workspaceId}/scoped-token", tag = "Workspaces",
    params(("workspaceId" = Uuid, Path)), responses((status = 200, body = ScopedTokenResponse)))]
pub async fn scoped_token(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<ScopedTokenResponse>> {
    let (workspace, access) = load(&state, &caller, &id, OrgRole::Member).await?;
    let grant = ops::scoped_tokens::issue(&state, &access, workspace.id).await?;
    Ok(Json(ScopedTokenResponse {
        access: grant.access_names(),
        token: grant.token,
        expires_at: super::timestamp(grant.expires_at),
        workspace_id: grant.workspace_id,
        region_id: grant.region_id,
        dataplane_urls: grant.dataplane_urls,
    }))
}
