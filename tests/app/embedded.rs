//! The embedded database's lifecycle, on the real binary: one Meridian per data directory, a
//! stale `postmaster.pid` after a crash, and a database server that dies while Meridian runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::StatusCode;

/// `meridian serve` on the embedded database under `dir`, at `addr`.
fn serve(dir: &Path, addr: std::net::SocketAddr) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian"));
    cmd.arg("serve")
        .arg("--no-local-dataplane")
        .env_remove("DATABASE_URL")
        .env("MERIDIAN_DATA_DIR", dir)
        .env("MERIDIAN_LISTEN", addr.to_string())
        .env("MERIDIAN_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("MERIDIAN_ADMIN_PASSWORD", PASSWORD)
        .env("MERIDIAN_SHUTDOWN_DELAY_SECS", "0")
        .env("MERIDIAN_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

fn free_addr() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// `/readyz`'s status, `None` when nothing answers.
async fn readiness(addr: std::net::SocketAddr) -> Option<StatusCode> {
    http_client()
        .get(format!("http://{addr}/readyz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

async fn wait_ready(addr: std::net::SocketAddr, within: Duration) {
    let started = Instant::now();
    while readiness(addr).await != Some(StatusCode::OK) {
        assert!(
            started.elapsed() < within,
            "{addr} not ready after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn pid_file(dir: &Path) -> PathBuf {
    dir.join("postgres/data/postmaster.pid")
}

fn postmaster_pid(dir: &Path) -> i32 {
    std::fs::read_to_string(pid_file(dir))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn one_meridian_owns_a_data_directory_and_keeps_its_database_running() {
    let dir = std::env::temp_dir().join(format!("meridian-embedded-{}", uuid::Uuid::new_v4()));
    let addr = free_addr();
    let mut first = serve(&dir, addr)
        .env("MERIDIAN_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = ProcessLog::of_stderr(&mut first);
    wait_ready(addr, Duration::from_secs(90)).await;

    // A second Meridian on the same directory refuses, naming the first, and leaves it be.
    let second = tokio::time::timeout(Duration::from_secs(60), serve(&dir, free_addr()).output())
        .await
        .expect("the second Meridian neither started nor gave up")
        .unwrap();
    assert!(!second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("already running on the data directory")
            && said.contains(&format!("pid {}", first.id().unwrap())),
        "{said}"
    );
    assert_eq!(
        readiness(addr).await,
        Some(StatusCode::OK),
        "{}",
        log.tail(40)
    );

    // The database server dies: Meridian notices, says so while it is away, and restarts it.
    let killed = postmaster_pid(&dir);
    kill(Pid::from_raw(killed), Signal::SIGKILL).unwrap();
    let started = Instant::now();
    let mut saw_unready = false;
    loop {
        match readiness(addr).await {
            Some(StatusCode::OK) if saw_unready || started.elapsed() > Duration::from_secs(5) => {
                break;
            }
            Some(StatusCode::SERVICE_UNAVAILABLE) => saw_unready = true,
            other => assert!(
                other.is_some(),
                "the server itself must stay up:\n{}",
                log.tail(40)
            ),
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the embedded database was not restarted:\n{}",
            log.tail(40)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(
        postmaster_pid(&dir),
        killed,
        "a new server runs:\n{}",
        log.tail(40)
    );
    let recovered = started.elapsed();

    // Stopped, then started over a stale pid file naming a live process that is not Postgres
    // (as after a crash, once the pid was reused): the file is set aside and it starts.
    kill(Pid::from_raw(first.id().unwrap() as i32), Signal::SIGTERM).unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(60), first.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "{exit:?}:\n{}", log.tail(40));
    assert!(
        !pid_file(&dir).exists(),
        "a clean stop removes the pid file:\n{}",
        log.tail(40)
    );
    let mut stand_in = std::process::Command::new("sleep")
        .arg("120")
        .spawn()
        .unwrap();
    std::fs::write(
        pid_file(&dir),
        format!(
            "{}\n{}\n0\n5432\n/nonexistent\nlocalhost\n  5432001         0\nready   \n",
            stand_in.id(),
            dir.join("postgres/data").display()
        ),
    )
    .unwrap();
    // This time with JSON logs, one object a line, each request's lines naming its id.
    let addr = free_addr();
    let again = serve(&dir, addr)
        .env("MERIDIAN_LOG_FORMAT", "json")
        .env("MERIDIAN_LOG", "warn,meridian::gate=debug")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(addr, Duration::from_secs(60)).await;
    stand_in.kill().ok();
    stand_in.wait().ok();
    let res = http_client()
        .get(format!("http://{addr}/api/public/v1/regions"))
        .header("x-request-id", "json-log-check")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    kill(Pid::from_raw(again.id().unwrap() as i32), Signal::SIGTERM).unwrap();
    let logs = tokio::time::timeout(Duration::from_secs(60), again.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&logs.stderr)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["span"]["id"] == "json-log-check")
        .unwrap_or_else(|| panic!("no line of the request: {lines:?}"));
    assert_eq!(answered["status"], 401, "{answered}");
    assert_eq!(answered["span"]["route"], "/api/public/v1/regions");
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("embedded database back {recovered:?} after it was killed");
}
