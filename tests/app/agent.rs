//! The real `meridian-dataplane` agent against the app: registration, health, disabling,
//! revocation, and riding out a control plane outage.

use crate::common::*;
use meridian::domain::DEFAULT_ORGANIZATION_ID;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// A running agent process and what it has logged so far.
struct AgentProcess {
    child: tokio::process::Child,
    log: ProcessLog,
}

impl AgentProcess {
    fn start(app: &TestApp, client_id: &str, secret: &str) -> AgentProcess {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian-dataplane"))
            .env("MERIDIAN_URL", format!("http://{}", app.addr))
            .env("DATAPLANE_CLIENT_ID", client_id)
            .env("DATAPLANE_CLIENT_SECRET", secret)
            .env("DATAPLANE_HEARTBEAT_INTERVAL", "1")
            .env("NO_COLOR", "1")
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the agent binary starts");
        let log = ProcessLog::of_stderr(&mut child);
        AgentProcess { child, log }
    }

    fn logged(&self, text: &str) -> bool {
        self.log.contains(text)
    }

    async fn wait_for_log(&self, text: &str, within: Duration) {
        let started = Instant::now();
        while !self.logged(text) {
            assert!(
                started.elapsed() < within,
                "the agent did not log {text:?} within {within:?}; it logged:\n{}",
                self.log.text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A new data plane in region `auto`, with its credentials.
async fn new_data_plane(api: &Api, name: &str) -> (String, String, String) {
    let auto = api
        .get(&format!("/regions?organizationId={}", org()))
        .await
        .1["data"][0]["regionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, created) = api
        .post(
            &format!("/regions/{auto}/dataplanes"),
            json!({"name": name}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    (
        created["dataplaneId"].as_str().unwrap().to_owned(),
        created["clientId"].as_str().unwrap().to_owned(),
        created["clientSecret"].as_str().unwrap().to_owned(),
    )
}

async fn wait_for_health(api: &Api, plane: &str, status: &str, within: Duration) -> Value {
    let started = Instant::now();
    loop {
        let (_, got) = api.get(&format!("/dataplanes/{plane}")).await;
        if got["health"]["status"] == status {
            return got;
        }
        assert!(
            started.elapsed() < within,
            "data plane is {} after {within:?}, not {status}",
            got["health"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test]
async fn the_agent_registers_and_its_data_plane_turns_healthy(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (plane, client_id, secret) = new_data_plane(&api, "eu-dp-1").await;
    let (_, before) = api.get(&format!("/dataplanes/{plane}")).await;
    assert_eq!(before["health"]["status"], "UNKNOWN");

    let agent = AgentProcess::start(&app, &client_id, &secret);
    let healthy = wait_for_health(&api, &plane, "HEALTHY", Duration::from_secs(10)).await;
    assert_eq!(healthy["health"]["version"], env!("CARGO_PKG_VERSION"));
    agent
        .wait_for_log("registered with the control plane", Duration::from_secs(1))
        .await;
    let (hostname, beats): (Option<String>, i64) = sqlx::query_as(
        "select d.hostname, (select count(*) from data_plane_heartbeats h where h.data_plane_id = d.id)
         from data_planes d where d.id = $1::uuid",
    )
    .bind(&plane)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(hostname.is_some_and(|h| !h.is_empty()));
    assert!(beats >= 1);
    let used: Option<time::OffsetDateTime> =
        sqlx::query_scalar("select last_used_at from data_plane_credentials where client_id = $1")
            .bind(&client_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(used.is_some(), "the token exchange is recorded");
}

#[sqlx::test]
async fn disabling_the_region_reaches_the_agent_within_one_heartbeat(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (plane, client_id, secret) = new_data_plane(&api, "eu-dp-1").await;
    let agent = AgentProcess::start(&app, &client_id, &secret);
    agent
        .wait_for_log("enabled: taking work", Duration::from_secs(10))
        .await;
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let (status, _) = api
        .patch(&format!("/regions/{auto}"), json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // One heartbeat is 1 s here; the slack is for a loaded test machine (all tests run at once).
    agent
        .wait_for_log("disabled by the control plane", Duration::from_secs(4))
        .await;
    // It keeps reporting in while disabled.
    wait_for_health(&api, &plane, "HEALTHY", Duration::from_secs(3)).await;
    let (status, _) = api
        .patch(&format!("/regions/{auto}"), json!({"enabled": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    agent
        .wait_for_log_count("enabled: taking work", 2, Duration::from_secs(4))
        .await;
}

impl AgentProcess {
    async fn wait_for_log_count(&self, text: &str, count: usize, within: Duration) {
        let started = Instant::now();
        loop {
            let seen = self.log.count(text);
            if seen >= count {
                return;
            }
            assert!(started.elapsed() < within, "{text:?} seen {seen} times");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[sqlx::test]
async fn a_rotated_secret_keeps_working_and_a_revoked_one_stops_the_agent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (plane, client_id, first_secret) = new_data_plane(&api, "eu-dp-1").await;
    let mut first = AgentProcess::start(&app, &client_id, &first_secret);
    wait_for_health(&api, &plane, "HEALTHY", Duration::from_secs(10)).await;

    // Rotation: a second secret under the same client id, shown once.
    let (status, rotated) = api
        .post(&format!("/dataplanes/{plane}/secrets"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_eq!(rotated["clientId"], client_id);
    let second_secret = rotated["clientSecret"].as_str().unwrap().to_owned();
    let (status, problem) = api
        .post(&format!("/dataplanes/{plane}/secrets"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "at most two: {problem}");
    let mut second = AgentProcess::start(&app, &client_id, &second_secret);
    second
        .wait_for_log("registered with the control plane", Duration::from_secs(10))
        .await;

    // Revoking the first secret stops the agent using it, with the documented code.
    let (_, secrets) = api.get(&format!("/dataplanes/{plane}/secrets")).await;
    let secrets = secrets["data"].as_array().unwrap().clone();
    assert_eq!(secrets.len(), 2);
    assert!(secrets.iter().all(|s| s.get("clientSecret").is_none()));
    let oldest = secrets[0]["secretId"].as_str().unwrap();
    let (status, _) = api
        .delete(&format!("/dataplanes/{plane}/secrets/{oldest}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let exit = tokio::time::timeout(Duration::from_secs(10), first.child.wait())
        .await
        .expect("the agent with the revoked secret exits")
        .unwrap();
    assert_eq!(exit.code(), Some(3), "exit code 3: credentials refused");
    first
        .wait_for_log("refused these credentials", Duration::from_secs(2))
        .await;

    // The other one carries on.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(second.child.try_wait().unwrap().is_none());
    assert_eq!(app.audit_count("dataplane.secret.revoke").await, 1);
    let _ = second.child.kill().await;
}

#[sqlx::test]
async fn the_agent_rides_out_a_control_plane_outage(pool: PgPool) {
    let mut app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (plane, client_id, secret) = new_data_plane(&api, "eu-dp-1").await;
    let mut agent = AgentProcess::start(&app, &client_id, &secret);
    wait_for_health(&api, &plane, "HEALTHY", Duration::from_secs(10)).await;

    app.stop().await;
    agent
        .wait_for_log("control plane unreachable", Duration::from_secs(5))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        agent.child.try_wait().unwrap().is_none(),
        "it never crashes"
    );
    let down_since = time::OffsetDateTime::now_utc();

    app.restart().await;
    agent
        .wait_for_log("reached the control plane again", Duration::from_secs(15))
        .await;
    let last: time::OffsetDateTime =
        sqlx::query_scalar("select last_heartbeat_at from data_planes where id = $1::uuid")
            .bind(&plane)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(last > down_since, "it reports in again after the outage");

    // SIGTERM ends it cleanly.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(agent.child.id().unwrap() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(5), agent.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exit.code(), Some(0));
    // The log is read asynchronously: its last line may arrive just after the exit.
    agent
        .wait_for_log("shutting down", Duration::from_secs(2))
        .await;
}

#[sqlx::test]
async fn the_data_plane_api_refuses_wrong_credentials_and_other_tokens(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (_, client_id, secret) = new_data_plane(&api, "eu-dp-1").await;
    let http = http_client();
    let base = format!("http://{}/api/v1/dataplanes", app.addr);
    let exchange = |id: String, secret: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            read(
                http.post(format!("{base}/token"))
                    .json(&json!({"client_id": id, "client_secret": secret}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (s1, wrong) = exchange(client_id.clone(), "nope".into()).await;
    let (s2, unknown) = exchange("dp_unknown".into(), secret.clone()).await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    // The same answer, but for the request's own id.
    let (mut wrong, mut unknown) = (wrong, unknown);
    for problem in [&mut wrong, &mut unknown] {
        problem.as_object_mut().unwrap().remove("requestId");
    }
    assert_eq!(wrong, unknown, "no hint which part was wrong");
    let (status, token) = exchange(client_id, secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(token["expires_in"], 300, "data plane tokens live 5 minutes");
    let token = token["access_token"].as_str().unwrap();

    let heartbeat = |bearer: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            read(
                http.post(format!("{base}/heartbeat"))
                    .bearer_auth(bearer)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (status, identity) = heartbeat(token.to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{identity}");
    assert_eq!(identity["dataplaneName"], "eu-dp-1");
    assert_eq!(identity["regionName"], "auto");
    assert_eq!(identity["organizationId"], org());
    assert_eq!(identity["enabled"], true);
    // A public API token is not a data plane token, and the other way round.
    assert_eq!(
        heartbeat(api.token.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let mut as_api = Api {
        token: token.to_owned(),
        ..app.api_admin().await
    };
    assert_eq!(
        as_api.get("/organizations").await.0,
        StatusCode::UNAUTHORIZED
    );
    as_api.token.clear();
    assert_eq!(heartbeat(String::new()).await.0, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn heartbeat_history_is_pruned_by_one_replica_keeping_each_latest_beat(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let plane: uuid::Uuid = sqlx::query_scalar("select id from data_planes limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // Beats two and three days old; the latest of them is the data plane's last beat.
    for sql in [
        "insert into data_plane_heartbeats (data_plane_id, at) values
           ($1, now() - interval '3 days'), ($1, now() - interval '2 days')",
        "update data_planes set last_heartbeat_at = (select max(at) from data_plane_heartbeats)
         where id = $1",
    ] {
        sqlx::query(sql)
            .bind(plane)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    // While another replica holds the lock, this one skips the pass.
    let mut other = app.pool.begin().await.unwrap();
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(meridian::jobs::PRUNE_LOCK)
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(
        meridian::jobs::prune_heartbeats(&app.pool).await.unwrap(),
        None
    );
    other.rollback().await.unwrap();

    assert_eq!(
        meridian::jobs::prune_heartbeats(&app.pool).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        app.count("select count(*) from data_plane_heartbeats")
            .await,
        1,
        "the latest beat stays"
    );
}

/// With no DATABASE_URL a newcomer gets the embedded database and, in-process, the default
/// data plane of region `auto`, healthy without any setup.
#[tokio::test]
async fn a_first_run_shows_a_healthy_default_data_plane() {
    let dir = std::env::temp_dir().join(format!("meridian-first-run-{}", uuid::Uuid::new_v4()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let meridian = env!("CARGO_BIN_EXE_meridian");
    let env = |cmd: &mut tokio::process::Command| {
        cmd.env_remove("DATABASE_URL")
            .env("MERIDIAN_DATA_DIR", &dir)
            .env("MERIDIAN_LISTEN", addr.to_string())
            .env("MERIDIAN_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("MERIDIAN_ADMIN_PASSWORD", PASSWORD)
            .env("MERIDIAN_LOCAL_DATAPLANE_LISTEN", "127.0.0.1:0")
            .env("MERIDIAN_LOG", "warn");
    };
    let mut server = tokio::process::Command::new(meridian);
    env(&mut server);
    let mut server = server.kill_on_drop(true).spawn().unwrap();
    let http = http_client();
    wait_until_up(addr).await;
    // An application, made from the command line against the same embedded database.
    let credentials = create_application_with_cli(env, "check").await;
    let (_, token) = read(
        http.post(format!("http://{addr}/api/public/v1/applications/token"))
            .json(&json!({"client_id": credentials["clientId"], "client_secret": credentials["clientSecret"], "grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    let started = Instant::now();
    loop {
        let (_, planes) = read(
            http.get(format!("http://{addr}/api/public/v1/dataplanes"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        if planes["data"][0]["health"]["status"] == "HEALTHY" {
            assert_eq!(planes["data"][0]["name"], "auto");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{planes}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The default data plane serves its regional API too: a workspace secret, with no setup.
    let (_, workspaces) = read(
        http.get(format!("http://{addr}/api/public/v1/workspaces"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let workspace = workspaces["data"][0]["workspaceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, grant) = read(
        http.post(format!(
            "http://{addr}/api/public/v1/workspaces/{workspace}/scoped-token"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    let url = grant["dataplaneUrls"][0]
        .as_str()
        .expect("the default data plane's URL");
    let scoped = grant["token"].as_str().unwrap();
    let set = http
        .put(format!("{url}/v1/workspaces/{workspace}/secrets/API_KEY"))
        .bearer_auth(scoped)
        .json(&json!({"value": "first-run"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::CREATED);
    let (_, listed) = read(
        http.get(format!("{url}/v1/workspaces/{workspace}/secrets"))
            .bearer_auth(scoped)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed["data"][0]["name"], "API_KEY");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id().unwrap() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(20), server.wait()).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test]
async fn moving_a_workspace_warns_when_the_target_region_has_no_healthy_data_plane(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let browser = app.admin().await;
    let workspace = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let (_, region) = api
        .post("/regions", json!({"name": "eu", "organizationId": org()}))
        .await;
    let region = region["regionId"].as_str().unwrap().to_owned();
    let move_page = |browser: &Client| {
        let path = format!(
            "/orgs/{}/settings/workspaces/{workspace}/move?to={region}",
            org()
        );
        let browser = browser.http.clone();
        let base = format!("http://{}", app.addr);
        async move {
            browser
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(
        move_page(&browser)
            .await
            .contains("has no enabled data plane")
    );

    let (plane, client_id, secret) = {
        let (status, created) = api
            .post(
                &format!("/regions/{region}/dataplanes"),
                json!({"name": "eu-dp"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        (
            created["dataplaneId"].as_str().unwrap().to_owned(),
            created["clientId"].as_str().unwrap().to_owned(),
            created["clientSecret"].as_str().unwrap().to_owned(),
        )
    };
    let page = move_page(&browser).await;
    assert!(
        page.contains("has no healthy data plane right now"),
        "never connected"
    );

    let _agent = AgentProcess::start(&app, &client_id, &secret);
    wait_for_health(&api, &plane, "HEALTHY", Duration::from_secs(10)).await;
    let page = move_page(&browser).await;
    assert!(!page.contains("has no healthy data plane"));
    assert!(!page.contains("has no enabled data plane"));
}
