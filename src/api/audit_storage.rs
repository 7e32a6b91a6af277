//! `/organizations/{organizationId}/audit-storage`: how long the organization keeps its audit
//! events, and its own bucket that every event is also written to (organization admins).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::extract::{Caller, JsonBody, PathParams, path_id};
use super::problem::{ApiError, ApiResult};
use crate::db;
use crate::domain::{AuditBucketInput, AuditBucketStatus, AuditRetention, OrgRole};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

/// The organization's audit storage.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditStorageResponse {
    /// Days events are kept; null keeps them forever.
    pub retention_days: Option<i32>,
    /// The organization's own bucket, when one is set up.
    pub bucket: Option<AuditBucketResponse>,
}

/// A bucket and where delivery to it stands (never its secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditBucketResponse {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub access_key_id: String,
    /// The secret access key's last four characters.
    pub secret_hint: String,
    /// Events recorded and not yet in the bucket.
    pub pending_events: i64,
    /// Objects written so far.
    pub delivered_batches: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_delivered_at: Option<OffsetDateTime>,
    pub last_object: Option<String>,
    /// Failed attempts at the current batch; 0 when all is well.
    pub failed_attempts: i32,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
}

impl From<AuditBucketStatus> for AuditBucketResponse {
    fn from(b: AuditBucketStatus) -> Self {
        AuditBucketResponse {
            endpoint: b.endpoint,
            region: b.region,
            bucket: b.bucket,
            prefix: b.prefix,
            access_key_id: b.access_key_id,
            secret_hint: b.secret_hint,
            pending_events: b.pending,
            delivered_batches: b.delivered_batches,
            last_delivered_at: b.last_delivered_at,
            last_object: b.last_object,
            failed_attempts: b.attempts,
            last_error: b.last_error,
            next_attempt_at: b.next_attempt_at,
        }
    }
}

/// How long to keep events: a number of days (30 to 36500), or null for forever.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditRetentionRequest {
    pub retention_days: Option<i64>,
}

/// A bucket to write every event to. `secretAccessKey` is required the first time; absent
/// later, the stored one stays.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditBucketRequest {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    #[serde(default)]
    pub prefix: String,
    pub access_key_id: String,
    #[serde(default)]
    pub secret_access_key: Option<String>,
}

async fn load(state: &AppState, organization_id: uuid::Uuid) -> ApiResult<AuditStorageResponse> {
    Ok(AuditStorageResponse {
        retention_days: db::audit_buckets::retention(&state.pool, organization_id)
            .await
            .map_err(AppError::from)?
            .0,
        bucket: db::audit_buckets::status(&state.pool, organization_id)
            .await
            .map_err(AppError::from)?
            .map(Into::into),
    })
}

/// The organization's audit retention and bucket, with delivery status.
#[utoipa::path(get, path = "/organizations/{organizationId}/audit-storage", tag = "Organizations",
    params(("organizationId" = Uuid, Path)),
    responses((status = 200, body = AuditStorageResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
) -> ApiResult<Json<AuditStorageResponse>> {
    let organization_id = path_id("organization_id", &raw_id)?;
    caller
        .access_object(&state, organization_id, OrgRole::Admin, "organization")
        .await?;
    Ok(Json(load(&state, organization_id).await?))
}

/// Set how long audit events are kept (events not yet in the bucket are kept until they are).
#[utoipa::path(put, path = "/organizations/{organizationId}/audit-storage/retention", tag = "Organizations",
    params(("organizationId" = Uuid, Path)), request_body = AuditRetentionRequest,
    responses((status = 200, body = AuditStorageResponse)))]
pub async fn set_retention(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
    JsonBody(body): JsonBody<AuditRetentionRequest>,
) -> ApiResult<Json<AuditStorageResponse>> {
    let organization_id = path_id("organization_id", &raw_id)?;
    let access = caller
        .access_object(&state, organization_id, OrgRole::Admin, "organization")
        .await?;
    let raw = body
        .retention_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let retention = AuditRetention::parse(&raw)
        .map_err(|m| ApiError::from(AppError::invalid("retention_days", m)))?;
    ops::audit_bucket::set_retention(&state, &access, retention).await?;
    Ok(Json(load(&state, organization_id).await?))
}

/// Set up (or change) the bucket every audit event recorded from now on is written to.
#[utoipa::path(put, path = "/organizations/{organizationId}/audit-storage/bucket", tag = "Organizations",
    params(("organizationId" = Uuid, Path)), request_body = AuditBucketRequest,
    responses((status = 200, body = AuditStorageResponse)))]
pub async fn set_bucket(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
    JsonBody(body): JsonBody<AuditBucketRequest>,
) -> ApiResult<Json<AuditStorageResponse>> {
    let organization_id = path_id("organization_id", &raw_id)?;
    let access = caller
        .access_object(&state, organization_id, OrgRole::Admin, "organization")
        .await?;
    let input = AuditBucketInput {
        endpoint: body.endpoint,
        region: body.region,
        bucket: body.bucket,
        prefix: body.prefix,
        access_key_id: body.access_key_id,
        secret_access_key: body.secret_access_key.unwrap_or_default(),
    };
    ops::audit_bucket::save(&state, &access, &input).await?;
    Ok(Json(load(&state, organization_id).await?))
}

/// Stop writing audit events to the bucket; those not yet there stay in the trail.
#[utoipa::path(delete, path = "/organizations/{organizationId}/audit-storage/bucket", tag = "Organizations",
    params(("organizationId" = Uuid, Path)), responses((status = 204, description = "Removed")))]
pub async fn remove_bucket(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
) -> ApiResult<StatusCode> {
    let organization_id = path_id("organization_id", &raw_id)?;
    let access = caller
        .access_object(&state, organization_id, OrgRole::Admin, "organization")
        .await?;
    ops::audit_bucket::remove(&state, &access).await?;
    Ok(StatusCode::NO_CONTENT)
}
