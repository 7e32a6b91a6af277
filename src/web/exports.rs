//! Downloads for signed-in users: an organization's audit log as CSV or JSON, with the same
//! filters as the page (`/orgs/{org}/settings/audit-log/export?format=csv&actor=...`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth;
use crate::db;
use crate::domain::{AuditQuery, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most events one export holds.
pub const MAX_EXPORT: i64 = 100_000;

#[derive(Deserialize)]
pub struct ExportParams {
    #[serde(default)]
    format: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn audit_log(
    State(state): State<AppState>,
    session: Session,
    Path(organization_id): Path<Uuid>,
    Query(params): Query<ExportParams>,
) -> Response {
    match export(&state, &session, organization_id, params).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn export(
    state: &AppState,
    session: &Session,
    organization_id: Uuid,
    params: ExportParams,
) -> AppResult<Response> {
    let user = auth::session::user(session, &state.pool)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    auth::authorize(&state.pool, user, None, organization_id, OrgRole::Admin).await?;
    let filter = AuditQuery {
        actor: params.actor,
        action: params.action,
        object: params.object,
        from: params.from,
        to: params.to,
    }
    .parse()?;
    let events = db::audit::search(&state.pool, organization_id, &filter, MAX_EXPORT, 0).await?;
    let (body, content_type, extension) = match params.format.as_str() {
        "json" => (
            serde_json::to_vec(&events).map_err(|_| AppError::internal())?,
            "application/json",
            "json",
        ),
        "csv" | "" => (csv(&events).into_bytes(), "text/csv; charset=utf-8", "csv"),
        _ => return Err(AppError::invalid("format", "Choose csv or json.")),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"audit-log-{organization_id}.{extension}\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn csv(events: &[db::audit::AuditEvent]) -> String {
    let mut out = String::from("time,actor,action,object_type,object_name,object_id,source_ip\n");
    for e in events {
        let fields = [
            e.occurred_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            e.actor.clone(),
            e.action.clone(),
            e.object_type.clone(),
            e.object_name.clone(),
            e.object_id.map(|id| id.to_string()).unwrap_or_default(),
            e.source_ip.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Quotes a CSV field, and defuses values a spreadsheet would run as a formula.
fn csv_field(raw: &str) -> String {
    let defused = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) || defused != raw {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "\"'=SUM(A1)\"");
    }
}
