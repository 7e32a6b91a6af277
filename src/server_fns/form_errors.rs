//! Errors carried back to a page through its URL, for forms posted without JavaScript.
//!
//! Without JavaScript a failed server function redirects back to the page it was posted from,
//! with the error in the URL, and every form of that server function on the page would show
//! it (the framework matches errors by server function only). Forms of a function used more
//! than once on a page (the rows of a table, the rename and enable forms of one region) carry
//! a hidden [`FORM_INPUT`] field naming them; this middleware copies it into the error's
//! echoed input, and each form shows only the errors tagged with its own name.
//!
//! It also keeps what was typed into sensitive fields out of those URLs, whatever a server
//! function echoed: URLs end up in history, logs and `Referer` headers.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;

use crate::error::{AppError, ErrorKind, FORM_INPUT};

/// Form posts are small; the largest (a job's fields) is a few hundred bytes.
const MAX_FORM_BODY: usize = 256 * 1024;

/// Inputs never carried back through a URL, by part of their name.
const SENSITIVE: [&str; 4] = ["password", "secret", "token", "key"];

pub async fn tag_form_errors(request: Request, next: Next) -> Response {
    // Only a browser without JavaScript asks for HTML back and gets the error in a URL.
    let is_form_post = {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        request.method() == Method::POST
            && request.uri().path().starts_with("/api/")
            && header(header::ACCEPT).contains("text/html")
            && header(header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
    };
    if !is_form_post {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BODY).await else {
        return AppError::new(ErrorKind::Invalid, "The form is too large.").into_response();
    };
    let form = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == FORM_INPUT)
        .map(|(_, value)| value.into_owned());
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !response.status().is_redirection() {
        return response;
    }
    let rewritten = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| retag(location, form.as_deref()))
        .and_then(|location| HeaderValue::from_str(&location).ok());
    if let Some(location) = rewritten {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The redirect target with its error tagged with `form` and stripped of sensitive input;
/// `None` when it carries no error of ours.
fn retag(location: &str, form: Option<&str>) -> Option<String> {
    let (base, query) = location.split_once('?')?;
    let mut found = false;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| {
            if name != "__err" {
                return (name.into_owned(), value.into_owned());
            }
            let Some(mut error) = URL_SAFE
                .decode(value.as_bytes())
                .ok()
                .and_then(|json| serde_json::from_slice::<AppError>(&json).ok())
            else {
                return (name.into_owned(), value.into_owned());
            };
            found = true;
            error.input.retain(|(field, _)| {
                field != FORM_INPUT && !SENSITIVE.iter().any(|s| field.contains(s))
            });
            if let Some(form) = form {
                error.input.push((FORM_INPUT.to_owned(), form.to_owned()));
            }
            let json = serde_json::to_vec(&error).unwrap_or_default();
            (name.into_owned(), URL_SAFE.encode(json))
        })
        .collect();
    found.then(|| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{base}?{query}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(error: &AppError) -> String {
        let err = URL_SAFE.encode(serde_json::to_vec(error).unwrap());
        format!("http://localhost/orgs/x/settings/members?tab=1&__path=%2Fapi%2Fm&__err={err}")
    }

    fn error_in(location: &str) -> AppError {
        let (_, query) = location.split_once('?').unwrap();
        let (_, err) = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "__err")
            .unwrap();
        serde_json::from_slice(&URL_SAFE.decode(err.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn errors_name_their_form_and_never_carry_sensitive_input() {
        let error = AppError::invalid("name", "Too long.").with_input([
            ("name", "typed"),
            ("client_secret", "s3cret"),
            ("new_password", "hunter22"),
            ("form", "forged"),
        ]);
        let out = retag(&location(&error), Some("rename-region")).unwrap();
        assert!(out.starts_with("http://localhost/orgs/x/settings/members?tab=1&__path="));
        let back = error_in(&out);
        assert_eq!(back.input("name"), Some("typed"));
        assert_eq!(back.input("client_secret"), None);
        assert_eq!(back.input("new_password"), None);
        assert_eq!(back.input(FORM_INPUT), Some("rename-region"));
        assert_eq!(back.field("name"), Some("Too long."));
    }

    #[test]
    fn redirects_without_an_error_are_left_alone() {
        assert_eq!(
            retag("http://localhost/orgs/x?notice=saved", Some("f")),
            None
        );
        assert_eq!(retag("/orgs/x", None), None);
    }
}
