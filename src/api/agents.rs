//! The data plane API at `/api/v1/dataplanes`, spoken by data planes' agents (not public):
//! `token` exchanges client credentials for a 5-minute token; `initialize` and `heartbeat`
//! record that the data plane is alive, with its version and host, and answer its identity
//! and whether it may take work; `runs/claim`, `runs/{id}/renew` and `runs/{id}/finish` hand
//! out the region's queued runs and hear how they went; `deployments` hears of code uploaded
//! to the region (its name, version and digest only).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::{Extension, Json};

use super::extract::{JsonBody, bearer_token};
use super::problem::{ApiError, ApiResult};
use crate::auth::tokens::{Claims, DATA_PLANE_AUDIENCE};
use crate::auth::{client::ClientAddr, limits};
use crate::dataplane::protocol::{
    ClaimRequest, DeploymentReport, FinishRequest, Identity, RenewRequest, RenewResponse, Report,
    TokenRequest, TokenResponse,
};

use crate::ops;
use crate::state::AppState;

/// An agent presenting a valid data plane token.
pub struct Agent {
    pub claims: Claims,
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Agent> {
        let token = bearer_token(
            &parts.headers,
            "Send the data plane token: Authorization: Bearer <token>.",
        )?;
        let claims = state.tokens.verify(token, DATA_PLANE_AUDIENCE).await?;
        Ok(Agent { claims })
    }
}

/// `POST /api/v1/dataplanes/token`.
pub async fn token(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    JsonBody(request): JsonBody<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let address = client.map(|Extension(c)| c.to_string()).unwrap_or_default();
    state
        .limit(limits::DATA_PLANE_TOKEN_PER_ADDRESS, &address)
        .await?;
    let (access_token, lifetime) =
        ops::data_planes::exchange(&state, &request.client_id, &request.client_secret).await?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: lifetime.as_secs(),
    }))
}

/// `POST /api/v1/dataplanes/initialize`: the agent starts.
pub async fn initialize(
    State(state): State<AppState>,
    agent: Agent,
    JsonBody(report): JsonBody<Report>,
) -> ApiResult<Json<Identity>> {
    report_in(&state, &agent, &report).await
}

/// `POST /api/v1/dataplanes/heartbeat`: the agent is alive. The body is optional.
pub async fn heartbeat(
    State(state): State<AppState>,
    agent: Agent,
    body: axum::body::Bytes,
) -> ApiResult<Json<Identity>> {
    let report = if body.iter().all(u8::is_ascii_whitespace) {
        Report::default()
    } else {
        super::extract::parse_json(&body)?
    };
    report_in(&state, &agent, &report).await
}

async fn report_in(state: &AppState, agent: &Agent, report: &Report) -> ApiResult<Json<Identity>> {
    let found = ops::data_planes::report_in(&state.pool, agent.claims.client, report)
        .await?
        .ok_or_else(|| {
            ApiError::unauthenticated(
                "These credentials were revoked or the data plane was deleted.",
            )
        })?;
    Ok(Json(Identity {
        dataplane_id: found.dataplane_id,
        dataplane_name: found.dataplane_name,
        region_id: found.region_id,
        region_name: found.region_name,
        organization_id: found.organization_id,
        enabled: found.dataplane_enabled && found.region_enabled,
    }))
}

/// `POST /api/v1/dataplanes/runs/claim`: a run of the data plane's region, or 204 No Content
/// when none was queued within the asked wait (a long poll of at most 30 s).
pub async fn claim(
    State(state): State<AppState>,
    agent: Agent,
    body: axum::body::Bytes,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let request: ClaimRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ClaimRequest::default()
    } else {
        super::extract::parse_json(&body)?
    };
    let wait = std::time::Duration::from_secs(request.wait_seconds);
    Ok(
        match ops::work::claim(&state, agent.claims.client, wait).await? {
            Some(run) => Json(run).into_response(),
            None => axum::http::StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// `POST /api/v1/dataplanes/runs/{runId}/renew`: the data plane still runs it; 409 when it
/// is no longer its to run (it must stop it).
pub async fn renew(
    State(state): State<AppState>,
    agent: Agent,
    axum::extract::Path(run_id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<RenewResponse>> {
    let run_id = super::extract::path_id("run_id", &run_id)?;
    let request: RenewRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RenewRequest::default()
    } else {
        super::extract::parse_json(&body)?
    };
    match ops::work::renew(&state, agent.claims.sub, run_id, request.deployment_version).await? {
        Some(cancel) => Ok(Json(RenewResponse {
            cancel,
            lease_seconds: state.config.run_lease.whole_seconds().max(1) as u64,
        })),
        None => Err(no_longer_yours()),
    }
}

/// `POST /api/v1/dataplanes/runs/{runId}/finish`: how the run ended.
pub async fn finish(
    State(state): State<AppState>,
    agent: Agent,
    axum::extract::Path(run_id): axum::extract::Path<String>,
    JsonBody(report): JsonBody<FinishRequest>,
) -> ApiResult<axum::http::StatusCode> {
    let run_id = super::extract::path_id("run_id", &run_id)?;
    if ops::work::finish(&state, agent.claims.sub, run_id, &report).await? {
        Ok(axum::http::StatusCode::NO_CONTENT)
    } else {
        Err(no_longer_yours())
    }
}

fn no_longer_yours() -> ApiError {
    ApiError::from(crate::error::AppError::conflict(
        None,
        "This run is not this data plane's to run (any more).",
    ))
}

/// `POST /api/v1/dataplanes/deployments`: code was uploaded to the data plane's region.
pub async fn deployment(
    State(state): State<AppState>,
    agent: Agent,
    JsonBody(report): JsonBody<DeploymentReport>,
) -> ApiResult<axum::http::StatusCode> {
    ops::work::report_deployment(&state, agent.claims.sub, &report).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
