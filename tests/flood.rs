//! A flood of password sign-ins, bounded in count and time, on loopback only: 200 attempts at
//! once for different unknown accounts from different addresses (as a botnet would send them,
//! through a trusted proxy's `X-Forwarded-For`), so no rate limit stops them and every one
//! reaches password hashing. Sign-in must keep answering everyone quickly, a real person must
//! get in, and the memory Argon2 takes must stay bounded (it takes 19 MiB per hash: unbounded,
//! 200 at once would be 3.8 GiB).
//!
//! Its own test binary, so the process's peak memory is this test's alone.

// The harness of the app tests (only a part of it is used here).
#[path = "app/common.rs"]
mod common;
#[path = "app/dns.rs"]
#[allow(dead_code)]
mod dns;

use common::*;

// The allocator the `meridian` binary runs with, so what is measured is what runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use meridian::config::Config;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, OrgRole};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The process's peak resident memory so far, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

const FLOOD: usize = 200;

#[sqlx::test]
async fn a_flood_of_sign_ins_keeps_answering_and_memory_stays_bounded(pool: sqlx::PgPool) {
    let config = Config {
        trusted_proxies: vec![meridian::domain::Network::parse("127.0.0.1").unwrap()],
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    let email = "real.person@example.com";
    let id = meridian::db::users::create(
        &app.pool,
        &Email::parse(email).unwrap(),
        "Real Person",
        Some(&meridian::auth::password::hash(PASSWORD)),
        false,
    )
    .await
    .unwrap();
    meridian::db::organizations::add_member(
        &app.pool,
        DEFAULT_ORGANIZATION_ID,
        id,
        OrgRole::Member,
    )
    .await
    .unwrap();
    // Warm up (the dummy hash for unknown accounts is made once) before measuring.
    app.client()
        .call(
            "session/sign-in",
            &[("email", "warm@example.com"), ("password", "not this one")],
        )
        .await;
    let before = peak_rss_kib();

    let base = format!("http://{}", app.addr);
    // One client for the whole flood: the test's own side shares the process, and a client
    // per request would weigh more than what is measured.
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let flood: Vec<_> = (0..FLOOD)
        .map(|i| {
            let http = http.clone();
            let url = format!("{base}/api/session/sign-in");
            tokio::spawn(async move {
                let sent = Instant::now();
                let res = http
                    .post(url)
                    .header("accept", "application/json")
                    .header(
                        "x-forwarded-for",
                        format!("198.51.{}.{}", i / 250, i % 250 + 1),
                    )
                    .form(&[
                        ("email", format!("nobody-{i}@flood.example")),
                        ("password", "wrong password".to_owned()),
                    ])
                    .send()
                    .await
                    .unwrap();
                (res.status(), sent.elapsed())
            })
        })
        .collect();

    // A real person signs in while the flood runs, from their own address: told to retry at
    // most briefly, then in.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let person = app.client();
    let person_started = Instant::now();
    let mut person_status = StatusCode::SERVICE_UNAVAILABLE;
    while person_status != StatusCode::OK && person_started.elapsed() < Duration::from_secs(20) {
        let res = person
            .http
            .post(format!("{base}/api/session/sign-in"))
            .header("accept", "application/json")
            .header("x-forwarded-for", "203.0.113.77")
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        person_status = res.status();
        if person_status == StatusCode::SERVICE_UNAVAILABLE {
            let wait: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
    }
    let person_took = person_started.elapsed();

    let mut statuses = std::collections::BTreeMap::new();
    let mut slowest = Duration::ZERO;
    for handle in flood {
        let (status, took) = handle.await.unwrap();
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
        slowest = slowest.max(took);
    }
    let peak = peak_rss_kib();
    let grew_mib = peak.saturating_sub(before) / 1024;
    println!(
        "flood of {FLOOD}: answers {statuses:?}, slowest {slowest:?}, all in {:?}; the person signed in after {person_took:?}; peak RSS {} MiB (grew {grew_mib} MiB)",
        started.elapsed(),
        peak / 1024
    );
    assert_eq!(person_status, StatusCode::OK, "the real person got in");
    assert!(person_took < Duration::from_secs(15), "{person_took:?}");
    assert!(
        slowest < Duration::from_secs(10),
        "every attempt was answered within 10 s"
    );
    assert!(
        statuses.keys().all(|s| *s == 401 || *s == 503),
        "only refusals and come-back-laters: {statuses:?}"
    );
    assert!(grew_mib < 200, "peak memory grew {grew_mib} MiB");
}
