//! Work in region, with the real `meridian-dataplane` running real processes: a run executes
//! on a data plane of its workspace's region only; its data plane's disappearance loses it and
//! another data plane of the region retries it; cancel and time limits end its whole process
//! group; draining and admission; many data planes claiming from one queue never run a run
//! twice; bad input changes nothing.

use crate::common::*;
use crate::regional::{Plane, Store, scoped_token, token_of, wait_for_url};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The test app with a short run lease, so a vanished data plane's run is lost in seconds.
async fn app_with_short_lease(pool: PgPool) -> TestApp {
    TestApp::spawn_with(
        pool,
        meridian::config::Config {
            run_lease: time::Duration::seconds(3),
            ..TestApp::config()
        },
    )
    .await
}

async fn region(api: &Api, name: &str) -> Uuid {
    let (status, body) = api
        .post(
            "/regions",
            json!({ "name": name, "organizationId": meridian::domain::DEFAULT_ORGANIZATION_ID }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["regionId"].as_str().unwrap().parse().unwrap()
}

async fn workspace(api: &Api, name: &str, region: Uuid) -> String {
    let (status, body) = api
        .post("/workspaces", json!({ "name": name, "regionId": region }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["workspaceId"].as_str().unwrap().to_owned()
}

/// Uploads a deployment to `plane` with a scoped token.
async fn deploy(
    plane: &Plane,
    token: &str,
    workspace: &str,
    name: &str,
    body: Vec<u8>,
    gzip: bool,
) -> (StatusCode, Value) {
    let response = http_client()
        .put(format!(
            "{}/v1/workspaces/{workspace}/deployments/{name}",
            plane.url
        ))
        .bearer_auth(token)
        .header(
            "content-type",
            if gzip {
                "application/gzip"
            } else {
                "text/plain"
            },
        )
        .body(body)
        .send()
        .await
        .unwrap();
    read(response).await
}

async fn create_job(
    api: &Api,
    workspace: &str,
    name: &str,
    deployment: &str,
    extra: Value,
) -> Value {
    let mut body = json!({ "workspaceId": workspace, "name": name, "deployment": deployment });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, job) = api.post("/jobs", body).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    job
}

async fn run_now(api: &Api, job: &Value) -> Value {
    let (status, run) = api
        .post(
            &format!("/jobs/{}/runs", job["jobId"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    run
}

/// Waits until the run satisfies `done`; panics with the run after `within`.
async fn wait_run(api: &Api, run: &str, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, got) = api.get(&format!("/runs/{run}")).await;
        assert_eq!(status, StatusCode::OK, "{got}");
        if done(&got) {
            return got;
        }
        assert!(started.elapsed() < within, "the run never got there: {got}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ended(run: &Value) -> bool {
    !matches!(run["status"].as_str(), Some("queued" | "running"))
}

/// A run's log from `plane`.
async fn logs(plane: &Plane, token: &str, run: &str) -> (StatusCode, String) {
    let response = http_client()
        .get(format!("{}/v1/runs/{run}/logs", plane.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn script(body: &str) -> Vec<u8> {
    format!("#!/bin/sh\n{body}\n").into_bytes()
}

#[sqlx::test]
async fn a_run_executes_in_its_workspace_region_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (eu, us) = (region(&api, "eu").await, region(&api, "us").await);
    let (eu_store, us_store) = (Store::create().await, Store::create().await);
    let eu_plane = Plane::start(&app, &api, eu, "eu-1", &eu_store).await;
    let us_plane = Plane::start(&app, &api, us, "us-1", &us_store).await;
    let ws = workspace(&api, "analytics", eu).await;
    let token = token_of(&scoped_token(&api, &ws).await);

    // The regional API of another region refuses the token: code only goes to its region.
    let (status, _) = deploy(&us_plane, &token, &ws, "report", script("echo hi"), false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, deployed) = deploy(
        &eu_plane,
        &token,
        &ws,
        "report",
        script("echo \"hello from $MERIDIAN_JOB_NAME attempt $MERIDIAN_ATTEMPT\"\necho oops >&2\necho result > \"$MERIDIAN_OUTPUT_DIR/out.txt\""),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{deployed}");
    assert_eq!(deployed["version"], 1);
    assert_eq!(deployed["kind"], "script");

    let job = create_job(&api, &ws, "nightly", "report", json!({})).await;
    assert_eq!(job["timeoutSeconds"], 3600);
    assert_eq!(job["schedule"], Value::Null);
    for _ in 0..3 {
        let run = run_now(&api, &job).await;
        let id = run["runId"].as_str().unwrap().to_owned();
        let done = wait_run(&api, &id, Duration::from_secs(30), ended).await;
        assert_eq!(done["status"], "succeeded", "{done}");
        assert_eq!(done["exitCode"], 0);
        assert_eq!(done["dataplaneId"].as_str(), Some(eu_plane.id.as_str()));
        assert_eq!(done["deploymentVersion"], 1);
        assert_eq!(done["outputBytes"], 7);
        let (status, log) = logs(&eu_plane, &token, &id).await;
        assert_eq!(status, StatusCode::OK);
        assert!(log.contains("hello from nightly attempt 1"), "{log}");
        assert!(log.contains("oops"), "{log}");
        // Outputs are listed and served by the region.
        let (status, outputs) = eu_plane
            .call(
                reqwest::Method::GET,
                &format!("/v1/runs/{id}/outputs"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{outputs}");
        assert_eq!(outputs["data"][0]["path"], "out.txt");
    }
    // The control plane knows the deployment by name, version and digest only.
    let known: Vec<(String, i32, String)> =
        sqlx::query_as("select name, version, digest from deployments")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        known,
        vec![(
            "report".into(),
            1,
            deployed["digest"].as_str().unwrap().into()
        )]
    );
    // The other region's data plane took nothing.
    let taken: i64 = sqlx::query_scalar("select count(*) from run_records")
        .fetch_one(&us_store.pool().await)
        .await
        .unwrap();
    assert_eq!(taken, 0);
    // Another workspace's token reads no log.
    let other = workspace(&api, "other", eu).await;
    let other_token = token_of(&scoped_token(&api, &other).await);
    let (_, runs) = api
        .get(&format!("/runs?jobId={}", job["jobId"].as_str().unwrap()))
        .await;
    let first = runs["data"][0]["runId"].as_str().unwrap();
    let (status, _) = logs(&eu_plane, &other_token, first).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(runs["data"].as_array().unwrap().len(), 3);
    assert_eq!(app.audit_count("job.create").await, 1);
    assert_eq!(app.audit_count("job.run").await, 3);
}

#[sqlx::test]
async fn a_lost_run_is_retried_on_the_regions_other_data_plane(pool: PgPool) {
    let app = app_with_short_lease(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu").await;
    let store = Store::create().await;
    let mut first = Plane::start(&app, &api, eu, "eu-1", &store).await;
    let ws = workspace(&api, "etl", eu).await;
    let token = token_of(&scoped_token(&api, &ws).await);
    // The first attempt hangs; the second finishes at once.
    let body = script(
        "if [ \"$MERIDIAN_ATTEMPT\" = 1 ]; then echo stuck; sleep 120; fi\necho \"done on attempt $MERIDIAN_ATTEMPT\"",
    );
    let (status, _) = deploy(&first, &token, &ws, "load", body, false).await;
    assert_eq!(status, StatusCode::CREATED);
    let job = create_job(&api, &ws, "load", "load", json!({ "retries": 1 })).await;
    let run = run_now(&api, &job).await;
    let id = run["runId"].as_str().unwrap().to_owned();
    wait_run(&api, &id, Duration::from_secs(20), |r| {
        r["status"] == "running"
    })
    .await;
    // Only now the second data plane: the run is surely on the first.
    let second = Plane::start(&app, &api, eu, "eu-2", &store).await;
    first.child.start_kill().unwrap();
    let _ = first.child.wait().await;
    let lost = wait_run(&api, &id, Duration::from_secs(20), ended).await;
    assert_eq!(lost["status"], "lost", "{lost}");
    assert!(
        lost["reason"]
            .as_str()
            .unwrap()
            .contains("stopped reporting")
    );
    let (_, runs) = api
        .get(&format!("/runs?jobId={}", job["jobId"].as_str().unwrap()))
        .await;
    let retry = runs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["attempt"] == 2)
        .unwrap_or_else(|| panic!("no retry: {runs}"))["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = wait_run(&api, &retry, Duration::from_secs(20), ended).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["trigger"], "retry");
    assert_eq!(done["dataplaneId"].as_str(), Some(second.id.as_str()));
    let (_, log) = logs(&second, &token, &retry).await;
    assert!(log.contains("done on attempt 2"), "{log}");
}

/// Whether a process is still alive (and not a zombie).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.split(") ").nth(1).unwrap_or("").starts_with('Z'))
        .unwrap_or(false)
}

/// The pid a run's script printed as `child=<pid>`.
async fn child_pid(plane: &Plane, token: &str, run: &str) -> i32 {
    let started = Instant::now();
    loop {
        let (_, log) = logs(plane, token, run).await;
        if let Some(pid) = log
            .lines()
            .find_map(|l| l.strip_prefix("child="))
            .and_then(|p| p.trim().parse().ok())
        {
            return pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no child pid: {log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test]
async fn cancel_and_time_limits_end_the_runs_whole_process_group(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu").await;
    let store = Store::create().await;
    let plane = Plane::start(&app, &api, eu, "eu-1", &store).await;
    let ws = workspace(&api, "etl", eu).await;
    let token = token_of(&scoped_token(&api, &ws).await);
    // A background child that would outlive its parent if only the parent were ended.
    let body = script("sleep 300 &\necho \"child=$!\"\nwait");
    deploy(&plane, &token, &ws, "hang", body, false).await;

    let job = create_job(&api, &ws, "hang", "hang", json!({ "retries": 3 })).await;
    let run = run_now(&api, &job).await;
    let id = run["runId"].as_str().unwrap().to_owned();
    let pid = child_pid(&plane, &token, &id).await;
    assert!(alive(pid));
    let asked = Instant::now();
    let (status, cancelled) = api.post(&format!("/runs/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["cancelRequested"], true);
    let done = wait_run(&api, &id, Duration::from_secs(15), ended).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    assert!(asked.elapsed() < Duration::from_secs(10));
    let started = Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !alive(pid),
        "the run's background child outlived the cancel"
    );
    // Cancelled runs are not retried, and a second cancel is refused.
    let (_, runs) = api
        .get(&format!("/runs?jobId={}", job["jobId"].as_str().unwrap()))
        .await;
    assert_eq!(runs["data"].as_array().unwrap().len(), 1);
    let (status, _) = api.post(&format!("/runs/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(app.audit_count("run.cancel").await, 1);

    // The time limit.
    let limited = create_job(&api, &ws, "limited", "hang", json!({ "timeoutSeconds": 2 })).await;
    let run = run_now(&api, &limited).await;
    let id = run["runId"].as_str().unwrap().to_owned();
    let pid = child_pid(&plane, &token, &id).await;
    let done = wait_run(&api, &id, Duration::from_secs(20), ended).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["reason"]
            .as_str()
            .unwrap()
            .contains("time limit of 2 s"),
        "{done}"
    );
    let started = Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !alive(pid),
        "the run's background child outlived the time limit"
    );
}

#[sqlx::test]
async fn admission_draining_and_a_stopping_agent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu-west").await;
    let ws = workspace(&api, "etl", eu).await;
    let job = create_job(&api, &ws, "quick", "quick", json!({})).await;

    // No data plane in the region: the run waits and says why.
    let run = run_now(&api, &job).await;
    assert_eq!(run["status"], "queued");
    assert_eq!(
        run["reason"],
        "No healthy data plane in region eu-west: the run waits until one reports in."
    );
    let waiting = run["runId"].as_str().unwrap().to_owned();

    // A draining data plane takes nothing; a drained one says so.
    let store = Store::create().await;
    let (status, created) = api
        .post(
            &format!("/regions/{eu}/dataplanes"),
            json!({ "name": "eu-1" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = created["dataplaneId"].as_str().unwrap().to_owned();
    let (status, drained) = api
        .patch(&format!("/dataplanes/{id}"), json!({ "draining": true }))
        .await;
    assert_eq!(status, StatusCode::OK, "{drained}");
    assert_eq!(drained["draining"], true);
    assert_eq!(drained["drained"], true);
    let mut plane = Plane::spawn(
        app.addr,
        &id,
        created["clientId"].as_str().unwrap(),
        created["clientSecret"].as_str().unwrap(),
        &store,
        &[],
    );
    plane.url = wait_for_url(&api, &id).await;
    let token = token_of(&scoped_token(&api, &ws).await);
    deploy(
        &plane,
        &token,
        &ws,
        "quick",
        script("sleep 2\necho finished"),
        false,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, still) = api.get(&format!("/runs/{waiting}")).await;
    assert_eq!(still["status"], "queued", "{still}");
    assert_eq!(app.audit_count("dataplane.drain").await, 1);

    // Back to work: the waiting run starts.
    let (status, _) = api
        .patch(&format!("/dataplanes/{id}"), json!({ "draining": false }))
        .await;
    assert_eq!(status, StatusCode::OK);
    // A data plane that may not take work looks again every 2 s while it waits.
    let done = wait_run(&api, &waiting, Duration::from_secs(10), ended).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    // A disabled data plane takes no work either.
    api.patch(&format!("/dataplanes/{id}"), json!({ "enabled": false }))
        .await;
    let run = run_now(&api, &job).await;
    let id_disabled = run["runId"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, still) = api.get(&format!("/runs/{id_disabled}")).await;
    assert_eq!(still["status"], "queued");
    assert!(
        still["reason"]
            .as_str()
            .unwrap()
            .contains("No healthy data plane")
    );
    api.post(&format!("/runs/{id_disabled}/cancel"), json!({}))
        .await;
    api.patch(&format!("/dataplanes/{id}"), json!({ "enabled": true }))
        .await;

    // SIGTERM: the agent finishes the run under way, then exits 0.
    let run = run_now(&api, &job).await;
    let going = run["runId"].as_str().unwrap().to_owned();
    wait_run(&api, &going, Duration::from_secs(40), |r| {
        r["status"] == "running"
    })
    .await;
    let pid = plane.child.id().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(30), plane.child.wait())
        .await
        .expect("the agent exits once its run is done")
        .unwrap();
    assert_eq!(exit.code(), Some(0), "{}", plane.log());
    let (_, done) = api.get(&format!("/runs/{going}")).await;
    assert_eq!(done["status"], "succeeded", "{done}\n{}", plane.log());
    assert!(plane.log().contains("draining"), "{}", plane.log());
}

#[sqlx::test]
async fn twenty_data_planes_claiming_from_one_queue_never_take_a_run_twice(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu").await;
    let ws = workspace(&api, "etl", eu).await;
    let job = create_job(&api, &ws, "many", "many", json!({})).await;
    let http = http_client();
    let base = format!("http://{}/api/v1/dataplanes", app.addr);
    let mut tokens = Vec::new();
    for n in 0..20 {
        tokens.push(agent_token(&app, &api, eu, &format!("dp-{n}")).await);
    }
    const RUNS: usize = 200;
    let queued = futures::future::join_all((0..RUNS).map(|_| run_now(&api, &job))).await;
    assert_eq!(queued.len(), RUNS);
    let claimers = tokens.into_iter().map(|token| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let mut mine = Vec::new();
            loop {
                let answer = http
                    .post(format!("{base}/runs/claim"))
                    .bearer_auth(&token)
                    .json(&json!({ "waitSeconds": 1 }))
                    .send()
                    .await
                    .unwrap();
                if answer.status() == StatusCode::NO_CONTENT {
                    return mine;
                }
                assert_eq!(answer.status(), StatusCode::OK);
                let run: Value = answer.json().await.unwrap();
                let id = run["runId"].as_str().unwrap().to_owned();
                let finished = http
                    .post(format!("{base}/runs/{id}/finish"))
                    .bearer_auth(&token)
                    .json(&json!({ "status": "succeeded", "exitCode": 0 }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(finished.status(), StatusCode::NO_CONTENT);
                mine.push(id);
            }
        }
    });
    let claimed: Vec<String> = futures::future::join_all(claimers)
        .await
        .into_iter()
        .flatten()
        .collect();
    let unique: std::collections::HashSet<_> = claimed.iter().collect();
    assert_eq!(
        claimed.len(),
        RUNS,
        "some run was taken twice or not at all"
    );
    assert_eq!(unique.len(), RUNS);
    assert_eq!(
        app.count("select count(*) from runs where status = 'succeeded'")
            .await,
        RUNS as i64
    );
}

#[sqlx::test]
async fn bad_jobs_and_deployments_are_refused_and_change_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu").await;
    let ws = workspace(&api, "etl", eu).await;
    let (status, body) = api
        .post(
            "/jobs",
            json!({ "workspaceId": ws, "name": "", "deployment": "../x", "schedule": "61 * * * *", "timeoutSeconds": 0, "retries": 11 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "name",
        "deployment",
        "schedule",
        "timeoutSeconds",
        "retries",
    ] {
        assert!(fields.contains(&field), "{field} missing in {body}");
    }
    let job = create_job(&api, &ws, "ok", "ok", json!({ "schedule": "*/5 * * * *" })).await;
    assert!(job["nextRunAt"].is_string());
    let (status, _) = api
        .post(
            "/jobs",
            json!({ "workspaceId": ws, "name": "OK", "deployment": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = api
        .patch(
            &format!("/jobs/{}", job["jobId"].as_str().unwrap()),
            json!({ "schedule": "nope" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, same) = api
        .get(&format!("/jobs/{}", job["jobId"].as_str().unwrap()))
        .await;
    assert_eq!(same["schedule"], "*/5 * * * *");
    let (status, _) = api.get(&format!("/runs/{}", Uuid::new_v4())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from jobs").await, 1);

    // Another organization's admin sees none of it.
    let other = app.other_organization().await;
    let outsider = app.api_as(other, meridian::domain::OrgRole::Admin).await;
    let (status, _) = outsider
        .get(&format!("/jobs/{}", job["jobId"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = outsider
        .post(
            &format!("/jobs/{}/runs", job["jobId"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from runs").await, 0);

    // Uploads: a script needs its #! line; an archive cannot escape its directory.
    let store = Store::create().await;
    let plane = Plane::start(&app, &api, eu, "eu-1", &store).await;
    let token = token_of(&scoped_token(&api, &ws).await);
    let (status, body) = deploy(&plane, &token, &ws, "x", b"echo no shebang".to_vec(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("#!"));
    let (status, _) = deploy(&plane, &token, &ws, "bad%20name", script("true"), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = deploy(&plane, &token, &ws, "x", b"not gzip".to_vec(), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored: i64 = sqlx::query_scalar("select count(*) from deployment_packages")
        .fetch_one(&store.pool().await)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // A reader of the workspace may read it but not deploy to it.
    let reader = app
        .api_as(
            meridian::domain::DEFAULT_ORGANIZATION_ID,
            meridian::domain::OrgRole::Member,
        )
        .await;
    assert!(
        meridian::db::permissions::grant(
            &app.pool,
            Uuid::new_v4(),
            ws.parse().unwrap(),
            reader.user_id,
            meridian::domain::WorkspaceRole::Reader,
        )
        .await
        .unwrap()
    );
    let (status, grant) = reader
        .post(&format!("/workspaces/{ws}/scoped-token"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    let (status, _) = deploy(&plane, &token_of(&grant), &ws, "x", script("true"), false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = reader
        .post(
            &format!("/jobs/{}/runs", job["jobId"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = reader.get(&format!("/jobs?workspaceId={ws}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test]
async fn a_due_schedule_queues_one_run(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu").await;
    let ws = workspace(&api, "etl", eu).await;
    let job = create_job(&api, &ws, "hourly", "x", json!({ "schedule": "0 * * * *" })).await;
    let id: Uuid = job["jobId"].as_str().unwrap().parse().unwrap();
    sqlx::query("update jobs set next_run_at = now() - interval '1 second' where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let started = Instant::now();
    while app.count("select count(*) from runs").await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the schedule queued nothing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        app.count("select count(*) from runs where trigger = 'schedule'")
            .await,
        1
    );
    let (_, after) = api.get(&format!("/jobs/{id}")).await;
    let next = time::OffsetDateTime::parse(
        after["nextRunAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(next > time::OffsetDateTime::now_utc());
    assert_eq!(next.minute(), 0);
}

/// A data plane's token and the base of the agents' API, for calling it as a data plane.
async fn agent_token(app: &TestApp, api: &Api, region: Uuid, name: &str) -> String {
    let (status, created) = api
        .post(
            &format!("/regions/{region}/dataplanes"),
            json!({ "name": name }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let token: Value = http_client()
        .post(format!("http://{}/api/v1/dataplanes/token", app.addr))
        .json(
            &json!({ "client_id": created["clientId"], "client_secret": created["clientSecret"] }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

#[sqlx::test]
async fn another_organizations_data_plane_can_neither_see_nor_touch_this_ones_work(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = region(&api, "eu").await;
    let ws = workspace(&api, "etl", eu).await;
    let job = create_job(&api, &ws, "nightly", "nightly", json!({})).await;
    let ours = agent_token(&app, &api, eu, "eu-1").await;

    // The attacker: another organization's admin, with a data plane of their own region.
    let other = app.other_organization().await;
    let attacker = app.api_as(other, meridian::domain::OrgRole::Admin).await;
    let (status, theirs) = attacker
        .post(
            "/regions",
            json!({ "organizationId": other, "name": "elsewhere" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    let theirs = agent_token(
        &app,
        &attacker,
        theirs["regionId"].as_str().unwrap().parse().unwrap(),
        "evil-1",
    )
    .await;
    let http = http_client();
    let base = format!("http://{}/api/v1/dataplanes", app.addr);
    let post = |token: &str, path: &str, body: Value| {
        http.post(format!("{base}/{path}"))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };

    // It claims to have received code for our workspace: refused, nothing recorded.
    let report = json!({
        "workspaceId": ws,
        "name": "nightly",
        "version": 1,
        "digest": format!("sha256:{}", "a".repeat(64)),
        "sizeBytes": 10,
        "createdAt": "2026-11-30T00:00:00Z",
    });
    let refused = post(&theirs, "deployments", report.clone()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from deployments").await, 0);
    // Our own data plane's report of the same is taken.
    let taken = post(&ours, "deployments", report).await.unwrap();
    assert_eq!(taken.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.count("select count(*) from deployments").await, 1);

    // Our run is queued: their data plane's claim finds nothing, ours gets it.
    let run = run_now(&api, &job).await;
    let run_id = run["runId"].as_str().unwrap();
    let nothing = post(&theirs, "runs/claim", json!({ "waitSeconds": 1 }))
        .await
        .unwrap();
    assert_eq!(nothing.status(), StatusCode::NO_CONTENT);
    let claimed = post(&ours, "runs/claim", json!({ "waitSeconds": 1 }))
        .await
        .unwrap();
    assert_eq!(claimed.status(), StatusCode::OK);

    // Renewing or finishing our run in its name is refused and changes nothing.
    for (path, body) in [
        (format!("runs/{run_id}/renew"), json!({})),
        (
            format!("runs/{run_id}/finish"),
            json!({ "status": "failed", "exitCode": 1, "reason": "forged" }),
        ),
    ] {
        let answer = post(&theirs, &path, body).await.unwrap();
        assert!(
            answer.status() == StatusCode::NOT_FOUND || answer.status() == StatusCode::CONFLICT,
            "{path}: {}",
            answer.status()
        );
    }
    let (_, now) = api.get(&format!("/runs/{run_id}")).await;
    assert_eq!(now["status"], "running", "{now}");
    assert!(now["reason"].is_null(), "{now}");
}
