//! Errors of the public API as `application/problem+json` (RFC 9457): a stable `type`, a
//! short `title`, the HTTP `status`, a `detail` a person can act on, and per-field `errors`
//! for invalid input. Built from the one [`AppError`], so both doors word failures alike.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, ErrorKind};

pub type ApiResult<T> = Result<T, ApiError>;

/// A problem detail document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// What is wrong with each offending field of the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The request's id, as in the `X-Request-Id` header: quote it when reporting a problem.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field as the request names it, e.g. `regionId`.
    pub field: String,
    pub message: String,
}

/// An error answered as a problem document.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: AppError,
}

impl ApiError {
    pub fn new(status: StatusCode, error: AppError) -> ApiError {
        ApiError { status, error }
    }

    /// A malformed request (400): unreadable JSON, a path id that is not a UUID.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            AppError::new(ErrorKind::Invalid, detail),
        )
    }

    /// A value that breaks a rule (422), attributed to one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        AppError::invalid(field, message).into()
    }

    pub fn unauthenticated(detail: &str) -> ApiError {
        AppError::new(ErrorKind::Unauthenticated, detail).into()
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError { status, error }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        AppError::from(error).into()
    }
}

/// `region_id` → `regionId`: field names as API clients spell them.
pub fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn title(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad-request", "Bad request"),
        401 => ("unauthorized", "Unauthorized"),
        403 => ("forbidden", "Forbidden"),
        404 => ("not-found", "Not found"),
        405 => ("method-not-allowed", "Method not allowed"),
        409 => ("conflict", "Conflict"),
        413 => ("payload-too-large", "Payload too large"),
        415 => ("unsupported-media-type", "Unsupported media type"),
        422 => ("invalid-input", "Invalid input"),
        429 => ("too-many-requests", "Too many requests"),
        503 => ("unavailable", "Service unavailable"),
        _ => ("internal-error", "Internal server error"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (slug, title) = title(self.status);
        let detail = match self.error.fields.as_slice() {
            // A single field's message says more than the generic "correct the field".
            [only] if self.error.kind == ErrorKind::Invalid => {
                format!("{}: {}", camel_case(&only.field), only.message)
            }
            _ => self.error.message.clone(),
        };
        let problem = Problem {
            kind: format!("urn:meridian:problem:{slug}"),
            title: title.into(),
            status: self.status.as_u16(),
            detail,
            errors: self
                .error
                .fields
                .iter()
                .map(|f| ProblemField {
                    field: camel_case(&f.field),
                    message: f.message.clone(),
                })
                .collect(),
            request_id: crate::telemetry::request_id().map(|id| id.to_string()),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meridian\""),
            );
        }
        if let Some(seconds) = self.error.retry_after {
            headers.insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A handler that panicked answers 500 with no details; the panic is logged.
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    ApiError::from(AppError::internal()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_follow_the_api_spelling() {
        assert_eq!(camel_case("region_id"), "regionId");
        assert_eq!(camel_case("name"), "name");
        assert_eq!(camel_case("organization_id"), "organizationId");
    }
}
