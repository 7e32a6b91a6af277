//! The regional API's share of a workspace's work: uploading deployments (code stays here;
//! the control plane hears only their name, version and digest), and reading runs' logs and
//! output files, which never leave the region. Logs can be followed while the run goes on,
//! as plain text for scripts and the command line, or as a page the dashboard frames that
//! streams in without JavaScript.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

use super::package;
use super::regional::{
    ApiResult, CONSOLE_STYLE, Problem, Regional, Scoped, console_headers, html, verify,
    workspace_id,
};
use super::scoped::{Access, ScopedClaims};
use super::store::{self, RunRecord};
use crate::domain::DeploymentName;

/// How often a followed log looks for more.
const FOLLOW_POLL: Duration = Duration::from_millis(250);
/// How long a followed log waits for a run that has not started here yet.
const WAIT_FOR_START: Duration = Duration::from_secs(30);

pub fn routes() -> Router<Regional> {
    Router::new()
        .route(
            "/v1/workspaces/{workspaceId}/deployments",
            get(list_deployments),
        )
        .route(
            "/v1/workspaces/{workspaceId}/deployments/{name}",
            axum::routing::put(deploy)
                .layer(DefaultBodyLimit::max(package::MAX_UPLOAD_BYTES + 1024)),
        )
        .route("/v1/runs/{runId}/logs", get(logs))
        .route("/v1/runs/{runId}/logs/view", get(log_view))
        .route("/v1/runs/{runId}/outputs", get(list_outputs))
        .route("/v1/runs/{runId}/outputs/{*path}", get(output))
}

/// A deployment version as listed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentResponse {
    pub workspace_id: Uuid,
    pub name: String,
    pub version: i32,
    /// `script` or `archive`.
    pub kind: String,
    pub command: Vec<String>,
    pub digest: String,
    pub size_bytes: i64,
    pub created_by: String,
    pub created_at: String,
}

impl From<store::DeploymentInfo> for DeploymentResponse {
    fn from(d: store::DeploymentInfo) -> Self {
        DeploymentResponse {
            workspace_id: d.workspace_id,
            name: d.name,
            version: d.version,
            kind: d.kind,
            command: d.command,
            digest: d.digest,
            size_bytes: d.size_bytes,
            created_by: d.created_by,
            created_at: super::regional::rfc3339(d.created_at),
        }
    }
}

#[derive(Serialize)]
pub struct DeploymentsResponse {
    pub data: Vec<DeploymentResponse>,
}

/// `GET /v1/workspaces/{workspaceId}/deployments`: every version, by name, newest first.
async fn list_deployments(
    State(state): State<Regional>,
    scoped: Scoped,
    Path(raw): Path<String>,
) -> ApiResult<Json<DeploymentsResponse>> {
    let workspace = workspace_id(&raw)?;
    scoped.on(workspace, Access::Read)?;
    let data = store::deployments(&state.pool, workspace).await?;
    Ok(Json(DeploymentsResponse {
        data: data.into_iter().map(Into::into).collect(),
    }))
}

/// `PUT /v1/workspaces/{workspaceId}/deployments/{name}`: a new version of a deployment. The
/// body is a script (starting with `#!`), or a gzipped tar archive with
/// `content-type: application/gzip` holding `meridian.json`.
async fn deploy(
    State(state): State<Regional>,
    scoped: Scoped,
    Path((raw, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let workspace = workspace_id(&raw)?;
    let claims = scoped.on(workspace, Access::Write)?;
    let name = DeploymentName::parse(&name)
        .map_err(|m| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, format!("Name: {m}")))?;
    let gzip = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| {
            matches!(
                v.as_str(),
                "application/gzip" | "application/x-gzip" | "application/x-tar+gzip"
            )
        });
    let inspected = tokio::task::spawn_blocking({
        let body = body.clone();
        move || package::inspect(&body, gzip)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(|m| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    let added = store::add_deployment(
        &state.pool,
        &store::NewDeployment {
            workspace_id: workspace,
            name: name.as_str(),
            kind: inspected.kind,
            command: &inspected.command,
            digest: &inspected.digest,
            content: &body,
            created_by: &claims.name,
        },
    )
    .await?;
    state.uploaded.notify_one();
    tracing::info!(workspace = %workspace, name = %added.name, version = added.version, by = %claims.name, "deployment uploaded");
    Ok((StatusCode::CREATED, Json(DeploymentResponse::from(added))).into_response())
}

#[derive(Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    follow: Option<String>,
    /// The scoped token, for the framed view (a frame cannot send a header).
    #[serde(default)]
    token: Option<String>,
}

impl LogQuery {
    fn follow(&self) -> bool {
        matches!(self.follow.as_deref(), Some("true" | "1" | "yes"))
    }
}

fn run_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Problem::new(StatusCode::NOT_FOUND, "No such run here."))
}

/// The run, when it ran (or runs) here for the token's workspace. A run of another workspace
/// is as good as missing. Waits up to [`WAIT_FOR_START`] for one not started yet when `wait`.
async fn run_for(
    state: &Regional,
    claims: &ScopedClaims,
    run: Uuid,
    wait: bool,
) -> ApiResult<RunRecord> {
    let started = tokio::time::Instant::now();
    loop {
        match store::run_record(&state.pool, run).await? {
            Some(record) if record.workspace_id == claims.ws => return Ok(record),
            Some(_) => break,
            None if wait && started.elapsed() < WAIT_FOR_START => {
                tokio::time::sleep(FOLLOW_POLL).await;
            }
            None => break,
        }
    }
    Err(Problem::new(
        StatusCode::NOT_FOUND,
        "No such run in this region (or it has not started yet).",
    ))
}

/// The log as a stream of pieces: each chunk as `render` makes it, waiting for more while the
/// run goes on when `follow`, then `end` with the run's final record.
fn log_stream(
    pool: sqlx::PgPool,
    run: Uuid,
    follow: bool,
    render: fn(&str, &[u8]) -> Vec<u8>,
    end: fn(Option<&RunRecord>) -> Vec<u8>,
) -> Body {
    struct Cursor {
        after: i64,
        done: bool,
    }
    let stream = futures_util::stream::unfold(
        Cursor {
            after: 0,
            done: false,
        },
        move |mut cursor| {
            let pool = pool.clone();
            async move {
                if cursor.done {
                    return None;
                }
                loop {
                    // Whether the run had ended before reading: then what is read is all.
                    let record = store::run_record(&pool, run).await.ok().flatten();
                    let ended = record.as_ref().is_none_or(|r| r.ended_at.is_some());
                    let chunks = match store::logs_after(&pool, run, cursor.after, 500).await {
                        Ok(chunks) => chunks,
                        Err(_) => {
                            cursor.done = true;
                            return Some((Ok::<_, std::io::Error>(Bytes::from(end(None))), cursor));
                        }
                    };
                    if let Some(last) = chunks.last() {
                        cursor.after = last.seq;
                        let mut piece = Vec::new();
                        for chunk in &chunks {
                            piece.extend(render(&chunk.stream, &chunk.data));
                        }
                        return Some((Ok(Bytes::from(piece)), cursor));
                    }
                    if ended || !follow {
                        cursor.done = true;
                        return Some((Ok(Bytes::from(end(record.as_ref()))), cursor));
                    }
                    tokio::time::sleep(FOLLOW_POLL).await;
                }
            }
        },
    );
    Body::from_stream(stream)
}

fn plain_chunk(stream: &str, data: &[u8]) -> Vec<u8> {
    if stream == "meridian" {
        let mut line = b"[meridian] ".to_vec();
        line.extend_from_slice(data);
        line
    } else {
        data.to_vec()
    }
}

fn plain_end(_: Option<&RunRecord>) -> Vec<u8> {
    Vec::new()
}

/// `GET /v1/runs/{runId}/logs`: the run's stdout and stderr as text, in the order they were
/// written (lines from the data plane itself start with `[meridian]`). `?follow=true` keeps
/// the answer open and streams while the run goes on.
async fn logs(
    State(state): State<Regional>,
    scoped: Scoped,
    Path(raw): Path<String>,
    Query(query): Query<LogQuery>,
) -> ApiResult<Response> {
    let run = run_id(&raw)?;
    let follow = query.follow();
    let record = run_for(&state, &scoped.0, run, follow).await?;
    let mut response = log_stream(
        state.pool.clone(),
        record.id,
        follow,
        plain_chunk,
        plain_end,
    )
    .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies that buffer would hold a followed log back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

fn html_chunk(stream: &str, data: &[u8]) -> Vec<u8> {
    let text = html(&String::from_utf8_lossy(data));
    match stream {
        "stderr" => format!(r#"<span class="err">{text}</span>"#).into_bytes(),
        "meridian" => format!(r#"<span class="note">{text}</span>"#).into_bytes(),
        _ => text.into_bytes(),
    }
}

fn html_end(record: Option<&RunRecord>) -> Vec<u8> {
    let ending = match record {
        Some(r) if r.ended_at.is_some() => match r.exit_code {
            Some(code) => format!("Run {}: exit code {code}.", html(&r.status)),
            None => format!("Run {}.", html(&r.status)),
        },
        _ => "End of the log so far.".to_owned(),
    };
    format!(r#"</pre><p class="end" role="status">{ending}</p></body></html>"#).into_bytes()
}

const LOG_STYLE: &str = "pre{white-space:pre-wrap;word-break:break-word;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:0;padding:8px;background:#0f1720;color:#e6edf3;border-radius:6px;min-height:3em}\
.err{color:#ffb4a9}.note{color:#9ecbff}.end{color:#5b6472;margin:8px 2px}";

/// `GET /v1/runs/{runId}/logs/view?token=…`: the log as a page for the dashboard to frame,
/// streamed in as the run writes it (no JavaScript needed).
async fn log_view(
    State(state): State<Regional>,
    Path(raw): Path<String>,
    Query(query): Query<LogQuery>,
) -> Response {
    let page_head = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Run log</title><style>{CONSOLE_STYLE}{LOG_STYLE}</style></head><body>"#
    );
    let authorized = async {
        let run = run_id(&raw)?;
        let claims = verify(&state, query.token.as_deref().unwrap_or_default()).await?;
        let record = run_for(&state, &claims, run, query.follow()).await?;
        Ok::<_, Problem>(record)
    }
    .await;
    let record = match authorized {
        Ok(record) => record,
        Err(problem) => {
            let page = format!(
                r#"{page_head}<p class="error" role="alert">{} Reload the run's page for a fresh token.</p></body></html>"#,
                html(&problem.detail)
            );
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::NOT_FOUND);
            return (status, console_headers(&state), axum::response::Html(page)).into_response();
        }
    };
    let head = Bytes::from(format!(r#"{page_head}<pre aria-label="Run log">"#));
    let rest = log_stream(
        state.pool.clone(),
        record.id,
        query.follow(),
        html_chunk,
        html_end,
    );
    let stream = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, axum::Error>(head) }),
        rest.into_data_stream(),
    );
    let mut headers = console_headers(&state);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    (headers, Body::from_stream(stream)).into_response()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputsResponse {
    pub run_id: Uuid,
    pub status: String,
    pub data: Vec<store::OutputInfo>,
}

/// `GET /v1/runs/{runId}/outputs`: the files the run left in `$MERIDIAN_OUTPUT_DIR`.
async fn list_outputs(
    State(state): State<Regional>,
    scoped: Scoped,
    Path(raw): Path<String>,
) -> ApiResult<Json<OutputsResponse>> {
    let record = run_for(&state, &scoped.0, run_id(&raw)?, false).await?;
    let data = store::outputs(&state.pool, record.id).await?;
    Ok(Json(OutputsResponse {
        run_id: record.id,
        status: record.status,
        data,
    }))
}

/// `GET /v1/runs/{runId}/outputs/{path}`: one output file, as a download.
async fn output(
    State(state): State<Regional>,
    scoped: Scoped,
    Path((raw, path)): Path<(String, String)>,
) -> ApiResult<Response> {
    let record = run_for(&state, &scoped.0, run_id(&raw)?, false).await?;
    let content = store::output(&state.pool, record.id, &path)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "No such output file."))?;
    let file_name = path.rsplit('/').next().unwrap_or("output").replace(
        |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')),
        "_",
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        content,
    )
        .into_response())
}
