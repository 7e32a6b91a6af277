//! Health alerts: a real local HTTP receiver gets signed events when a data plane (the real
//! agent) changes health and when its region loses or regains its last healthy data plane;
//! deliveries survive the receiver being down; two replicas announce each change once; and an
//! organization cannot point deliveries into this server's own network.

use crate::common::*;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got: its event type, event id, body and signature header.
type Request = (String, String, Bytes, String);

/// What the receiver got, in order.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Request>>>);

impl Received {
    fn of_type(&self, kind: &str) -> Vec<(String, Bytes, String)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, ..)| t == kind)
            .map(|(_, id, body, sig)| (id.clone(), body.clone(), sig.clone()))
            .collect()
    }

    async fn wait_for(&self, kind: &str, within: Duration) {
        let started = Instant::now();
        while self.of_type(kind).is_empty() {
            assert!(
                started.elapsed() < within,
                "no {kind} event within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A webhook receiver listening on `addr` (port 0: any), recording every request.
async fn receiver(addr: SocketAddr, received: Received) -> SocketAddr {
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let received = received.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                received.0.lock().unwrap().push((
                    header("meridian-event-type"),
                    header("meridian-event-id"),
                    body,
                    header("meridian-signature"),
                ));
                AxumStatus::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let bound = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    bound
}

/// Checks a delivery's signature as a receiver would: HMAC-SHA-256 over `"<t>.<body>"`,
/// compared in constant time, with a recent `t`.
fn verify(secret: &str, signature: &str, body: &[u8]) -> bool {
    let Some((t, v1)) = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let Ok(t) = t.parse::<i64>() else {
        return false;
    };
    if (time::OffsetDateTime::now_utc().unix_timestamp() - t).abs() > 300 {
        return false;
    }
    let Ok(expected) = (0..v1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(v1.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// A region with one data plane, through the API; the plane's id and credentials.
async fn region_with_plane(api: &Api, name: &str) -> (String, String, String, String) {
    let (_, region) = api
        .post("/regions", json!({"name": name, "organizationId": org()}))
        .await;
    let region_id = region["regionId"].as_str().unwrap().to_owned();
    let (status, plane) = api
        .post(
            &format!("/regions/{region_id}/dataplanes"),
            json!({"name": format!("{name}-1")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plane}");
    (
        region_id,
        plane["dataplaneId"].as_str().unwrap().to_owned(),
        plane["clientId"].as_str().unwrap().to_owned(),
        plane["clientSecret"].as_str().unwrap().to_owned(),
    )
}

fn start_agent(app: &TestApp, client_id: &str, secret: &str) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian-dataplane"))
        .env("MERIDIAN_URL", format!("http://{}", app.addr))
        .env("DATAPLANE_CLIENT_ID", client_id)
        .env("DATAPLANE_CLIENT_SECRET", secret)
        .env("DATAPLANE_HEARTBEAT_INTERVAL", "1")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the agent binary starts")
}

/// Registers an endpoint for every health event; returns its secret.
async fn register(api: &Api, url: &str) -> String {
    let (status, created) = api
        .post(
            "/webhooks",
            json!({"organizationId": org(), "url": url,
                   "events": ["dataplane.health_changed", "region.unhealthy", "region.recovered"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    created["secret"].as_str().unwrap().to_owned()
}

#[sqlx::test]
async fn health_changes_reach_a_receiver_signed_even_after_it_was_down(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    // A port nobody listens on yet: the receiver is down when the first events come.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let secret = register(&api, &format!("http://{port}/hooks")).await;
    let (_, plane, client_id, client_secret) = region_with_plane(&api, "alerting").await;
    meridian::alerts::spawn(app.state.clone());
    // The first look only records where things stand: nothing is announced for it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        app.count("select count(*) from webhook_deliveries").await,
        0
    );

    let mut agent = start_agent(&app, &client_id, &client_secret);
    // The data plane turns healthy, and with it the region: two events, both failing for now.
    let started = Instant::now();
    while app
        .count("select count(*) from webhook_deliveries where attempts >= 1 and status = 'pending'")
        .await
        < 2
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no failed attempts"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (error,): (String,) = sqlx::query_as("select last_error from webhook_deliveries limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(error.starts_with("no answer"), "{error}");

    // Back up: the retries get through, signed.
    let received = Received::default();
    receiver(port, received.clone()).await;
    received
        .wait_for("dataplane.health_changed", Duration::from_secs(20))
        .await;
    received
        .wait_for("region.recovered", Duration::from_secs(20))
        .await;
    let (_, body, signature) = received.of_type("dataplane.health_changed").remove(0);
    assert!(verify(&secret, &signature, &body), "signature {signature}");
    assert!(
        !verify("whsec_other", &signature, &body),
        "another secret fails"
    );
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["type"], "dataplane.health_changed");
    assert_eq!(event["organizationId"], org());
    assert_eq!(event["data"]["dataPlaneId"], plane);
    assert_eq!(event["data"]["previous"], "UNKNOWN");
    assert_eq!(event["data"]["current"], "HEALTHY");
    let delivered: Vec<(String, i32)> =
        sqlx::query_as("select status, attempts from webhook_deliveries order by created_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(
        delivered.iter().all(|(s, n)| s == "delivered" && *n >= 2),
        "{delivered:?}"
    );

    // The agent stops: past the healthy threshold the plane is degraded, and the region has
    // no healthy data plane left.
    agent.kill().await.unwrap();
    received
        .wait_for("region.unhealthy", Duration::from_secs(20))
        .await;
    let degraded = received.of_type("dataplane.health_changed");
    let last: Value = serde_json::from_slice(&degraded.last().unwrap().1).unwrap();
    assert_eq!(last["data"]["current"], "DEGRADED");
    let (_, body, _) = received.of_type("region.unhealthy").remove(0);
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["data"]["regionName"], "alerting");
    assert_eq!(event["data"]["healthyDataPlanes"], 0);

    // Each change once: no event id twice.
    let mut ids: Vec<String> = received
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.1.clone())
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "an event was delivered twice");
}

#[sqlx::test]
async fn two_replicas_announce_each_change_once(pool: PgPool) {
    let first = TestApp::spawn(pool.clone()).await;
    let second = TestApp::spawn(pool).await;
    let api = first.api_admin().await;
    let received = Received::default();
    let addr = receiver("127.0.0.1:0".parse().unwrap(), received.clone()).await;
    register(&api, &format!("http://{addr}/hooks")).await;
    let (_, _, client_id, client_secret) = region_with_plane(&api, "replicated").await;
    meridian::alerts::spawn(first.state.clone());
    meridian::alerts::spawn(second.state.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let mut agent = start_agent(&first, &client_id, &client_secret);
    received
        .wait_for("region.recovered", Duration::from_secs(20))
        .await;
    agent.kill().await.unwrap();
    received
        .wait_for("region.unhealthy", Duration::from_secs(20))
        .await;
    // Both replicas have looked several times since; give any double a chance to show.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let kinds: Vec<String> = received
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.0.clone())
        .collect();
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    assert_eq!(count("region.recovered"), 1, "{kinds:?}");
    assert_eq!(count("region.unhealthy"), 1, "{kinds:?}");
    assert_eq!(count("dataplane.health_changed"), 2, "{kinds:?}");
    assert_eq!(
        first
            .count("select count(*) from webhook_deliveries where status = 'delivered'")
            .await,
        4
    );
}

/// Another organization's admin chooses where our server sends requests: never into its own
/// network, whatever the spelling.
#[sqlx::test]
async fn endpoints_cannot_point_into_the_servers_own_network(pool: PgPool) {
    let config = meridian::config::Config {
        allow_local_webhooks: false,
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    let api = app.api_admin().await;
    for url in [
        "https://127.0.0.1/hooks",
        "https://localhost:8080/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.7/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://metadata.localhost/x",
        "http://hooks.example.com/plain-http",
    ] {
        let (status, problem) = api
            .post(
                "/webhooks",
                json!({"organizationId": org(), "url": url, "events": ["region.unhealthy"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        assert!(problem_field(&problem, "url").is_some(), "{url}: {problem}");
    }
    assert_eq!(app.count("select count(*) from webhooks").await, 0);

    // In the dashboard too, beside the field; and at least one event is needed.
    let admin = app.admin().await;
    let (status, error) = error_of(
        admin
            .call(
                "webhooks/create",
                &[("organization_id", &org()), ("url", "https://127.0.0.1/x")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "url").is_some(), "{error}");
    assert!(field_message(&error, "events").is_some(), "{error}");
}

#[sqlx::test]
async fn a_test_event_is_delivered_and_listed_with_its_status(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let received = Received::default();
    let addr = receiver("127.0.0.1:0".parse().unwrap(), received.clone()).await;
    let admin = app.admin().await;
    let res = admin
        .call(
            "webhooks/create",
            &[
                ("organization_id", &org()),
                ("url", &format!("http://{addr}/hooks")),
                ("region_unhealthy", "true"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The secret is on the next page load only.
    let page: Value = admin
        .call("webhooks/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    let secret = page["revealed"]["secret"].as_str().unwrap().to_owned();
    let webhook = page["webhooks"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(page["webhooks"][0]["events"], json!(["region.unhealthy"]));
    assert_eq!(
        page["webhooks"][0]["secret_hint"].as_str().unwrap(),
        &secret[secret.len() - 4..]
    );
    let again: Value = admin
        .call("webhooks/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["revealed"], Value::Null);
    let stored: (Vec<u8>,) = sqlx::query_as("select secret_sealed from webhooks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        !stored
            .0
            .windows(secret.len())
            .any(|w| w == secret.as_bytes()),
        "the secret is kept encrypted"
    );

    meridian::alerts::spawn(app.state.clone());
    let res = admin
        .call(
            "webhooks/test",
            &[("organization_id", &org()), ("webhook_id", &webhook)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    received.wait_for("test", Duration::from_secs(10)).await;
    let (_, body, signature) = received.of_type("test").remove(0);
    assert!(verify(&secret, &signature, &body));
    let started = Instant::now();
    loop {
        let page: Value = admin
            .call("webhooks/page", &[("organization_id", &org())])
            .await
            .json()
            .await
            .unwrap();
        if page["deliveries"][0]["status"] == "delivered" {
            assert_eq!(page["deliveries"][0]["event_type"], "test");
            assert_eq!(page["deliveries"][0]["last_status"], 204);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{page}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.audit_count("webhook.create").await, 1);
    assert_eq!(app.audit_count("webhook.test").await, 1);

    // Removed, nothing more goes there.
    let api = app.api_admin().await;
    let (status, _) = api.delete(&format!("/webhooks/{webhook}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count("select count(*) from webhook_deliveries").await,
        0
    );
}
