//! Settings > Audit storage: the audit trail written to the organization's own bucket (a real
//! S3-compatible server, `moto_server`, started here), through an outage of the bucket; and
//! retention, the one way events leave the trail.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

const BUCKET: &str = "acme-audit";

/// An S3-compatible server on `port`, in memory (what it holds is gone when it stops).
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    async fn start(port: u16) -> Moto {
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]'; scripts/setup does)");
        let moto = Moto { child, port };
        let started = Instant::now();
        while http_client().get(moto.url("")).send().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let res = http_client().put(moto.url(BUCKET)).send().await.unwrap();
        assert!(
            res.status().is_success(),
            "creating the bucket: {}",
            res.status()
        );
        moto
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// The bucket's object names, in name order.
    async fn keys(&self) -> Vec<String> {
        let listing = http_client()
            .get(self.url(&format!("{BUCKET}?list-type=2")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next())
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys
    }

    /// An object's events, one per JSON line, after gunzip. (Objects are private: the server
    /// wants a signed request, whose signature it does not check.)
    async fn events(&self, key: &str) -> Vec<Value> {
        let body = http_client()
            .get(self.url(&format!("{BUCKET}/{key}")))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIATEST/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
            )
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .expect("gzip");
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls the API's view of audit storage until `done` says so.
async fn wait_for(api: &Api, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let path = format!("/organizations/{}/audit-storage", org());
    let started = Instant::now();
    loop {
        let (status, body) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waiting for {what}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[sqlx::test]
async fn the_trail_is_written_to_the_organizations_bucket_in_order_through_an_outage(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // Two replicas' workers on one database: each batch is still written once, in order.
    meridian::audit_delivery::spawn(app.state.clone());
    meridian::audit_delivery::spawn(app.state.clone());
    let port = free_port();
    let mut moto = Moto::start(port).await;
    let api = app.api_admin().await;
    let path = format!("/organizations/{}/audit-storage/bucket", org());

    // The secret is required the first time, and never shown.
    let bucket = json!({"endpoint": format!("http://127.0.0.1:{port}"), "region": "us-east-1",
        "bucket": BUCKET, "prefix": "meridian/audit", "accessKeyId": "AKIATEST"});
    let (status, problem) = api
        .send(reqwest::Method::PUT, &path, Some(bucket.clone()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "secretAccessKey");
    let mut with_secret = bucket.clone();
    with_secret["secretAccessKey"] = json!("moto-secret-key-1234");
    let (status, body) = api
        .send(reqwest::Method::PUT, &path, Some(with_secret))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bucket"]["secretHint"], "1234");
    assert!(!body.to_string().contains("moto-secret-key"));

    let mut made = Vec::new();
    for i in 0..5 {
        let (status, region) = api
            .post(
                "/regions",
                json!({"organizationId": org(), "name": format!("bucket-{i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{region}");
        made.push(region["regionId"].as_str().unwrap().to_owned());
    }
    wait_for(&api, "the first events in the bucket", |b| {
        b["bucket"]["pendingEvents"] == 0 && b["bucket"]["deliveredBatches"].as_i64() >= Some(1)
    })
    .await;
    let keys = moto.keys().await;
    assert!(
        keys.iter()
            .all(|k| k.starts_with(&format!("meridian/audit/{}/", org()))
                && k.ends_with(".jsonl.gz")),
        "{keys:?}"
    );
    let mut delivered = Vec::new();
    for key in &keys {
        delivered.extend(moto.events(key).await);
    }
    let ids: Vec<&str> = delivered
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no event twice");
    let times: Vec<&str> = delivered
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {times:?}"
    );
    let created: Vec<&str> = delivered
        .iter()
        .filter(|e| e["action"] == "region.create")
        .map(|e| e["objectId"].as_str().unwrap())
        .collect();
    assert_eq!(created, made, "every region.create, in order");
    assert_eq!(delivered[0]["action"], "audit_bucket.update");

    // The bucket goes away for a while: events wait, the page says why, nothing is lost.
    moto.stop();
    for i in 5..8 {
        let (status, _) = api
            .post(
                "/regions",
                json!({"organizationId": org(), "name": format!("bucket-{i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let failing = wait_for(&api, "a failed attempt", |b| {
        b["bucket"]["failedAttempts"].as_i64() >= Some(1)
    })
    .await;
    assert!(
        failing["bucket"]["pendingEvents"].as_i64() >= Some(3),
        "{failing}"
    );
    assert!(
        failing["bucket"]["lastError"]
            .as_str()
            .unwrap()
            .contains("connect"),
        "{failing}"
    );
    let admin = app.admin().await;
    let page = admin
        .get(&format!("/orgs/{}/settings/audit-storage", org()))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Failing") && page.contains("could not connect"),
        "{page}"
    );
    let metrics = http_client()
        .get(format!("http://{}/metrics", app.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "meridian_audit_outbox_pending{{organization_id=\"{}\"}}",
            org()
        )),
        "{metrics}"
    );

    let mut moto = Moto::start(port).await; // Empty again: only what comes next is there.
    let done = wait_for(&api, "delivery after the outage", |b| {
        b["bucket"]["pendingEvents"] == 0 && b["bucket"]["failedAttempts"] == 0
    })
    .await;
    let keys = moto.keys().await;
    let mut after = Vec::new();
    for key in &keys {
        after.extend(moto.events(key).await);
    }
    let names: Vec<&str> = after
        .iter()
        .filter(|e| e["action"] == "region.create")
        .map(|e| e["objectName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bucket-5", "bucket-6", "bucket-7"]);
    assert_eq!(
        done["bucket"]["lastObject"].as_str(),
        keys.last().map(String::as_str),
        "numbered on: {keys:?}"
    );
    moto.stop();
}

#[sqlx::test]
async fn a_bucket_on_our_own_network_is_refused(pool: PgPool) {
    let config = meridian::config::Config {
        allow_local_buckets: false,
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    let api = app.api_admin().await;
    let path = format!("/organizations/{}/audit-storage/bucket", org());
    for endpoint in [
        "https://127.0.0.1",
        "https://localhost:9000",
        "https://10.1.2.3",
        "https://169.254.169.254",
        "https://[::1]",
        "http://s3.example.com",
    ] {
        let body = json!({"endpoint": endpoint, "region": "us-east-1", "bucket": BUCKET,
            "accessKeyId": "AKIATEST", "secretAccessKey": "attacker-secret"});
        let (status, problem) = api.send(reqwest::Method::PUT, &path, Some(body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], "endpoint", "{endpoint}");
    }
    assert_eq!(app.count("select count(*) from audit_buckets").await, 0);
}

/// Another organization's admin sets up a bucket of their own and tries ours: our events never
/// wait for their bucket, and ours is not theirs to set.
#[sqlx::test]
async fn another_organizations_bucket_never_receives_our_events(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let outsider = app.api_as(other, meridian::domain::OrgRole::Admin).await;
    let bucket = json!({"endpoint": "https://s3.eu-central-1.amazonaws.com", "region": "eu-central-1",
        "bucket": "their-trail", "accessKeyId": "AKIATHEIRS", "secretAccessKey": "their-secret-1234"});
    let (status, body) = outsider
        .send(
            reqwest::Method::PUT,
            &format!("/organizations/{other}/audit-storage/bucket"),
            Some(bucket.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = outsider
        .send(
            reqwest::Method::PUT,
            &format!("/organizations/{}/audit-storage/bucket", org()),
            Some(bucket),
        )
        .await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status} {body}"
    );
    assert_eq!(app.count("select count(*) from audit_buckets").await, 1);

    // Our changes are recorded while their bucket waits for events.
    let api = app.api_admin().await;
    let (status, body) = api
        .post(
            "/regions",
            json!({"name": "ours-only", "organizationId": org()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let theirs = format!(
        "select count(*) from audit_outbox o join audit_events e on e.id = o.event_id
         where o.organization_id = '{other}'"
    );
    assert!(
        app.count(&theirs).await > 0,
        "their own events wait for their bucket"
    );
    assert_eq!(
        app.count(&format!(
            "{theirs} and e.organization_id is distinct from '{other}'"
        ))
        .await,
        0,
        "nothing of ours, nor any sign-in, waits for their bucket"
    );
}

#[sqlx::test]
async fn retention_deletes_only_expired_events_and_never_undelivered_ones(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let other = app.other_organization().await;
    let ours = meridian::domain::DEFAULT_ORGANIZATION_ID;
    let path = format!("/organizations/{}/audit-storage/retention", org());

    let (status, problem) = api
        .send(
            reqwest::Method::PUT,
            &path,
            Some(json!({"retentionDays": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "retentionDays");
    let (status, body) = api
        .send(
            reqwest::Method::PUT,
            &path,
            Some(json!({"retentionDays": 30})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["retentionDays"], 30);
    assert_eq!(app.audit_count("audit.retention").await, 1);

    // Old events of both organizations; one of ours still waits for the bucket.
    let insert_old = |organization: uuid::Uuid, name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query(
                "insert into audit_events (id, occurred_at, organization_id, actor, action, object_type, object_name)
                 values (gen_random_uuid(), now() - interval '40 days', $1, $2, 'region.rename', 'region', $2)",
            )
            .bind(organization)
            .bind(name)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    insert_old(ours, "ours-expired").await;
    insert_old(other, "theirs-kept-forever").await;
    sqlx::query(
        "insert into audit_buckets (organization_id, endpoint, region, bucket, access_key_id, secret_sealed, secret_hint)
         values ($1, 'https://s3.example.com', 'us-east-1', 'b-u-c', 'AKIA', '\\x00', '0000')",
    )
    .bind(ours)
    .execute(&app.pool)
    .await
    .unwrap();
    insert_old(ours, "ours-expired-but-undelivered").await;

    let deleted = meridian::jobs::prune_audit_events(&app.pool).await.unwrap();
    assert_eq!(deleted, Some(1));
    let left = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from audit_events where object_name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(left("ours-expired").await, 0);
    assert_eq!(left("theirs-kept-forever").await, 1);
    assert_eq!(left("ours-expired-but-undelivered").await, 1);
    // The object filter's list of names forgets a name with its last event, and only then.
    let names: Vec<String> = sqlx::query_scalar(
        "select object_name from audit_object_names where object_name like '%expired%' or object_name like 'theirs%' order by 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        names,
        ["ours-expired-but-undelivered", "theirs-kept-forever"]
    );
    let actors: Vec<String> = sqlx::query_scalar(
        "select actor from audit_actors where actor like '%expired%' or actor like 'theirs%' order by 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actors, names, "actors too");
    assert!(
        app.audit_count("audit.retention").await == 1,
        "recent events stay"
    );

    // Anything else is still refused by the database itself.
    let refused = sqlx::query("delete from audit_events where object_name = 'theirs-kept-forever'")
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
}

#[sqlx::test]
async fn the_storage_page_sets_retention_and_a_bucket_and_names_wrong_fields(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let org = org();

    let res = admin
        .call(
            "audit/retention",
            &[("organization_id", &org), ("retention_days", "3")],
        )
        .await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "retention_days").is_some(), "{error}");

    let res = admin
        .call(
            "audit/retention",
            &[("organization_id", &org), ("retention_days", "400")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = admin
        .call(
            "audit/bucket",
            &[
                ("organization_id", &org),
                ("endpoint", "ftp://files.example.com"),
                ("region", "eu-central-1"),
                ("bucket", "Bad_Name"),
                ("access_key_id", "AKIA"),
                ("secret_access_key", "s3cret-value"),
            ],
        )
        .await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "endpoint").is_some(), "{error}");
    assert!(field_message(&error, "bucket").is_some(), "{error}");
    assert_eq!(app.count("select count(*) from audit_buckets").await, 0);

    let res = admin
        .call(
            "audit/bucket",
            &[
                ("organization_id", &org),
                ("endpoint", "https://s3.eu-central-1.amazonaws.com"),
                ("region", "eu-central-1"),
                ("bucket", "acme-audit"),
                ("prefix", "meridian"),
                ("access_key_id", "AKIAEXAMPLE"),
                ("secret_access_key", "s3cret-value-9876"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = admin
        .get(&format!("/orgs/{org}/settings/audit-storage"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Events older than 400 days are deleted"),
        "{page}"
    );
    assert!(
        page.contains("acme-audit") && page.contains("…9876"),
        "{page}"
    );
    assert!(!page.contains("s3cret-value"), "the secret is never shown");
    assert_eq!(app.audit_count("audit_bucket.update").await, 1);
    let sealed: Vec<u8> =
        sqlx::query_scalar("select secret_sealed from audit_buckets where organization_id = $1")
            .bind(meridian::domain::DEFAULT_ORGANIZATION_ID)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !String::from_utf8_lossy(&sealed).contains("s3cret-value"),
        "stored encrypted"
    );
}

#[sqlx::test]
async fn without_javascript_the_storage_forms_post_redirect_and_show_errors_beside_fields(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let org = org();
    let page = format!("/orgs/{org}/settings/audit-storage");

    let res = admin
        .post_form(
            "audit/retention",
            &[("organization_id", &org), ("retention_days", "3")],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = redirect_target(&res).unwrap();
    assert!(back.contains(&page) && back.contains("__err="), "{back}");
    let html = admin
        .get(back.trim_start_matches(&admin.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Enter a number of days from 30"), "{html}");
    assert!(html.contains("Events are kept forever."), "nothing changed");

    let res = admin
        .post_form(
            "audit/retention",
            &[("organization_id", &org), ("retention_days", "90")],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(redirect_target(&res).unwrap(), page);
    let html = admin.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("Audit events are now kept 90 days."),
        "{html}"
    );
    assert!(
        html.contains("Events older than 90 days are deleted"),
        "{html}"
    );

    let res = admin
        .post_form(
            "audit/bucket",
            &[
                ("organization_id", &org),
                ("endpoint", "https://s3.eu-central-1.amazonaws.com"),
                ("region", "eu-central-1"),
                ("bucket", "x"),
                ("access_key_id", "AKIAEXAMPLE"),
                ("secret_access_key", "s3cret-value-9876"),
            ],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = redirect_target(&res).unwrap();
    let html = admin
        .get(back.trim_start_matches(&admin.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("A bucket name is 3-63"), "{html}");
    assert!(
        !html.contains("s3cret-value-9876"),
        "the secret is not echoed back"
    );
    assert_eq!(app.count("select count(*) from audit_buckets").await, 0);
}
