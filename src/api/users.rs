//! `/users`: the members of an organization, in the shapes of the Airbyte public API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, path_id};
use super::problem::{ApiError, ApiResult};
use crate::db;
use crate::domain::OrgRole;
use crate::ops;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct UsersResponse {
    pub data: Vec<UserResponse>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserListParams {
    /// The organization whose members to list (required).
    #[param(rename = "organizationId")]
    organization_id: Uuid,
    /// Only these users.
    ids: Option<Vec<Uuid>>,
    /// Only these email addresses (any case).
    emails: Option<Vec<String>>,
}

/// List the members of an organization, by email.
#[utoipa::path(get, path = "/users", tag = "Users", params(UserListParams),
    responses((status = 200, body = UsersResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<UsersResponse>> {
    let organization_id = params
        .uuid("organizationId")?
        .ok_or_else(|| ApiError::invalid("organization_id", "Name the organization."))?;
    let ids = params.uuids("ids")?;
    let emails: Vec<String> = params
        .texts("emails")
        .into_iter()
        .map(|e| e.trim().to_lowercase())
        .collect();
    caller
        .access_named(&state, organization_id, OrgRole::Member)
        .await?;
    let members = db::organizations::members(&state.pool, organization_id).await?;
    Ok(Json(UsersResponse {
        data: members
            .into_iter()
            .filter(|m| ids.is_empty() || ids.contains(&m.user_id))
            .filter(|m| emails.is_empty() || emails.contains(&m.email.to_lowercase()))
            .map(|m| UserResponse {
                id: m.user_id,
                name: m.name,
                email: m.email,
            })
            .collect(),
    }))
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordRequest {
    /// At least 12 characters.
    pub password: String,
}

/// End every session and API token of a user ("sign out everywhere"): a member of the
/// application's organization, by its admins, or the caller themselves.
#[utoipa::path(post, path = "/users/{userId}/sign-out", tag = "Users",
    params(("userId" = Uuid, Path)), responses((status = 204)))]
pub async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw): PathParams<String>,
) -> ApiResult<StatusCode> {
    let user_id = path_id("user_id", &raw)?;
    let access = caller.home(&state).await?;
    ops::members::sign_out_everywhere(&state, &access, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a user's password (instance admins only); every session and API token of the user ends.
#[utoipa::path(put, path = "/users/{userId}/password", tag = "Users",
    params(("userId" = Uuid, Path)), request_body = PasswordRequest, responses((status = 204)))]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw): PathParams<String>,
    JsonBody(body): JsonBody<PasswordRequest>,
) -> ApiResult<StatusCode> {
    let user_id = path_id("user_id", &raw)?;
    let access = caller.home(&state).await?;
    ops::users::set_password(
        &state,
        &access.actor,
        access.user.is_instance_admin,
        user_id,
        &body.password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
