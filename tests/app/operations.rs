//! Running in production: stopping gracefully (readiness first, then the requests in flight),
//! on the real server function that `meridian serve` runs.

use std::time::{Duration, Instant};

use crate::common::*;
use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BODY: &str = "email=nobody%40example.com&password=not-the-password-1";

/// Starts `meridian::server::serve` on a free port; returns its address, what stops it, and
/// its task.
async fn start(
    app: &TestApp,
    delay: Duration,
    grace: Duration,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(meridian::server::serve(
        listener,
        app.state.clone(),
        async move {
            let _ = stopped.await;
        },
        delay,
        grace,
    ));
    (addr, stop, server)
}

/// A form post whose body has only half arrived: a request in flight.
async fn half_sent(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/session/sign-in HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Sec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        BODY.len(),
        &BODY[..10]
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[sqlx::test]
async fn stopping_turns_readiness_off_then_lets_requests_in_flight_finish(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let delay = Duration::from_millis(1_500);
    let (addr, stop, server) = start(&app, delay, Duration::from_secs(10)).await;
    let http = reqwest::Client::new();
    let ready = http
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    let mut slow = half_sent(addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // During the delay: still serving, but not ready.
    let ready = http
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().contains_key("retry-after"));
    let live = http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);

    // After it: no new connection is taken, and the server waits for the request in flight.
    tokio::time::sleep(delay).await;
    assert!(
        http.get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err(),
        "new connections are refused once the delay is over"
    );
    assert!(!server.is_finished(), "a request is still in flight");

    // The rest of the body arrives: the request is answered, and the server returns.
    slow.write_all(&BODY.as_bytes()[10..]).await.unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(!answer.starts_with("HTTP/1.1 5"), "{answer}");
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns once its requests are done");
    result.unwrap().unwrap();
    assert!(asked.elapsed() >= delay);
}

#[sqlx::test]
async fn a_request_that_never_finishes_does_not_hold_the_process_past_the_grace_period(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let grace = Duration::from_millis(800);
    let (addr, stop, server) = start(&app, Duration::ZERO, grace).await;
    let _stuck = half_sent(addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("bounded by the grace period")
        .unwrap()
        .unwrap();
    let took = asked.elapsed();
    assert!(
        took >= grace && took < grace + Duration::from_secs(2),
        "{took:?}"
    );
}

/// `GET /metrics` as Prometheus reads it.
async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut request = http_client().get(format!("http://{}/metrics", app.addr));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let res = request.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The value of one series in a scrape, 0 when absent.
fn series(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[sqlx::test]
async fn a_request_is_known_by_its_id_in_the_header_and_the_problem(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;

    let res = api
        .http
        .get(format!("{}/regions/not-a-uuid", api.base))
        .bearer_auth(&api.token)
        .header("x-request-id", "lb-7f3a.42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "lb-7f3a.42");
    let (status, problem) = read(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["requestId"], "lb-7f3a.42");

    // One that could forge a log line is replaced by our own.
    let res = api
        .http
        .get(format!("{}/regions/not-a-uuid", api.base))
        .bearer_auth(&api.token)
        .header("x-request-id", "a\"b")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{id}");
    let (_, problem) = read(res).await;
    assert_eq!(problem["requestId"], id);
}

#[sqlx::test]
async fn metrics_count_requests_by_route_sign_ins_tokens_and_data_planes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await; // a token exchange
    app.admin().await; // a password sign-in
    let organization = first_organization(&app.pool, api.user_id).await;
    let (status, _) = api
        .get(&format!("/regions?organizationId={organization}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.get("/regions/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let auto = app.region_id(organization, "auto").await;
    let (status, plane) = api
        .post(
            "/dataplanes",
            serde_json::json!({"name": "metrics-plane", "regionId": auto}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plane}");

    let (status, text) = scrape(&app, None).await;
    assert_eq!(status, StatusCode::OK);
    // Counters are the process's (tests share it): at least ours are there.
    assert!(
        series(
            &text,
            r#"meridian_http_requests_total{method="GET",route="/api/public/v1/regions",status="200"}"#
        ) >= 1.0,
        "{text}"
    );
    assert!(
        series(
            &text,
            r#"meridian_http_requests_total{method="GET",route="/api/public/v1/regions/{regionId}",status="400"}"#
        ) >= 1.0,
        "by route template, not by path: {text}"
    );
    assert!(!text.contains("not-a-uuid"));
    assert!(
        series(
            &text,
            r#"meridian_http_request_duration_seconds_count{method="GET",route="/api/public/v1/regions",status="200"}"#
        ) >= 1.0
    );
    assert!(series(&text, r#"meridian_token_exchanges_total{outcome="issued"}"#) >= 1.0);
    assert!(
        series(
            &text,
            r#"meridian_sign_ins_total{method="password",outcome="success"}"#
        ) >= 1.0
    );
    assert!(series(&text, "meridian_db_pool_max_connections") >= 1.0);
    // The data plane just made, never heard from.
    assert!(
        series(
            &text,
            &format!(
                r#"meridian_data_planes{{organization_id="{organization}",region_id="{auto}",region="auto",health="unknown"}}"#
            )
        ) >= 1.0,
        "{text}"
    );
}

#[sqlx::test]
async fn metrics_want_their_token_when_one_is_set(pool: PgPool) {
    let config = meridian::config::Config {
        metrics_token: Some("scrape-me-0123456789".into()),
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("scrape-me-0123456789x")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, text) = scrape(&app, Some("scrape-me-0123456789")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("# TYPE meridian_http_request_duration_seconds histogram"));
}

/// Whether an answer arrived on `stream` within `wait`: its first line.
async fn answered(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut buf = vec![0; 4096];
    match tokio::time::timeout(wait, stream.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Some(
            String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => None,
    }
}

#[sqlx::test]
async fn requests_beyond_the_limit_in_flight_are_refused_at_once(pool: PgPool) {
    let config = meridian::config::Config {
        max_in_flight: 1,
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    // In flight: a request whose body has not all arrived.
    let mut holder = half_sent(app.addr).await;
    assert_eq!(
        answered(&mut holder, Duration::from_millis(300)).await,
        None,
        "the first request is let in"
    );
    let api_url = format!("http://{}/api/public/v1/regions", app.addr);
    let started = Instant::now();
    let res = http_client().get(&api_url).send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once"
    );
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let page = http_client()
        .get(format!("http://{}/login", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Temporarily unavailable")
    );
    // Probes and metrics are never shed: an overloaded replica is alive, and says so.
    let (status, text) = scrape(&app, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(series(&text, "meridian_http_requests_shed_total") >= 2.0);
    let live = http_client()
        .get(format!("http://{}/healthz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

#[sqlx::test]
async fn a_request_slower_than_the_timeout_is_answered_503(pool: PgPool) {
    let config = meridian::config::Config {
        request_timeout: Duration::from_secs(1),
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    let mut slow = half_sent(app.addr).await;
    let started = Instant::now();
    let first_line = answered(&mut slow, Duration::from_secs(5))
        .await
        .expect("answered within the timeout, not left hanging");
    assert!(first_line.starts_with("HTTP/1.1 503"), "{first_line}");
    assert!(started.elapsed() >= Duration::from_millis(900));
}
