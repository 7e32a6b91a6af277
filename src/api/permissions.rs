//! `/permissions`: who may act on an organization or one of its workspaces, in the shapes of
//! the Airbyte public API. An organization permission is a membership
//! (`organization_admin`, `organization_member`); a workspace permission is a role on one
//! workspace (`workspace_admin`, `workspace_editor`, `workspace_reader`). The rules are the
//! UI's: `ops::members` and `ops::permissions`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, path_id};
use super::problem::{ApiError, ApiResult};
use crate::auth::OrgAccess;
use crate::db::{self, permissions::Permission};
use crate::domain::{OrgRole, WorkspaceRole};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

/// What a permission allows, as Airbyte spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermissionType {
    OrganizationAdmin,
    OrganizationMember,
    WorkspaceAdmin,
    WorkspaceEditor,
    WorkspaceReader,
}

/// The two scopes a permission can have.
enum Scope {
    Organization(OrgRole),
    Workspace(WorkspaceRole),
}

impl PermissionType {
    fn scope(self) -> Scope {
        match self {
            PermissionType::OrganizationAdmin => Scope::Organization(OrgRole::Admin),
            PermissionType::OrganizationMember => Scope::Organization(OrgRole::Member),
            PermissionType::WorkspaceAdmin => Scope::Workspace(WorkspaceRole::Admin),
            PermissionType::WorkspaceEditor => Scope::Workspace(WorkspaceRole::Editor),
            PermissionType::WorkspaceReader => Scope::Workspace(WorkspaceRole::Reader),
        }
    }

    fn of(permission: &Permission) -> PermissionType {
        match (permission.workspace_id.is_some(), permission.role.as_str()) {
            (false, "admin") => PermissionType::OrganizationAdmin,
            (false, _) => PermissionType::OrganizationMember,
            (true, "admin") => PermissionType::WorkspaceAdmin,
            (true, "editor") => PermissionType::WorkspaceEditor,
            (true, _) => PermissionType::WorkspaceReader,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionResponse {
    pub permission_id: Uuid,
    pub permission_type: PermissionType,
    pub user_id: Uuid,
    /// Set for workspace permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<Uuid>,
    /// Set for organization permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
}

impl From<&Permission> for PermissionResponse {
    fn from(p: &Permission) -> Self {
        PermissionResponse {
            permission_id: p.id,
            permission_type: PermissionType::of(p),
            user_id: p.user_id,
            workspace_id: p.workspace_id,
            organization_id: p.workspace_id.is_none().then_some(p.organization_id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PermissionsResponse {
    pub data: Vec<PermissionResponse>,
}

/// An invitation to join an organization, until the person accepts it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationResponse {
    pub invitation_id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    /// What the person will be once they accept.
    pub permission_type: PermissionType,
    /// `pending`, `expired`, `accepted` or `revoked`.
    pub status: &'static str,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
}

impl From<&crate::db::invitations::Invitation> for InvitationResponse {
    fn from(i: &crate::db::invitations::Invitation) -> Self {
        let status = if i.accepted_at.is_some() {
            "accepted"
        } else if i.revoked_at.is_some() {
            "revoked"
        } else if i.is_open_at(time::OffsetDateTime::now_utc()) {
            "pending"
        } else {
            "expired"
        };
        InvitationResponse {
            invitation_id: i.id,
            organization_id: i.organization_id,
            email: i.email.clone(),
            permission_type: match i.role {
                OrgRole::Admin => PermissionType::OrganizationAdmin,
                OrgRole::Member => PermissionType::OrganizationMember,
            },
            status,
            created_at: super::timestamp(i.created_at),
            expires_at: super::timestamp(i.expires_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationsResponse {
    pub data: Vec<InvitationResponse>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InvitationListParams {
    /// The organization whose invitations to list (its admins only).
    #[param(rename = "organizationId")]
    organization_id: Uuid,
}

/// List an organization's invitations that are neither accepted nor revoked (expired ones too).
#[utoipa::path(get, path = "/invitations", tag = "Permissions", params(InvitationListParams),
    responses((status = 200, body = InvitationsResponse)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<InvitationsResponse>> {
    let organization_id = params.required_uuid("organizationId")?;
    caller
        .access_named(&state, organization_id, OrgRole::Admin)
        .await?;
    let invitations = db::invitations::pending_in(&state.pool, organization_id).await?;
    Ok(Json(InvitationsResponse {
        data: invitations.iter().map(Into::into).collect(),
    }))
}

/// Revoke an invitation not accepted yet.
#[utoipa::path(delete, path = "/invitations/{invitationId}", tag = "Permissions",
    params(("invitationId" = Uuid, Path)), responses((status = 204)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw): PathParams<String>,
) -> ApiResult<StatusCode> {
    let id = path_id("invitation_id", &raw)?;
    // An application acts in one organization: invitations of any other are as good as missing.
    let access = caller.home(&state).await?;
    ops::invitations::revoke(&state, &access, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCreateRequest {
    pub permission_type: PermissionType,
    /// Who: a user by id. An organization permission may name an `email` instead, to invite
    /// someone who has no account yet.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Organization permissions only: the address to invite (instead of `userId`).
    #[serde(default)]
    #[schema(format = "email")]
    pub email: Option<String>,
    /// For organization permissions.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// For workspace permissions.
    #[serde(default)]
    pub workspace_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionUpdateRequest {
    /// Within the permission's scope: an organization permission stays an organization one.
    pub permission_type: PermissionType,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PermissionListParams {
    /// Only this user's permissions. Without `organizationId`, only the caller's own.
    #[param(rename = "userId")]
    user_id: Option<Uuid>,
    /// Every permission in this organization and its workspaces.
    #[param(rename = "organizationId")]
    organization_id: Option<Uuid>,
}

/// A permission by id, with the caller's access to its organization (at least `needed`).
async fn load(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    needed: OrgRole,
) -> ApiResult<(Permission, OrgAccess)> {
    let id = path_id("permission_id", raw_id)?;
    let permission = db::permissions::get(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::not_found("permission"))?;
    let access = caller
        .access_object(state, permission.organization_id, needed, "permission")
        .await?;
    Ok((permission, access))
}

/// The permission as stored after a change.
async fn reload(state: &AppState, id: Uuid) -> ApiResult<Json<PermissionResponse>> {
    let permission = db::permissions::get(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::not_found("permission"))?;
    Ok(Json((&permission).into()))
}

fn other_scope() -> ApiError {
    ApiError::invalid(
        "permission_type",
        "A permission keeps its scope: delete it and create one for the other scope.",
    )
}

/// List permissions: an organization's (members of it may look), or the caller's own.
#[utoipa::path(get, path = "/permissions", tag = "Permissions", params(PermissionListParams),
    responses((status = 200, body = PermissionsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<PermissionsResponse>> {
    let user_id = params.uuid("userId")?;
    let rows = match params.uuid("organizationId")? {
        Some(org) => {
            caller.access_named(&state, org, OrgRole::Member).await?;
            db::permissions::in_organization(&state.pool, org, user_id).await?
        }
        None => {
            // The caller's own, in the organization the application acts in.
            let access = caller.home(&state).await?;
            if user_id.is_some_and(|u| u != access.user.id) {
                return Err(ApiError::invalid(
                    "organization_id",
                    "Name the organization to list another user's permissions.",
                ));
            }
            db::permissions::in_organization(
                &state.pool,
                access.organization_id,
                Some(access.user.id),
            )
            .await?
        }
    };
    Ok(Json(PermissionsResponse {
        data: rows.iter().map(Into::into).collect(),
    }))
}

/// Give a permission. An organization permission (organization admins) is an invitation:
/// the answer is 202 with the invitation, and the person becomes a member once they accept it
/// after signing in. A workspace permission (the workspace's admins) is a role for a member of
/// its organization, given at once.
#[utoipa::path(post, path = "/permissions", tag = "Permissions",
    request_body = PermissionCreateRequest, responses(
        (status = 200, body = PermissionResponse, description = "A workspace permission, given"),
        (status = 202, body = InvitationResponse, description = "An organization permission: the invitation, waiting for the person to accept it"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<PermissionCreateRequest>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    match (
        body.permission_type.scope(),
        body.organization_id,
        body.workspace_id,
    ) {
        (Scope::Organization(role), Some(org), None) => {
            let access = caller.access_named(&state, org, OrgRole::Admin).await?;
            let invitation = match (body.user_id, body.email.as_deref()) {
                (Some(user_id), None) => {
                    ops::invitations::invite_user(&state, &access, user_id, role).await?
                }
                (None, Some(email)) => {
                    let email = crate::domain::Email::parse(email)
                        .map_err(|m| ApiError::invalid("email", m))?;
                    ops::invitations::invite(&state, &access, &email, role).await?
                }
                _ => {
                    return Err(ApiError::invalid(
                        "user_id",
                        "Name the person by userId or by email (one of the two).",
                    ));
                }
            };
            Ok((
                StatusCode::ACCEPTED,
                Json(InvitationResponse::from(&invitation)),
            )
                .into_response())
        }
        (Scope::Workspace(role), None, Some(workspace_id)) => {
            let workspace = db::workspaces::find_any_org(&state.pool, workspace_id)
                .await?
                .ok_or_else(|| ApiError::invalid("workspace_id", "No such workspace."))?;
            let access = caller
                .access_object(
                    &state,
                    workspace.organization_id,
                    OrgRole::Member,
                    "workspace",
                )
                .await
                .map_err(|e| match e.status() {
                    StatusCode::NOT_FOUND => {
                        ApiError::invalid("workspace_id", "No such workspace.")
                    }
                    _ => e,
                })?;
            let user_id = body
                .user_id
                .ok_or_else(|| ApiError::invalid("user_id", "Name the member by userId."))?;
            let grant =
                ops::permissions::grant(&state, &access, workspace.id, user_id, role).await?;
            Ok(reload(&state, grant.id).await?.into_response())
        }
        (Scope::Organization(_), _, _) => Err(ApiError::invalid(
            "organization_id",
            "An organization permission names organizationId (and no workspaceId).",
        )),
        (Scope::Workspace(_), _, _) => Err(ApiError::invalid(
            "workspace_id",
            "A workspace permission names workspaceId (and no organizationId).",
        )),
    }
}

/// Get one permission.
#[utoipa::path(get, path = "/permissions/{permissionId}", tag = "Permissions",
    params(("permissionId" = Uuid, Path)), responses((status = 200, body = PermissionResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<PermissionResponse>> {
    let (permission, _) = load(&state, &caller, &id, OrgRole::Member).await?;
    Ok(Json((&permission).into()))
}

/// Change what a permission allows, within its scope. The last admin of an organization
/// cannot be demoted.
#[utoipa::path(patch, path = "/permissions/{permissionId}", tag = "Permissions",
    params(("permissionId" = Uuid, Path)), request_body = PermissionUpdateRequest,
    responses((status = 200, body = PermissionResponse)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<PermissionUpdateRequest>,
) -> ApiResult<Json<PermissionResponse>> {
    let (permission, access) = load(&state, &caller, &id, OrgRole::Member).await?;
    match (body.permission_type.scope(), permission.workspace_id) {
        (Scope::Organization(role), None) => {
            ops::members::set_role(&state, &access, permission.user_id, role).await?;
        }
        (Scope::Workspace(role), Some(_)) => {
            ops::permissions::set_role(&state, &access, permission.id, None, role).await?;
        }
        _ => return Err(other_scope()),
    }
    reload(&state, permission.id).await
}

/// Take a permission away. Deleting an organization permission removes the member (and their
/// workspace permissions there); the last admin cannot be removed.
#[utoipa::path(delete, path = "/permissions/{permissionId}", tag = "Permissions",
    params(("permissionId" = Uuid, Path)), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (permission, access) = load(&state, &caller, &id, OrgRole::Member).await?;
    match permission.workspace_id {
        None => {
            ops::members::remove(&state, &access, permission.user_id).await?;
        }
        Some(_) => {
            ops::permissions::revoke(&state, &access, permission.id, None).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
