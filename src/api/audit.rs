//! `/audit-events`: an organization's audit trail, with the filters of Settings > Audit log.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, Params};
use super::problem::ApiResult;
use super::timestamp;
use crate::db;
use crate::domain::{AuditQuery, OrgRole};
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventResponse {
    pub event_id: Uuid,
    /// RFC 3339.
    pub occurred_at: String,
    /// Null for sign-ins, which belong to no organization.
    pub organization_id: Option<Uuid>,
    /// Who: a user's email, an application, or Meridian itself.
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    pub object_name: String,
    pub source_ip: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventsResponse {
    pub data: Vec<AuditEventResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditEventParams {
    #[param(rename = "organizationId")]
    organization_id: Uuid,
    /// Part of the actor, regardless of case.
    actor: Option<String>,
    /// An action (`region.create`) or a family (`region`).
    action: Option<String>,
    /// Part of the object's name, its type, or its id.
    object: Option<String>,
    /// From this time (RFC 3339, or a date for midnight UTC).
    from: Option<String>,
    /// Up to, not including, this time.
    to: Option<String>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i32>,
    #[param(minimum = 0)]
    offset: Option<i32>,
}

/// List an organization's audit events, newest first. Organization admins only.
#[utoipa::path(get, path = "/audit-events", tag = "Audit", params(AuditEventParams),
    responses((status = 200, body = AuditEventsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<AuditEventsResponse>> {
    let organization_id = params.required_uuid("organizationId")?;
    let limit = params.int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = params.int("offset", 0, 0, i32::MAX as i64)?;
    caller
        .access_named(&state, organization_id, OrgRole::Admin)
        .await?;
    let query = AuditQuery {
        actor: params.text("actor"),
        action: params.text("action"),
        object: params.text("object"),
        from: params.text("from"),
        to: params.text("to"),
    };
    let filter = query.parse()?;
    let mut events =
        db::audit::search(&state.pool, organization_id, &filter, limit + 1, offset).await?;
    let more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let link = |offset: i64| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("organizationId", &organization_id.to_string());
        for (name, value) in [
            ("actor", &query.actor),
            ("action", &query.action),
            ("object", &query.object),
            ("from", &query.from),
            ("to", &query.to),
        ] {
            if !value.is_empty() {
                q.append_pair(name, value);
            }
        }
        q.append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        format!(
            "{}/api/public/v1/audit-events?{}",
            state.config.public_url.as_deref().unwrap_or(""),
            q.finish()
        )
    };
    Ok(Json(AuditEventsResponse {
        data: events
            .into_iter()
            .map(|e| AuditEventResponse {
                event_id: e.id,
                occurred_at: timestamp(e.occurred_at),
                organization_id: e.organization_id,
                actor: e.actor,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                object_name: e.object_name,
                source_ip: e.source_ip,
            })
            .collect(),
        next: more.then(|| link(offset + limit)),
        previous: (offset > 0).then(|| link((offset - limit).max(0))),
    }))
}
