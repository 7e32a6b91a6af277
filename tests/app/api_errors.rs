//! Public API: bad requests of every kind get a clear problem document, never a 500.

use crate::common::*;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test]
async fn malformed_requests_get_a_clear_4xx(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let raw = |method: reqwest::Method, path: &str, content_type: &str, body: Vec<u8>| {
        api.http
            .request(method, format!("{}{path}", api.base))
            .bearer_auth(&api.token)
            .header("content-type", content_type)
            .body(body)
    };
    let json = "application/json";
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                b"{\"name\": ".to_vec(),
            ),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "not an object",
            raw(reqwest::Method::POST, "/regions", json, b"[1, 2]".to_vec()),
            StatusCode::BAD_REQUEST,
            "JSON object",
        ),
        (
            "empty body",
            raw(reqwest::Method::POST, "/regions", json, Vec::new()),
            StatusCode::BAD_REQUEST,
            "JSON body",
        ),
        (
            "trailing data",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                format!("{{\"name\":\"a\",\"organizationId\":\"{}\"}} x", org()).into_bytes(),
            ),
            StatusCode::BAD_REQUEST,
            "after the JSON",
        ),
        (
            "wrong type",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                format!(
                    "{{\"name\":\"a\",\"organizationId\":\"{}\",\"enabled\":\"yes\"}}",
                    org()
                )
                .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "enabled",
        ),
        (
            "missing field",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                b"{\"name\":\"a\"}".to_vec(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "organizationId",
        ),
        (
            "bad uuid in body",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                b"{\"name\":\"a\",\"organizationId\":\"nope\"}".to_vec(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "organizationId",
        ),
        (
            "wrong content type",
            raw(
                reqwest::Method::POST,
                "/regions",
                "text/plain",
                b"name=a".to_vec(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "JSON",
        ),
        (
            "oversized body",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                vec![b' '; 1024 * 1024 + 1],
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "1 MiB",
        ),
        (
            "path id not a UUID",
            raw(
                reqwest::Method::GET,
                "/regions/not-a-uuid",
                json,
                Vec::new(),
            ),
            StatusCode::BAD_REQUEST,
            "regionId",
        ),
        (
            "unknown id",
            raw(
                reqwest::Method::GET,
                &format!("/workspaces/{}", uuid::Uuid::new_v4()),
                json,
                Vec::new(),
            ),
            StatusCode::NOT_FOUND,
            "workspace",
        ),
        (
            "unknown endpoint",
            raw(reqwest::Method::GET, "/connections", json, Vec::new()),
            StatusCode::NOT_FOUND,
            "endpoint",
        ),
        (
            "wrong method",
            raw(reqwest::Method::PUT, "/regions", json, Vec::new()),
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
        ),
        (
            "huge name",
            raw(
                reqwest::Method::POST,
                "/regions",
                json,
                format!(
                    "{{\"name\":\"{}\",\"organizationId\":\"{}\"}}",
                    "a".repeat(100_000),
                    org()
                )
                .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at most 64",
        ),
        (
            "null name",
            raw(
                reqwest::Method::PATCH,
                &format!(
                    "/regions/{}",
                    app.region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "auto")
                        .await
                ),
                json,
                b"{\"name\": 5}".to_vec(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
    ];
    for (what, request, expected, detail) in cases {
        let (status, problem) = read(request.send().await.unwrap()).await;
        assert_eq!(status, expected, "{what}: {problem}");
        let text = problem.to_string();
        assert!(text.contains(detail), "{what}: {detail:?} not in {text}");
        assert!(problem["type"].as_str().is_some() && problem["title"].as_str().is_some());
    }
    assert_eq!(
        app.count("select count(*) from regions").await,
        1,
        "nothing changed"
    );
}
