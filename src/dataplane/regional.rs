//! The regional API a data plane serves to its region's clients: workspace secrets
//! (write-only: values are never returned, only handed to work that runs in the region) and
//! workspace configuration, authorized by scoped tokens the control plane issued, checked
//! offline (see [`super::verify`]). Clients (browsers, scripts, the command line) talk to it
//! directly: what it holds never passes through the control plane.
//!
//! JSON under `/v1`, errors as `application/problem+json`, its own OpenAPI document at
//! `/v1/openapi.json`; and a small HTML console (`/v1/workspaces/{id}/console`) that the
//! dashboard shows in a frame, so the same works with JavaScript off. Browsers may call it from
//! the control plane's origin only (CORS), and only the control plane's pages may frame it.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::scoped::{Access, ScopedClaims};
use super::store;
use super::verify::{Refused, Verifier};
use crate::paths::encode_query_value;
use crate::sealed::SecretBox;

/// Largest secret or configuration value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Largest request body.
const MAX_BODY_BYTES: usize = 2 * MAX_VALUE_BYTES;

/// What every handler can reach.
#[derive(Clone)]
pub struct Regional {
    pub pool: sqlx::PgPool,
    pub verifier: Arc<Verifier>,
    /// Seals secret values at rest with the data plane key.
    pub sealer: Arc<SecretBox>,
    /// The control plane's origins (scheme, host, port): the only ones whose pages may call
    /// this API from a browser or frame its console.
    pub control_plane_origins: Vec<String>,
    /// Workspaces' secret listings and configuration, serialized, kept coherent with every
    /// data plane sharing the store (see [`Listings::follow`]).
    pub listings: Listings,
    /// Told when code is uploaded, so the control plane hears of it at once.
    pub uploaded: Arc<tokio::sync::Notify>,
}

/// The hottest reads, from memory (see [`crate::coherent`]): clients poll them.
#[derive(Clone, Default)]
pub struct Listings {
    secrets: Arc<crate::coherent::Copies>,
    config: Arc<crate::coherent::Copies>,
}

impl Listings {
    /// Drops what other data planes of the region change, as their notifications arrive.
    pub fn follow(&self, pool: sqlx::PgPool) {
        crate::coherent::follow(
            pool,
            store::CHANGES_CHANNEL,
            vec![self.secrets.clone(), self.config.clone()],
        );
    }

    /// Drops a workspace's copies after a change made here.
    fn changed(&self, workspace: Uuid) {
        self.secrets.invalidate(workspace);
        self.config.invalidate(workspace);
    }
}

/// A workspace's listing from `copies`, loaded and serialized on a miss: the answer of the
/// hottest reads, as JSON.
async fn listing<T, F, Fut>(
    copies: &crate::coherent::Copies,
    workspace: Uuid,
    load: F,
) -> ApiResult<Response>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let bytes = copies
        .get_or_load(workspace, || async {
            let value = load().await?;
            serde_json::to_vec(&value)
                .map(axum::body::Bytes::from)
                .map_err(Problem::internal)
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response())
}

/// The API's routes.
pub fn router(regional: Regional) -> Router {
    let origins: Vec<HeaderValue> = regional
        .control_plane_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::PUT,
            axum::http::Method::DELETE,
        ])
        .expose_headers([header::CONTENT_TYPE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/workspaces/{workspaceId}/secrets", get(list_secrets))
        .route(
            "/v1/workspaces/{workspaceId}/secrets/{name}",
            put(put_secret).delete(delete_secret),
        )
        .route("/v1/workspaces/{workspaceId}/config", get(list_config))
        .route(
            "/v1/workspaces/{workspaceId}/config/{key}",
            put(put_config).delete(delete_config),
        )
        .route("/v1/workspaces/{workspaceId}/console", get(console))
        .route(
            "/v1/workspaces/{workspaceId}/console/secrets",
            post(console_secret),
        )
        .route(
            "/v1/workspaces/{workspaceId}/console/config",
            post(console_config),
        )
        .merge(super::runs_api::routes())
        .layer(cors)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(regional)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// A problem document (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub(super) fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        Problem {
            kind: format!(
                "urn:meridian:problem:{}",
                title.to_lowercase().replace(' ', "-")
            ),
            title,
            status: status.as_u16(),
            detail: detail.into(),
        }
    }

    pub(super) fn internal(error: impl std::fmt::Display) -> Problem {
        tracing::error!(%error, "regional API");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on this data plane. Please try again.",
        )
    }
}

impl From<sqlx::Error> for Problem {
    fn from(error: sqlx::Error) -> Problem {
        Problem::internal(error)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meridian-dataplane\""),
            );
        }
        response
    }
}

pub(super) type ApiResult<T> = Result<T, Problem>;

// ---------------------------------------------------------------------------------------------
// Who is calling

/// A caller with a scoped token good for this region.
pub struct Scoped(pub ScopedClaims);

impl FromRequestParts<Regional> for Scoped {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Regional) -> ApiResult<Scoped> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "Send a scoped token: Authorization: Bearer <token>. Ask the control plane for one at POST /api/public/v1/workspaces/{workspaceId}/scoped-token.",
                )
            })?;
        verify(state, token).await.map(Scoped)
    }
}

pub(super) async fn verify(state: &Regional, token: &str) -> ApiResult<ScopedClaims> {
    state
        .verifier
        .verify(token)
        .await
        .map_err(|refused| match refused {
            Refused::Invalid => Problem::new(
                StatusCode::UNAUTHORIZED,
                "The scoped token is missing, invalid, expired, or for another region.",
            ),
            Refused::NotRegistered => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "This data plane has not registered with its control plane yet.",
            ),
        })
}

impl Scoped {
    /// The claims, when the token is for `workspace` and allows `access`.
    pub(super) fn on(&self, workspace: Uuid, access: Access) -> ApiResult<&ScopedClaims> {
        if self.0.ws != workspace {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "This token is for another workspace.",
            ));
        }
        if !self.0.allows(access) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "Your role on this workspace may only read.",
            ));
        }
        Ok(&self.0)
    }
}

/// A workspace id from the path.
pub(super) fn workspace_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Problem::new(StatusCode::NOT_FOUND, "No such workspace."))
}

/// Secret names and configuration keys: what work reads them as, environment variables
/// included, so letters, digits and `_`, not starting with a digit, 1 to 128 characters.
pub fn parse_key(what: &str, raw: &str) -> ApiResult<String> {
    let valid = !raw.is_empty()
        && raw.len() <= 128
        && !raw.starts_with(|c: char| c.is_ascii_digit())
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "A {what} is 1 to 128 letters, digits and '_', not starting with a digit (like DATABASE_PASSWORD)."
            ),
        ))
    }
}

fn check_value(value: &str) -> ApiResult<()> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("A value is at most {MAX_VALUE_BYTES} bytes."),
        ));
    }
    Ok(())
}

/// What a secret's value is sealed with: its workspace and name, so a sealed value copied to
/// another row does not open there.
pub fn secret_context(workspace: Uuid, name: &str) -> Vec<u8> {
    let mut context = workspace.as_bytes().to_vec();
    context.extend_from_slice(name.as_bytes());
    context
}

// ---------------------------------------------------------------------------------------------
// The JSON API

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretResponse {
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct SecretsResponse {
    pub data: Vec<SecretResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfigResponse {
    pub key: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConfigsResponse {
    pub data: Vec<ConfigResponse>,
}

#[derive(Deserialize, ToSchema)]
pub struct ValueRequest {
    /// At most 64 KiB.
    pub value: String,
}

/// A time as people read it in the console: `2026-11-30 15:50 UTC`.
fn readable(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

pub(super) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// List a workspace's secrets: names and times, never values.
#[utoipa::path(get, path = "/v1/workspaces/{workspaceId}/secrets", tag = "Secrets",
    params(("workspaceId" = Uuid, Path)), responses((status = 200, body = SecretsResponse)))]
pub async fn list_secrets(
    State(state): State<Regional>,
    Path(raw): Path<String>,
    caller: Scoped,
) -> ApiResult<Response> {
    let workspace = workspace_id(&raw)?;
    caller.on(workspace, Access::Read)?;
    listing(&state.listings.secrets, workspace, || async {
        let names = store::secret_names(&state.pool, workspace).await?;
        Ok(SecretsResponse {
            data: names
                .into_iter()
                .map(|s| SecretResponse {
                    name: s.name,
                    created_at: rfc3339(s.created_at),
                    updated_at: rfc3339(s.updated_at),
                })
                .collect(),
        })
    })
    .await
}

/// Set a secret (its value is stored encrypted and never returned).
#[utoipa::path(put, path = "/v1/workspaces/{workspaceId}/secrets/{name}", tag = "Secrets",
    params(("workspaceId" = Uuid, Path), ("name" = String, Path)), request_body = ValueRequest,
    responses((status = 201, description = "Created"), (status = 204, description = "Replaced")))]
pub async fn put_secret(
    State(state): State<Regional>,
    Path((raw, name)): Path<(String, String)>,
    caller: Scoped,
    body: Result<Json<ValueRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let workspace = workspace_id(&raw)?;
    let claims = caller.on(workspace, Access::Write)?;
    let name = parse_key("secret name", &name)?;
    let Json(body) = body.map_err(|e| Problem::new(e.status(), e.body_text()))?;
    let created = set_secret(&state, workspace, &name, &body.value).await?;
    tracing::info!(%workspace, secret = %name, by = %claims.name, "secret set");
    Ok(if created {
        StatusCode::CREATED
    } else {
        StatusCode::NO_CONTENT
    })
}

// Every change goes through these, so this data plane's copies drop it at once (the others
// when the store's notification arrives).

/// Seals and stores a secret; whether it was new.
async fn set_secret(state: &Regional, workspace: Uuid, name: &str, value: &str) -> ApiResult<bool> {
    check_value(value)?;
    let sealed = state
        .sealer
        .seal(value.as_bytes(), &secret_context(workspace, name));
    let created = store::put_secret(&state.pool, workspace, name, &sealed).await?;
    state.listings.changed(workspace);
    Ok(created)
}

/// Deletes a secret: 404 when there is none.
async fn remove_secret(state: &Regional, workspace: Uuid, name: &str) -> ApiResult<()> {
    let found = store::delete_secret(&state.pool, workspace, name).await?;
    state.listings.changed(workspace);
    if !found {
        return Err(Problem::new(StatusCode::NOT_FOUND, "No such secret."));
    }
    Ok(())
}

async fn set_config(state: &Regional, workspace: Uuid, key: &str, value: &str) -> ApiResult<()> {
    check_value(value)?;
    store::put_config(&state.pool, workspace, key, value).await?;
    state.listings.changed(workspace);
    Ok(())
}

/// Deletes a configuration value: 404 when there is none.
async fn remove_config(state: &Regional, workspace: Uuid, key: &str) -> ApiResult<()> {
    let found = store::delete_config(&state.pool, workspace, key).await?;
    state.listings.changed(workspace);
    if !found {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "No such configuration key.",
        ));
    }
    Ok(())
}

/// Delete a secret.
#[utoipa::path(delete, path = "/v1/workspaces/{workspaceId}/secrets/{name}", tag = "Secrets",
    params(("workspaceId" = Uuid, Path), ("name" = String, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_secret(
    State(state): State<Regional>,
    Path((raw, name)): Path<(String, String)>,
    caller: Scoped,
) -> ApiResult<StatusCode> {
    let workspace = workspace_id(&raw)?;
    let claims = caller.on(workspace, Access::Write)?;
    let name = parse_key("secret name", &name)?;
    remove_secret(&state, workspace, &name).await?;
    tracing::info!(%workspace, secret = %name, by = %claims.name, "secret deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A workspace's configuration.
#[utoipa::path(get, path = "/v1/workspaces/{workspaceId}/config", tag = "Configuration",
    params(("workspaceId" = Uuid, Path)), responses((status = 200, body = ConfigsResponse)))]
pub async fn list_config(
    State(state): State<Regional>,
    Path(raw): Path<String>,
    caller: Scoped,
) -> ApiResult<Response> {
    let workspace = workspace_id(&raw)?;
    caller.on(workspace, Access::Read)?;
    listing(&state.listings.config, workspace, || async {
        let entries = store::config(&state.pool, workspace).await?;
        Ok(ConfigsResponse {
            data: entries
                .into_iter()
                .map(|e| ConfigResponse {
                    key: e.key,
                    value: e.value,
                })
                .collect(),
        })
    })
    .await
}

/// Set a configuration value.
#[utoipa::path(put, path = "/v1/workspaces/{workspaceId}/config/{key}", tag = "Configuration",
    params(("workspaceId" = Uuid, Path), ("key" = String, Path)), request_body = ValueRequest,
    responses((status = 204, description = "Set")))]
pub async fn put_config(
    State(state): State<Regional>,
    Path((raw, key)): Path<(String, String)>,
    caller: Scoped,
    body: Result<Json<ValueRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let workspace = workspace_id(&raw)?;
    caller.on(workspace, Access::Write)?;
    let key = parse_key("configuration key", &key)?;
    let Json(body) = body.map_err(|e| Problem::new(e.status(), e.body_text()))?;
    set_config(&state, workspace, &key, &body.value).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a configuration value.
#[utoipa::path(delete, path = "/v1/workspaces/{workspaceId}/config/{key}", tag = "Configuration",
    params(("workspaceId" = Uuid, Path), ("key" = String, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_config(
    State(state): State<Regional>,
    Path((raw, key)): Path<(String, String)>,
    caller: Scoped,
) -> ApiResult<StatusCode> {
    let workspace = workspace_id(&raw)?;
    caller.on(workspace, Access::Write)?;
    let key = parse_key("configuration key", &key)?;
    remove_config(&state, workspace, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Meridian data plane: regional API",
        version = "1.0.0",
        description = "What stays in the region: workspace secrets (write-only) and configuration. \
            Send a scoped token from the control plane (POST /api/public/v1/workspaces/{workspaceId}/scoped-token) \
            as `Authorization: Bearer <token>`. Errors are `application/problem+json` (RFC 9457)."
    ),
    paths(
        list_secrets,
        put_secret,
        delete_secret,
        list_config,
        put_config,
        delete_config
    ),
    components(schemas(Problem))
)]
struct RegionalDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(RegionalDoc::openapi())
}

// ---------------------------------------------------------------------------------------------
// The console: plain HTML, framed by the control plane's workspace page

/// Where the console came from: the token it acts with, and the page to go back to.
#[derive(Deserialize)]
pub struct ConsoleQuery {
    token: String,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    error: Option<String>,
    /// Which field the error belongs to (one of [`CONSOLE_FIELDS`]); none for the page.
    #[serde(default)]
    field: Option<String>,
}

/// The console's form fields, by id.
const CONSOLE_FIELDS: [&str; 4] = ["secret-name", "secret-value", "config-key", "config-value"];

/// Escapes text for HTML content and attribute values.
pub(super) fn html(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// Headers every console page carries: only the control plane may frame it, it loads nothing,
/// it tells nobody where it was, and nobody keeps it.
pub(super) fn console_headers(state: &Regional) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors {}",
        state.control_plane_origins.join(" ")
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
}

fn console_page(state: &Regional, status: StatusCode, body: String) -> Response {
    let page = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Secrets and configuration</title><style>{CONSOLE_STYLE}</style></head><body>{body}</body></html>"#
    );
    (status, console_headers(state), Html(page)).into_response()
}

/// The dashboard's look (its colours, type and controls), so the framed console reads as part
/// of the page around it.
pub(super) const CONSOLE_STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px;margin:0;padding:4px 2px;color:#1c2330;background:#fff}\
h2{font-size:15px;margin:16px 0 8px}table{border-collapse:collapse;width:100%}\
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#5b6472}\
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #d9dde3;vertical-align:middle}td:last-child{text-align:right}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}form.inline{display:inline}\
label{display:block;font-weight:600;margin:10px 0 4px}input,textarea{font:inherit;padding:6px 8px;width:100%;box-sizing:border-box;border:1px solid #b8bfc9;border-radius:6px}\
input:focus,textarea:focus,button:focus{outline:2px solid #1a73e8;outline-offset:1px}\
button{font:inherit;padding:6px 12px;margin-top:10px;cursor:pointer;border-radius:6px;border:1px solid #2f5bd3;background:#2f5bd3;color:#fff}\
form.inline button{margin:0;background:#fff;color:#b42318;border-color:#d9dde3}\
.notice{background:#e6f4ea;color:#0d4d23;border:1px solid #b7dfc3;border-radius:6px;padding:6px 10px}\
.error{background:#fdecea;color:#b42318;border:1px solid #f3bcb6;border-radius:6px;padding:6px 10px}.field-error{color:#b42318;margin:4px 0 0;font-size:13px}\
[aria-invalid=true]{border-color:#b42318}.muted{color:#5b6472}.row{display:flex;flex-wrap:wrap;gap:16px}.row>div{flex:1 1 240px}";

/// The console of a workspace: its secrets (names) and configuration, with forms to change them
/// when the token allows.
pub async fn console(
    State(state): State<Regional>,
    Path(raw): Path<String>,
    Query(query): Query<ConsoleQuery>,
) -> Response {
    let claims = match console_claims(&state, &raw, &query.token).await {
        Ok(claims) => claims,
        Err(problem) => {
            return console_page(
                &state,
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNAUTHORIZED),
                format!(
                    r#"<p class="error" role="alert">{} Reload the workspace page for a fresh token.</p>"#,
                    html(&problem.detail)
                ),
            );
        }
    };
    let (secrets, config) = match tokio::try_join!(
        store::secret_names(&state.pool, claims.ws),
        store::config(&state.pool, claims.ws)
    ) {
        Ok(found) => found,
        Err(e) => {
            return console_page(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    r#"<p class="error" role="alert">{}</p>"#,
                    html(&Problem::internal(e).detail)
                ),
            );
        }
    };
    let write = claims.allows(Access::Write);
    let token = html(&query.token);
    let delete_form = |path: &str, field: &str, value: &str, label: &str| {
        if !write {
            return String::new();
        }
        format!(
            r#"<form class="inline" method="post" action="{path}"><input type="hidden" name="token" value="{token}"><input type="hidden" name="{field}" value="{}"><input type="hidden" name="delete" value="true"><button type="submit" aria-label="{label}">Delete</button></form>"#,
            html(value)
        )
    };
    let secrets_path = format!("/v1/workspaces/{}/console/secrets", claims.ws);
    let config_path = format!("/v1/workspaces/{}/console/config", claims.ws);
    let secret_rows: String = if secrets.is_empty() {
        r#"<tr><td colspan="3" class="muted">No secrets yet.</td></tr>"#.to_owned()
    } else {
        secrets
            .iter()
            .map(|s| {
                format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    html(&s.name),
                    html(&readable(s.updated_at)),
                    delete_form(
                        &secrets_path,
                        "name",
                        &s.name,
                        &format!("Delete secret {}", s.name)
                    )
                )
            })
            .collect()
    };
    let config_rows: String = if config.is_empty() {
        r#"<tr><td colspan="3" class="muted">No configuration yet.</td></tr>"#.to_owned()
    } else {
        config
            .iter()
            .map(|e| {
                format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                    html(&e.key),
                    html(&e.value),
                    delete_form(
                        &config_path,
                        "key",
                        &e.key,
                        &format!("Delete configuration {}", e.key)
                    )
                )
            })
            .collect()
    };
    let field_error = query
        .field
        .as_deref()
        .filter(|f| CONSOLE_FIELDS.contains(f))
        .zip(query.error.as_deref());
    // An input, with its error beside it when the last post failed because of it.
    let input = |id: &str, name: &str, label: &str, extra: &str, textarea: bool| {
        let error = field_error.filter(|(f, _)| *f == id).map(|(_, e)| e);
        let (invalid, message) = match error {
            Some(e) => (
                format!(r#" aria-invalid="true" aria-describedby="{id}-error""#),
                format!(r#"<p class="field-error" id="{id}-error">{}</p>"#, html(e)),
            ),
            None => (String::new(), String::new()),
        };
        let control = if textarea {
            format!(r#"<textarea id="{id}" name="{name}" rows="2"{invalid} {extra}></textarea>"#)
        } else {
            format!(r#"<input id="{id}" name="{name}"{invalid} {extra}>"#)
        };
        format!(r#"<label for="{id}">{label}</label>{control}{message}"#)
    };
    let key_rule = r#"required pattern="[A-Za-z_][A-Za-z0-9_]{0,127}" autocomplete="off""#;
    let forms = if write {
        format!(
            r#"<div class="row"><div><h2>Set a secret</h2><form method="post" action="{secrets_path}"><input type="hidden" name="token" value="{token}">{}{}<button type="submit">Save secret</button></form></div>
<div><h2>Set configuration</h2><form method="post" action="{config_path}"><input type="hidden" name="token" value="{token}">{}{}<button type="submit">Save configuration</button></form></div></div>"#,
            input(
                "secret-name",
                "name",
                "Secret name",
                &format!(r#"{key_rule} placeholder="DATABASE_PASSWORD""#),
                false
            ),
            input(
                "secret-value",
                "value",
                "Secret value",
                r#"required autocomplete="off""#,
                true
            ),
            input(
                "config-key",
                "key",
                "Configuration key",
                &format!(r#"{key_rule} placeholder="BATCH_SIZE""#),
                false
            ),
            input(
                "config-value",
                "value",
                "Configuration value",
                r#"autocomplete="off""#,
                false
            ),
        )
    } else {
        r#"<p class="muted">Your role on this workspace may only read.</p>"#.to_owned()
    };
    let notice = query
        .notice
        .map(|n| format!(r#"<p class="notice" role="status">{}</p>"#, html(&n)))
        .unwrap_or_default();
    // Errors of a field show beside it; the rest at the top.
    let error = match (&query.error, field_error) {
        (Some(_), Some(_)) => {
            r#"<p class="error" role="alert">Not saved: see the field marked below.</p>"#.to_owned()
        }
        (Some(e), None) => format!(r#"<p class="error" role="alert">{}</p>"#, html(e)),
        (None, _) => String::new(),
    };
    console_page(
        &state,
        StatusCode::OK,
        format!(
            r#"{notice}{error}<h2>Secrets</h2><p class="muted">Values are stored encrypted in this region and never shown again.</p><table><thead><tr><th scope="col">Name</th><th scope="col">Updated</th><th scope="col"></th></tr></thead><tbody>{secret_rows}</tbody></table>
<h2>Configuration</h2><table><thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col"></th></tr></thead><tbody>{config_rows}</tbody></table>{forms}"#
        ),
    )
}

async fn console_claims(state: &Regional, raw: &str, token: &str) -> ApiResult<ScopedClaims> {
    let workspace = workspace_id(raw)?;
    let claims = verify(state, token).await?;
    Scoped(claims.clone()).on(workspace, Access::Read)?;
    Ok(claims)
}

/// A console form: set (`name` and `value`) or delete (`delete`) a secret; or the same for a
/// configuration `key`.
#[derive(Deserialize)]
pub struct ConsoleForm {
    token: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    delete: Option<String>,
}

/// Back to the console, with what happened (and which field an error is about). Only our
/// own messages travel in the address, never what was typed.
fn back(workspace: Uuid, token: &str, outcome: Result<String, (String, &str)>) -> Response {
    let what = match outcome {
        Ok(notice) => format!("notice={}", encode_query_value(&notice)),
        Err((error, field)) => format!("error={}&field={field}", encode_query_value(&error)),
    };
    Redirect::to(&format!(
        "/v1/workspaces/{workspace}/console?token={}&{what}",
        encode_query_value(token)
    ))
    .into_response()
}

async fn console_secret(
    State(state): State<Regional>,
    Path(raw): Path<String>,
    Form(form): Form<ConsoleForm>,
) -> Response {
    let outcome = console_change(&state, &raw, &form, true).await;
    console_outcome(&state, &raw, &form.token, outcome)
}

async fn console_config(
    State(state): State<Regional>,
    Path(raw): Path<String>,
    Form(form): Form<ConsoleForm>,
) -> Response {
    let outcome = console_change(&state, &raw, &form, false).await;
    console_outcome(&state, &raw, &form.token, outcome)
}

fn console_outcome(
    state: &Regional,
    raw: &str,
    token: &str,
    outcome: Result<String, (Problem, &'static str)>,
) -> Response {
    match (workspace_id(raw), outcome) {
        (Ok(workspace), Ok(notice)) => back(workspace, token, Ok(notice)),
        // A token that is no good cannot come back to the console either.
        (_, Err((problem, _))) if problem.status == 401 || problem.status == 503 => console_page(
            state,
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNAUTHORIZED),
            format!(
                r#"<p class="error" role="alert">{} Reload the workspace page for a fresh token.</p>"#,
                html(&problem.detail)
            ),
        ),
        (Ok(workspace), Err((problem, field))) => {
            back(workspace, token, Err((problem.detail, field)))
        }
        (Err(problem), _) => problem.into_response(),
    }
}

/// A console post; an error names the field it is about ("" for none).
async fn console_change(
    state: &Regional,
    raw: &str,
    form: &ConsoleForm,
    secret: bool,
) -> Result<String, (Problem, &'static str)> {
    let general = |p: Problem| (p, "");
    let workspace = workspace_id(raw).map_err(general)?;
    let claims = verify(state, &form.token).await.map_err(general)?;
    Scoped(claims.clone())
        .on(workspace, Access::Write)
        .map_err(general)?;
    let deleting = form.delete.as_deref() == Some("true");
    let (what, key_field, value_field) = if secret {
        ("secret name", "secret-name", "secret-value")
    } else {
        ("configuration key", "config-key", "config-value")
    };
    let raw_key = if secret { &form.name } else { &form.key };
    let key = parse_key(what, raw_key.as_deref().unwrap_or_default().trim())
        .map_err(|p| (p, key_field))?;
    let value = form.value.as_deref().unwrap_or_default();
    if secret {
        if deleting {
            remove_secret(state, workspace, &key)
                .await
                .map_err(general)?;
            tracing::info!(%workspace, secret = %key, by = %claims.name, "secret deleted");
            return Ok(format!("Secret {key} deleted."));
        }
        if value.is_empty() {
            return Err((
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Enter the secret's value.",
                ),
                value_field,
            ));
        }
        check_value(value).map_err(|p| (p, value_field))?;
        set_secret(state, workspace, &key, value)
            .await
            .map_err(general)?;
        tracing::info!(%workspace, secret = %key, by = %claims.name, "secret set");
        Ok(format!("Secret {key} saved."))
    } else {
        if deleting {
            remove_config(state, workspace, &key)
                .await
                .map_err(general)?;
            return Ok(format!("Configuration {key} deleted."));
        }
        check_value(value).map_err(|p| (p, value_field))?;
        set_config(state, workspace, &key, value)
            .await
            .map_err(general)?;
        Ok(format!("Configuration {key} saved."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_like_environment_variables() {
        assert!(parse_key("secret name", "DATABASE_PASSWORD").is_ok());
        assert!(parse_key("secret name", "_x1").is_ok());
        for bad in ["", "1ABC", "a-b", "a b", "ä", &"A".repeat(129)] {
            assert!(parse_key("secret name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn console_text_is_escaped() {
        assert_eq!(html("<b>\"x\"&'"), "&lt;b&gt;&quot;x&quot;&amp;&#39;");
    }
}
