//! `/webhooks`: an organization's health alert endpoints. The signing secret is answered
//! once, when the endpoint is created. Organization admins only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, path_id};
use super::problem::ApiResult;
use super::timestamp;
use crate::db;
use crate::domain::{OrgRole, Webhook, WebhookEvent};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookResponse {
    pub webhook_id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    /// `dataplane.health_changed`, `region.unhealthy`, `region.recovered`.
    pub events: Vec<String>,
    /// The secret's last four characters.
    pub secret_hint: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<Webhook> for WebhookResponse {
    fn from(w: Webhook) -> Self {
        WebhookResponse {
            webhook_id: w.id,
            organization_id: w.organization_id,
            url: w.url,
            events: w.events,
            secret_hint: w.secret_hint,
            created_at: timestamp(w.created_at),
        }
    }
}

/// A new endpoint and its signing secret, which is never answered again.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreatedResponse {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// `whsec_…`: verify `Meridian-Signature: t=<unix time>,v1=<hex>`, the HMAC-SHA-256 of
    /// `"<t>.<body>"` with this secret.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhooksResponse {
    pub data: Vec<WebhookResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreateRequest {
    pub organization_id: Uuid,
    /// https, on a public address.
    pub url: String,
    /// At least one of `dataplane.health_changed`, `region.unhealthy`, `region.recovered`.
    pub events: Vec<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct WebhookListParams {
    /// The organization whose endpoints to list.
    #[param(rename = "organizationId")]
    organization_id: Uuid,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestEventResponse {
    /// The queued event's id, as its delivery's `Meridian-Event-Id` will carry it.
    pub event_id: Uuid,
}

async fn load(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
) -> ApiResult<(Webhook, crate::auth::OrgAccess)> {
    let id = path_id("webhook_id", raw_id)?;
    let webhook = db::webhooks::find_any_org(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::not_found("webhook"))?;
    let access = caller
        .access_object(state, webhook.organization_id, OrgRole::Admin, "webhook")
        .await?;
    Ok((webhook, access))
}

/// Register an endpoint for health alerts. The answer holds its signing secret, once.
#[utoipa::path(post, path = "/webhooks", tag = "Webhooks", request_body = WebhookCreateRequest,
    responses((status = 200, body = WebhookCreatedResponse)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<WebhookCreateRequest>,
) -> ApiResult<Json<WebhookCreatedResponse>> {
    let access = caller
        .access_named(&state, body.organization_id, OrgRole::Admin)
        .await?;
    let url = ops::webhooks::parse_url(&state, &body.url);
    let events = WebhookEvent::parse_set(&body.events).map_err(|m| AppError::invalid("events", m));
    let (url, events) = match (url, events) {
        (Ok(u), Ok(e)) => (u, e),
        (u, e) => {
            return Err(AppError::merge([u.err(), e.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal)
                .into());
        }
    };
    let created = ops::webhooks::create(&state, &access, &url, &events).await?;
    Ok(Json(WebhookCreatedResponse {
        secret: created.secret.expose().to_owned(),
        webhook: created.webhook.into(),
    }))
}

/// List an organization's endpoints (never their secrets).
#[utoipa::path(get, path = "/webhooks", tag = "Webhooks", params(WebhookListParams),
    responses((status = 200, body = WebhooksResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<WebhooksResponse>> {
    let organization_id = params.required_uuid("organizationId")?;
    caller
        .access_named(&state, organization_id, OrgRole::Admin)
        .await?;
    let webhooks = db::webhooks::list(&state.pool, organization_id).await?;
    Ok(Json(WebhooksResponse {
        data: webhooks.into_iter().map(Into::into).collect(),
    }))
}

/// Get an endpoint.
#[utoipa::path(get, path = "/webhooks/{webhookId}", tag = "Webhooks",
    params(("webhookId" = Uuid, Path)), responses((status = 200, body = WebhookResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<WebhookResponse>> {
    let (webhook, _) = load(&state, &caller, &id).await?;
    Ok(Json(webhook.into()))
}

/// Remove an endpoint; what is still queued for it is dropped.
#[utoipa::path(delete, path = "/webhooks/{webhookId}", tag = "Webhooks",
    params(("webhookId" = Uuid, Path)), responses((status = 204, description = "Removed")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (webhook, access) = load(&state, &caller, &id).await?;
    ops::webhooks::delete(&state, &access, webhook.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queue a `test` event for an endpoint, delivered (signed, retried) like any other.
#[utoipa::path(post, path = "/webhooks/{webhookId}/test", tag = "Webhooks",
    params(("webhookId" = Uuid, Path)), responses((status = 202, body = TestEventResponse)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<(StatusCode, Json<TestEventResponse>)> {
    let (webhook, access) = load(&state, &caller, &id).await?;
    let event_id = ops::webhooks::send_test(&state, &access, webhook.id).await?;
    Ok((StatusCode::ACCEPTED, Json(TestEventResponse { event_id })))
}
