//! Assembles the HTTP server: pages, server functions, sessions and security middleware.
//! Used by `main` and by the integration tests, so tests run the real thing.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::catch_panic::CatchPanicLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::app::{App, shell};
use crate::auth;
use crate::state::AppState;

/// How long a browser session lasts without activity.
const SESSION_IDLE: time::Duration = time::Duration::hours(12);

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(auth::session::store(&state.pool))
        .with_name("meridian_session")
        .with_http_only(true)
        // Lax, not Strict: the SSO provider's redirect back must carry the cookie.
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));

    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let options = state.leptos_options.clone();

    // `leptos_routes_with_context` also mounts every server function at its `/api/...`
    // endpoint, with the same context as the pages.
    let ui = Router::new()
        .route("/", get(root))
        // Liveness: the process answers. Readiness: it should be sent requests.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route(crate::paths::SSO_START, get(crate::web::sso::start))
        .route(crate::paths::SSO_CALLBACK, get(crate::web::sso::callback))
        .route(
            "/orgs/{org}/settings/audit-log/export",
            get(crate::web::exports::audit_log),
        )
        .leptos_routes_with_context(&state, routes, context, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(
            crate::server_fns::status::real_error_status,
        ))
        .layer(middleware::from_fn(
            crate::server_fns::form_errors::tag_form_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_sign_in,
        ))
        .layer(middleware::from_fn(never_cache_pages))
        .layer(middleware::from_fn(auth::csrf::reject_cross_site))
        .layer(sessions);

    // The public API authenticates with bearer tokens, not cookies: none of the browser's
    // session, CSRF or page middleware applies to it.
    let trusted_proxies = std::sync::Arc::new(state.config.trusted_proxies.clone());
    Router::new()
        .merge(crate::api::router())
        .merge(ui)
        // Scraped by Prometheus: no session, no CSRF; its own optional bearer token.
        .route("/metrics", get(crate::gate::metrics))
        .layer(CatchPanicLayer::custom(crate::api::problem::panic_response))
        .layer(middleware::from_fn(move |request, next| {
            auth::client::resolve(trusted_proxies.clone(), request, next)
        }))
        // Outermost: the request id, the time bound and the metrics cover everything inside.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::gate::door,
        ))
        .with_state(state)
}

/// How long `/readyz` waits for the database before calling it unreachable.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `/readyz`: 200 while the database answers and the process is not stopping; 503 (with
/// `Retry-After`) otherwise, so a load balancer sends requests elsewhere.
async fn ready(State(state): State<AppState>) -> Response {
    use axum::http::StatusCode;
    let unavailable = |why: &'static str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::DATABASE_RETRY_AFTER),
            )],
            why,
        )
            .into_response()
    };
    if state.stopping.load(std::sync::atomic::Ordering::SeqCst) {
        return unavailable("stopping");
    }
    let ping = sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool);
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(_)) => "ready".into_response(),
        _ => unavailable("database unreachable"),
    }
}

/// Serves `app` until `stop` resolves (SIGTERM or Ctrl-C for the real server), then: readiness
/// goes false and requests are still served for `delay`, so load balancers stop sending new
/// ones; then no new connections are taken and requests in flight get up to `grace` to finish.
/// Returns once they have, or when the grace period is over.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    delay: std::time::Duration,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    // One timeline: stop, not ready; after `delay`, drain; after `grace` more, give up.
    let stopping = state.stopping.clone();
    let (drain, drained) = tokio::sync::oneshot::channel::<()>();
    let (give_up, given_up) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        stop.await;
        stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!(
            delay_secs = delay.as_secs(),
            grace_secs = grace.as_secs(),
            "stopping: not ready any more; serving for the delay, then finishing requests in flight"
        );
        tokio::time::sleep(delay).await;
        let _ = drain.send(());
        tokio::time::sleep(grace).await;
        let _ = give_up.send(());
    });
    let server = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = drained.await;
    });
    tokio::select! {
        result = server => result,
        Ok(()) = given_up => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the grace period: stopping anyway");
            Ok(())
        }
    }
}

/// `/`: the user's first organization when signed in, the sign-in page otherwise.
async fn root(State(state): State<AppState>, session: Session) -> Response {
    match auth::session::user(&session, &state.pool).await {
        Ok(Some(user)) => match crate::read::landing_path(&state.pool, user.id, None).await {
            Ok(path) => Redirect::to(&path).into_response(),
            Err(e) => e.into_response(),
        },
        Ok(None) => Redirect::to("/login").into_response(),
        Err(e) => e.into_response(),
    }
}

/// Settings pages need a signed-in user whose session is still theirs: send everyone else to
/// sign in, and back afterwards.
async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let protected = path.starts_with("/orgs/")
        || path.starts_with("/organizations/")
        || path == crate::paths::ACCOUNT
        || path == crate::paths::INVITATIONS;
    if protected && matches!(auth::session::user(&session, &state.pool).await, Ok(None)) {
        let wanted = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next = crate::paths::encode_query_value(wanted);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    next.run(request).await
}

/// Pages and server function answers are per user, and one of them shows a secret once:
/// browsers must not keep them, or the back button would show them again from the cache.
async fn never_cache_pages(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let dynamic = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
    if dynamic && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
