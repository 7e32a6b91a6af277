//! `/users`: the members of an organization, in the shapes of the Airbyte public API.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, Params};
use super::problem::{ApiError, ApiResult};
use crate::db;
use crate::domain::OrgRole;
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
