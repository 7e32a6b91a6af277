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
use crate::domain::{AuditFilter, AuditQuery, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Bytes gathered before they are sent: large enough for few writes, small enough that an
/// export's memory stays flat whatever its size.
const CHUNK: usize = 64 * 1024;

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
    let format = match params.format.as_str() {
        "json" => Format::Json,
        "csv" | "" => Format::Csv,
        _ => return Err(AppError::invalid("format", "Choose csv or json.")),
    };
    let (content_type, extension) = match format {
        Format::Json => ("application/json", "json"),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let body =
        axum::body::Body::from_stream(stream(state.pool.clone(), organization_id, filter, format));
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

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Json,
}

/// The export's body, written as the rows are read, a chunk at a time; the channel's bound is
/// the backpressure that keeps a slow download from piling rows up in memory. A failure half
/// way ends the body early, so the download fails instead of looking complete.
fn stream(
    pool: sqlx::PgPool,
    organization_id: Uuid,
    filter: AuditFilter,
    format: Format,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    use futures_util::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let fail = async |tx: &tokio::sync::mpsc::Sender<_>, e: sqlx::Error| {
            tracing::warn!(error = %e, "an audit export stopped half way");
            let _ = tx
                .send(Err(std::io::Error::other(
                    "the export could not be completed",
                )))
                .await;
        };
        let mut conn = match pool.begin().await {
            Ok(conn) => conn,
            Err(e) => return fail(&tx, e).await,
        };
        let rows = match db::audit::stream(&mut conn, organization_id, &filter).await {
            Ok(rows) => rows,
            Err(e) => return fail(&tx, e).await,
        };
        let mut rows = std::pin::pin!(rows);
        let mut chunk = String::with_capacity(CHUNK + 1024);
        chunk.push_str(match format {
            Format::Csv => CSV_HEADER,
            Format::Json => "[",
        });
        let mut first = true;
        while let Some(row) = rows.next().await {
            let event = match row {
                Ok(event) => event,
                Err(e) => return fail(&tx, e).await,
            };
            match format {
                Format::Csv => csv_line(&mut chunk, &event),
                Format::Json => {
                    if !first {
                        chunk.push(',');
                    }
                    if let Ok(json) = serde_json::to_string(&event) {
                        chunk.push_str(&json);
                    }
                }
            }
            first = false;
            if chunk.len() >= CHUNK {
                let full = std::mem::replace(&mut chunk, String::with_capacity(CHUNK + 1024));
                if tx.send(Ok(full.into())).await.is_err() {
                    return; // The client went away.
                }
            }
        }
        if let Format::Json = format {
            chunk.push(']');
        }
        let _ = tx.send(Ok(chunk.into())).await;
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

const CSV_HEADER: &str = "time,actor,action,object_type,object_name,object_id,source_ip\n";

/// One event as a CSV line.
fn csv_line(out: &mut String, e: &db::audit::AuditEvent) {
    {
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
