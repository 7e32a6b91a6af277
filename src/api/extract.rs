//! Reading requests into typed values, with a problem document for everything that does not
//! read: the caller's token, JSON bodies, query parameters and path ids.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::problem::{ApiError, ApiResult, camel_case};
use crate::auth::{
    self, OrgAccess,
    client::ClientAddr,
    tokens::{API_AUDIENCE, Claims},
};
use crate::domain::{Name, OrgRole};
use crate::error::{AppError, ErrorKind};
use crate::state::AppState;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The authenticated caller: an application acting for its owner.
pub struct Caller {
    pub claims: Claims,
    pub source_ip: Option<String>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        let token = bearer_token(
            &parts.headers,
            "Send an access token: Authorization: Bearer <token>. Exchange your application's credentials at POST /api/public/v1/applications/token.",
        )?;
        let claims = state.tokens.verify(token, API_AUDIENCE).await?;
        let source_ip = client_addr(parts);
        Ok(Caller { claims, source_ip })
    }
}

/// The client's address as the trusted-proxy rules make it (see [`crate::auth::client`]).
pub fn client_addr(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ClientAddr>()
        .map(ClientAddr::to_string)
}

/// The token of an `Authorization: Bearer <token>` header; `missing` says what to send when
/// there is none.
pub fn bearer_token<'a>(headers: &'a axum::http::HeaderMap, missing: &str) -> ApiResult<&'a str> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthenticated(missing))?;
    header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::unauthenticated("The Authorization header must be: Bearer <token>.")
        })
}

impl Caller {
    /// Acting on an object of `organization_id` found by its id: organizations the caller is
    /// not a member of answer 404 like a missing object, so ids reveal nothing.
    pub async fn access(
        &self,
        state: &AppState,
        organization_id: Uuid,
        needed: OrgRole,
    ) -> ApiResult<OrgAccess> {
        let found = state
            .api_access
            .lookup(&state.pool, self.claims.client, organization_id)
            .await?
            // The application was deleted after its token was issued.
            .ok_or_else(|| {
                ApiError::unauthenticated("The application of this token was deleted.")
            })?;
        Ok(auth::authorize_application(
            &found,
            self.claims.ep,
            self.source_ip.clone(),
            organization_id,
            needed,
        )?)
    }

    /// Acting in the organization the application was created for, as a member at least: what
    /// listings that name no organization show.
    pub async fn home(&self, state: &AppState) -> ApiResult<OrgAccess> {
        let owner = state
            .api_access
            .owner(&state.pool, self.claims.client)
            .await?
            .ok_or_else(|| {
                ApiError::unauthenticated("The application of this token was deleted.")
            })?;
        let (_, organization_id) = *owner;
        self.access(state, organization_id, OrgRole::Member).await
    }

    /// Acting on an organization named in the request: one the caller may not act on is
    /// refused with 403.
    pub async fn access_named(
        &self,
        state: &AppState,
        organization_id: Uuid,
        needed: OrgRole,
    ) -> ApiResult<OrgAccess> {
        self.access(state, organization_id, needed)
            .await
            .map_err(|e| match e.status() {
                StatusCode::NOT_FOUND => AppError::new(
                    ErrorKind::Forbidden,
                    "You are not a member of that organization.",
                )
                .into(),
                _ => e,
            })
    }

    /// Like [`Caller::access`], for an object the caller reached by id: refusals for lack of
    /// membership read as the object missing.
    pub async fn access_object(
        &self,
        state: &AppState,
        organization_id: Uuid,
        needed: OrgRole,
        what: &str,
    ) -> ApiResult<OrgAccess> {
        self.access(state, organization_id, needed)
            .await
            .map_err(|e| match e.status() {
                StatusCode::NOT_FOUND => AppError::not_found(what).into(),
                _ => e,
            })
    }
}

/// A JSON request body. Unreadable JSON is 400; a value of the wrong type or a missing field
/// is 422 naming the field; more than [`MAX_BODY_BYTES`] is 413.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> ApiResult<JsonBody<T>> {
        let json = media_type(request.headers())
            .is_none_or(|t| t == "application/json" || t.ends_with("+json"));
        let bytes = read_body(request, state).await?;
        if !json {
            return Err(unsupported_media_type(
                "JSON (Content-Type: application/json)",
            ));
        }
        parse_json(&bytes).map(JsonBody)
    }
}

/// The whole request body: 413 beyond [`MAX_BODY_BYTES`], 400 when it cannot be read.
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> ApiResult<Bytes> {
    Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                AppError::new(
                    ErrorKind::Invalid,
                    format!(
                        "The request body is larger than {} MiB.",
                        MAX_BODY_BYTES / 1024 / 1024
                    ),
                ),
            )
        } else {
            ApiError::bad_request("The request body could not be read.")
        }
    })
}

/// The media type of a request, lower-cased, without parameters.
pub fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// 415 for a body in a media type the endpoint does not read.
pub fn unsupported_media_type(expected: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::new(
            ErrorKind::Invalid,
            format!("Send the request body as {expected}."),
        ),
    )
}

/// Path parameters. A path that does not decode (say, invalid UTF-8) is a 400 problem, like
/// every other malformed request.
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<PathParams<T>> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParams(value))
            .map_err(|e| {
                ApiError::bad_request(format!("The path is malformed: {}.", e.body_text()))
            })
    }
}

/// Parses a JSON document into `T`, saying which field is wrong when it does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ApiError::bad_request("The request needs a JSON body.")),
        // Structs would otherwise also read from arrays, by position.
        Some(b) if *b != b'{' && serde_json::from_slice::<serde_json::Value>(bytes).is_ok() => {
            return Err(ApiError::bad_request(
                "The request body must be a JSON object, not another JSON value.",
            ));
        }
        Some(_) => {}
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("The request body is not valid JSON: {inner}."))
        } else if path.is_empty() || path == "." {
            // A missing field, or a document that is not an object.
            match missing_field(&inner.to_string()) {
                Some(field) => ApiError::invalid(field, "This field is required."),
                None => ApiError::bad_request(format!(
                    "The request body does not have the expected shape: {}.",
                    strip_position(&inner.to_string())
                )),
            }
        } else {
            ApiError::invalid(&path, strip_position(&inner.to_string()))
        }
    })?;
    deserializer
        .end()
        .map_err(|_| ApiError::bad_request("The request body has data after the JSON document."))?;
    Ok(value)
}

/// serde_json words a missing field as "missing field `name` at line 1 column 2".
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Query parameters as Airbyte's clients send them: repeated keys (`ids=a&ids=b`) or
/// comma-separated values (`ids=a,b`) for lists.
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Params> {
        let query = parts.uri.query().unwrap_or("");
        Ok(Params(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

impl Params {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn last(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A text parameter, or empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.last(name).unwrap_or_default().to_owned()
    }

    pub fn uuid(&self, name: &str) -> ApiResult<Option<Uuid>> {
        self.last(name)
            .map(|raw| {
                Uuid::parse_str(raw.trim())
                    .map_err(|_| ApiError::invalid(name, format!("'{raw}' is not a UUID.")))
            })
            .transpose()
    }

    /// A UUID parameter the request must have (422 naming it otherwise).
    pub fn required_uuid(&self, name: &str) -> ApiResult<Uuid> {
        self.uuid(name)?
            .ok_or_else(|| ApiError::invalid(name, "This parameter is required."))
    }

    /// A list of text values (repeated or comma-separated), without empty ones.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.values(name)
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn uuids(&self, name: &str) -> ApiResult<Vec<Uuid>> {
        self.values(name)
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|raw| {
                Uuid::parse_str(raw)
                    .map_err(|_| ApiError::invalid(name, format!("'{raw}' is not a UUID.")))
            })
            .collect()
    }

    pub fn bool(&self, name: &str, default: bool) -> ApiResult<bool> {
        match self.last(name).map(str::trim) {
            None => Ok(default),
            Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(true),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(false),
            Some(raw) => Err(ApiError::invalid(
                name,
                format!("'{raw}' is not true or false."),
            )),
        }
    }

    /// An integer within `min..=max`, or `default` when absent.
    pub fn int(&self, name: &str, default: i64, min: i64, max: i64) -> ApiResult<i64> {
        match self.last(name) {
            None => Ok(default),
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::invalid(
                    name,
                    format!("'{raw}' is not a whole number from {min} to {max}."),
                )),
            },
        }
    }
}

/// A path id: a UUID, or 400 naming the parameter.
pub fn path_id(name: &str, raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::bad_request(format!("{}: '{raw}' is not a UUID.", camel_case(name))))
}

/// A name field, parsed with the same rules as the UI's forms.
pub fn name_field(field: &str, raw: &str) -> ApiResult<Name> {
    Name::parse(raw).map_err(|m| ApiError::invalid(field, m))
}
