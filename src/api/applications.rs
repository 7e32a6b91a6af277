//! `POST /applications/token`: exchanging an application's client credentials for a bearer
//! token (OAuth 2.0 client credentials grant, JSON or form-encoded).

use axum::extract::{Request, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{media_type, parse_json, read_body, unsupported_media_type};
use super::problem::{ApiError, ApiResult};
use crate::auth::{client::ClientAddr, limits};
use crate::ops;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    #[serde(alias = "clientId")]
    pub client_id: String,
    #[serde(alias = "clientSecret")]
    pub client_secret: String,
    /// Must be `client_credentials`. Also accepted as `grant-type`, as Airbyte spells it.
    #[serde(alias = "grant-type", alias = "grantType")]
    #[schema(pattern = "^client_credentials$")]
    pub grant_type: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(pattern = "^Bearer$")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Get an access token for an application.
#[utoipa::path(post, path = "/applications/token", tag = "Applications", security(()),
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses((status = 200, body = TokenResponse)))]
pub async fn token(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    request: Request,
) -> ApiResult<Json<TokenResponse>> {
    let address = client.map(|Extension(c)| c.to_string()).unwrap_or_default();
    state.limit(limits::API_TOKEN_PER_ADDRESS, &address).await?;
    let media_type = media_type(request.headers());
    let body = read_body(request, &state).await?;
    let form = match media_type.as_deref() {
        Some("application/x-www-form-urlencoded") => true,
        None | Some("application/json") => false,
        Some(_) => {
            return Err(unsupported_media_type(
                "JSON or form fields (application/json or application/x-www-form-urlencoded)",
            ));
        }
    };
    let request: TokenRequest = if form {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let object: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        parse_json(&serde_json::to_vec(&object).unwrap_or_default())?
    } else {
        parse_json(&body)?
    };
    if request.grant_type != "client_credentials" {
        return Err(ApiError::invalid(
            "grant_type",
            "Only the client_credentials grant is supported.",
        ));
    }
    let issued =
        ops::applications::exchange(&state, &request.client_id, &request.client_secret).await?;
    Ok(Json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
    }))
}
