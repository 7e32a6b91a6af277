//! Gives failed server function calls their real HTTP status.
//!
//! The server function framework answers every error with 500, whatever it was, and some
//! errors (a malformed form) happen before our code runs. This middleware reads the error
//! body, which is always an [`AppError`], and answers with its status instead: 422 for bad
//! input, 409 for conflicts, and so on. A plain form post without JavaScript gets a redirect
//! back to the form instead, which is left alone.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::AppError;

/// Error bodies are small; anything larger is not ours to reinterpret.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn real_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    // Only server function responses carry this header.
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::from("internal error"));
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
        if let Some(seconds) = error.retry_after {
            parts
                .headers
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
