//! What operators and their machines talk to: the door every request passes first (a request
//! id, metrics, a bound on time and on requests in flight) and the Prometheus endpoint.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tracing::Instrument;

use crate::error::AppError;
use crate::state::AppState;
use crate::telemetry;

/// The header carrying a request's id, both ways.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The data planes' long poll for runs answers after up to 30 s by design: it gets that much
/// beyond the request timeout.
const LONG_POLLS: &[&str] = &["/api/v1/dataplanes/runs/claim"];
const LONG_POLL_EXTRA: std::time::Duration = std::time::Duration::from_secs(30);

/// What load balancers and Prometheus ask: answered even when the replica is overloaded, and
/// cheap, so never shed nor timed out.
const PROBES: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// Seconds a client refused at the door should wait before trying again.
const BUSY_RETRY_AFTER: u32 = 1;

/// Every request: takes the caller's `X-Request-Id` when harmless or makes one, logs inside a
/// span naming it, answers it in the response header; refuses the request with 503 when too
/// many are in flight; answers 503 when it takes longer than the request timeout; counts it.
pub async fn door(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(telemetry::accept_request_id)
        .unwrap_or_else(telemetry::new_request_id);
    let method = request.method().as_str().to_owned();
    // The route's template, never the path: ids in paths would make every request a series.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let problem = wants_problem(request.uri().path());
    let span = tracing::info_span!("request", id = %id, method = %method, route = %route);

    let probe = PROBES.contains(&route.as_str());
    let mut response = if probe {
        telemetry::with_request_id(id.clone(), next.run(request))
            .instrument(span.clone())
            .await
    } else if state.in_flight.load(Ordering::Relaxed) >= state.config.max_in_flight {
        telemetry::count_shed();
        tracing::warn!(parent: &span, "too many requests in flight: refused");
        unavailable(problem, AppError::busy(BUSY_RETRY_AFTER), &id)
    } else {
        let _counted = Counted::new(&state.in_flight);
        let limit = if LONG_POLLS.contains(&route.as_str()) {
            state.config.request_timeout + LONG_POLL_EXTRA
        } else {
            state.config.request_timeout
        };
        let work = telemetry::with_request_id(id.clone(), next.run(request));
        match tokio::time::timeout(limit, work.instrument(span.clone())).await {
            Ok(response) => response,
            Err(_) => {
                telemetry::count_timed_out();
                tracing::warn!(parent: &span, timeout_secs = limit.as_secs(), "request timed out");
                unavailable(problem, AppError::busy(BUSY_RETRY_AFTER), &id)
            }
        }
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    telemetry::observe_request(&method, &route, status, elapsed);
    if status >= 500 {
        tracing::warn!(parent: &span, status, elapsed_ms = elapsed.as_millis() as u64, "answered with an error");
    } else {
        tracing::debug!(parent: &span, status, elapsed_ms = elapsed.as_millis() as u64, "answered");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}

/// One request counted in a server's `in_flight` while it lives.
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn new(counter: &'a AtomicUsize) -> Counted<'a> {
        counter.fetch_add(1, Ordering::Relaxed);
        Counted(counter)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether a path's callers read problem documents (the public API, the agents' API) rather
/// than pages.
fn wants_problem(path: &str) -> bool {
    path.starts_with(crate::paths::API_BASE) || path.starts_with("/api/v1/")
}

/// The 503 a request gets when it is refused at the door or timed out: a problem document for
/// API clients, a plain page for browsers.
fn unavailable(problem: bool, error: AppError, id: &str) -> Response {
    if problem {
        return crate::api::problem::ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error)
            .into_response();
    }
    let retry_after = error.retry_after.unwrap_or(BUSY_RETRY_AFTER);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Temporarily unavailable · Meridian</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\">\
         <h1>Temporarily unavailable</h1><p>{}</p><p><small>Request {id}</small></p></body></html>",
        error.message
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, HeaderValue::from(retry_after)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Html(page),
    )
        .into_response()
}

/// `GET /metrics`: the Prometheus text format. With `MERIDIAN_METRICS_TOKEN` set, only for a
/// caller presenting it as a bearer token (compared in constant time).
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !crate::auth::secrets::equal(given.as_bytes(), expected.as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "a bearer token is required",
            )
                .into_response();
        }
    }
    let mut snapshot = telemetry::Snapshot {
        in_flight: state.in_flight.load(Ordering::Relaxed),
        pool_in_use: state.pool.size() - state.pool.num_idle() as u32,
        pool_idle: state.pool.num_idle() as u32,
        pool_max: state.pool.options().get_max_connections(),
        ..Default::default()
    };
    // The database's part is best effort: metrics matter most when the database is away.
    match data_planes_by_health(&state).await {
        Ok(planes) => snapshot.data_planes = planes,
        Err(e) => tracing::warn!(error = %e, "metrics without the database's gauges"),
    }
    match crate::db::audit_buckets::pending_by_organization(&state.pool).await {
        Ok(pending) => {
            snapshot.audit_outbox = pending
                .into_iter()
                .map(|(org, n)| (org.to_string(), n.max(0) as u64))
                .collect()
        }
        Err(e) => tracing::warn!(error = %e, "metrics without the audit outbox"),
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        telemetry::render(&snapshot),
    )
        .into_response()
}

/// Data planes counted by organization, region and health, judged as the dashboard judges.
async fn data_planes_by_health(
    state: &AppState,
) -> Result<Vec<(String, String, String, String, u64)>, sqlx::Error> {
    use std::collections::BTreeMap;
    let mut conn = state.pool.acquire().await?;
    let planes = crate::db::webhooks::plane_health(&mut conn).await?;
    let now = time::OffsetDateTime::now_utc();
    let mut counted: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    for p in planes {
        let health = state.config.health.judge(p.last_heartbeat_at, now);
        *counted
            .entry((
                p.organization_id.to_string(),
                p.region_id.to_string(),
                p.region_name,
                // Label values in Prometheus' lower case.
                health.as_str().to_ascii_lowercase(),
            ))
            .or_default() += 1;
    }
    Ok(counted
        .into_iter()
        .map(|((org, id, name, health), n)| (org, id, name, health, n))
        .collect())
}
