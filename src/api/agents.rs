//! The data plane API at `/api/v1/dataplanes`, spoken by data planes' agents (not public):
//! `token` exchanges client credentials for a 5-minute token; `initialize` and `heartbeat`
//! record that the data plane is alive, with its version and host, and answer its identity
//! and whether it may take work.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::{Extension, Json};

use super::extract::{JsonBody, bearer_token};
use super::problem::{ApiError, ApiResult};
use crate::auth::tokens::{Claims, DATA_PLANE_AUDIENCE};
use crate::auth::{client::ClientAddr, limits};
use crate::dataplane::protocol::{Identity, Report, TokenRequest, TokenResponse};

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
