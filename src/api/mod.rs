//! The public REST API at `/api/public/v1`, in the shapes of the Airbyte public API, and its
//! OpenAPI document and reference page. A second thin door onto the same rules as the UI
//! (`ops/`): handlers read the request into domain types, call an operation, and answer
//! JSON or a problem document.

pub mod agents;
pub mod applications;
pub mod audit;
pub mod audit_storage;
pub mod data_planes;
pub mod extract;
pub mod openapi;
pub mod organizations;
pub mod permissions;
pub mod problem;
pub mod regions;
pub mod users;
pub mod webhooks;
pub mod work;
pub mod workspaces;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{AppError, ErrorKind};
use crate::state::AppState;
use problem::ApiError;

/// Where the API is mounted.
pub const BASE_PATH: &str = crate::paths::API_BASE;

/// The API's routes, to be nested at [`BASE_PATH`], plus the reference page.
pub fn router() -> Router<AppState> {
    let v1 = Router::new()
        .route("/applications/token", post(applications::token))
        .route("/regions", get(regions::list).post(regions::create))
        .route(
            "/regions/{regionId}",
            get(regions::get)
                .patch(regions::update)
                .delete(regions::delete),
        )
        .route(
            "/regions/{regionId}/dataplanes",
            get(data_planes::list_nested).post(data_planes::create_nested),
        )
        .route(
            "/regions/{regionId}/dataplanes/{dataplaneId}",
            get(data_planes::get_nested)
                .patch(data_planes::update_nested)
                .delete(data_planes::delete_nested),
        )
        .route(
            "/dataplanes",
            get(data_planes::list).post(data_planes::create),
        )
        .route(
            "/dataplanes/{dataplaneId}",
            get(data_planes::get)
                .patch(data_planes::update)
                .delete(data_planes::delete),
        )
        .route(
            "/dataplanes/{dataplaneId}/secrets",
            get(data_planes::list_secrets).post(data_planes::rotate_secret),
        )
        .route(
            "/dataplanes/{dataplaneId}/secrets/{secretId}",
            axum::routing::delete(data_planes::revoke_secret),
        )
        .route(
            "/workspaces",
            get(workspaces::list).post(workspaces::create),
        )
        .route(
            "/workspaces/{workspaceId}",
            get(workspaces::get)
                .patch(workspaces::update)
                .delete(workspaces::delete),
        )
        .route(
            "/workspaces/{workspaceId}/scoped-token",
            post(workspaces::scoped_token),
        )
        .route("/jobs", get(work::list).post(work::create))
        .route(
            "/jobs/{jobId}",
            get(work::get).patch(work::update).delete(work::delete),
        )
        .route("/jobs/{jobId}/runs", post(work::run_now))
        .route("/runs", get(work::list_runs))
        .route("/runs/{runId}", get(work::get_run))
        .route("/runs/{runId}/cancel", post(work::cancel))
        .route("/organizations", get(organizations::list))
        .route(
            "/organizations/{organizationId}/data-inventory",
            get(organizations::data_inventory),
        )
        .route(
            "/organizations/{organizationId}/residency-policy",
            get(organizations::residency_policy).put(organizations::set_residency_policy),
        )
        .route(
            "/organizations/{organizationId}/audit-storage",
            get(audit_storage::get),
        )
        .route(
            "/organizations/{organizationId}/audit-storage/retention",
            axum::routing::put(audit_storage::set_retention),
        )
        .route(
            "/organizations/{organizationId}/audit-storage/bucket",
            axum::routing::put(audit_storage::set_bucket).delete(audit_storage::remove_bucket),
        )
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{webhookId}",
            get(webhooks::get).delete(webhooks::delete),
        )
        .route("/webhooks/{webhookId}/test", post(webhooks::test))
        .route("/audit-events", get(audit::list))
        .route("/users", get(users::list))
        .route("/users/{userId}/sign-out", post(users::sign_out))
        .route(
            "/users/{userId}/password",
            axum::routing::put(users::set_password),
        )
        .route("/invitations", get(permissions::list_invitations))
        .route(
            "/invitations/{invitationId}",
            axum::routing::delete(permissions::revoke_invitation),
        )
        .route(
            "/permissions",
            get(permissions::list).post(permissions::create),
        )
        .route(
            "/permissions/{permissionId}",
            get(permissions::get)
                .patch(permissions::update)
                .delete(permissions::delete),
        )
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                AppError::new(ErrorKind::Invalid, "This path does not take that method."),
            )
        })
        .fallback(|| async {
            ApiError::from(AppError::new(
                ErrorKind::NotFound,
                "There is no such API endpoint. See /api/public/docs.",
            ))
        })
        // Requests larger than this are refused before they are read.
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        // Answers are per caller, and some hold a secret or a token: never stored by caches.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let agents = Router::new()
        .route("/token", post(agents::token))
        .route("/initialize", post(agents::initialize))
        .route("/heartbeat", post(agents::heartbeat))
        .route("/runs/claim", post(agents::claim))
        .route("/runs/{runId}/renew", post(agents::renew))
        .route("/runs/{runId}/finish", post(agents::finish))
        .route("/deployments", post(agents::deployment))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .route(crate::dataplane::scoped::JWKS_PATH, get(jwks))
        .nest(BASE_PATH, v1)
        .nest(crate::dataplane::protocol::BASE_PATH, agents)
        .merge(openapi::reference_page())
}

/// `GET /.well-known/jwks.json`: the public keys tokens are signed with, for data planes that
/// check scoped tokens offline. Public keys only; a retired key stays listed until its tokens
/// have expired. Caches may keep it briefly.
async fn jwks(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let jwks = state.tokens.jwks().await?;
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        )],
        axum::Json(jwks),
    ))
}

/// Timestamps as the API writes them: RFC 3339 in UTC.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
