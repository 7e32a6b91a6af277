//! `/organizations`: the organizations the caller belongs to.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::Caller;
use super::problem::ApiResult;
use crate::db;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationResponse {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Meridian keeps no contact address per organization: the caller's own email.
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationsResponse {
    pub data: Vec<OrganizationResponse>,
}

/// The organization the caller's application acts in (an application is created for one).
#[utoipa::path(get, path = "/organizations", tag = "Organizations",
    responses((status = 200, body = OrganizationsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<OrganizationsResponse>> {
    let access = caller.home(&state).await?;
    let organization = db::organizations::get(&state.pool, access.organization_id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("organization"))?;
    Ok(Json(OrganizationsResponse {
        data: vec![OrganizationResponse {
            organization_id: organization.id,
            organization_name: organization.name,
            email: access.user.email,
        }],
    }))
}
