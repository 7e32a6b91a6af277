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
