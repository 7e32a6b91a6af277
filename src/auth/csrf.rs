//! Cross-site request forgery defence for cookie-authenticated requests.
//!
//! Session cookies are `SameSite=Lax`, which already keeps them off cross-site POSTs in
//! current browsers; this middleware also refuses any state-changing request that a browser
//! marks as coming from another site, for browsers or proxies that get SameSite wrong.

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if is_cross_site_write(&request) {
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response();
    }
    next.run(request).await
}

fn is_cross_site_write(request: &Request) -> bool {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    // Older browsers: compare the Origin's host with the Host we were reached at.
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_cross_site_write;
    use axum::body::Body;
    use axum::http::Request;

    fn post(headers: &[(&str, &str)]) -> Request<Body> {
        let mut builder = Request::post("/api/regions/create");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn same_origin_posts_pass() {
        assert!(!is_cross_site_write(&post(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site_write(&post(&[
            ("origin", "http://a.test:3000"),
            ("host", "a.test:3000")
        ])));
        assert!(!is_cross_site_write(&post(&[])));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(is_cross_site_write(&post(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(is_cross_site_write(&post(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(is_cross_site_write(&post(&[
            ("origin", "http://evil.test"),
            ("host", "a.test:3000")
        ])));
        assert!(is_cross_site_write(&post(&[("origin", "null")])));
    }
}
