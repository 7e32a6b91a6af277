//! The data plane's work: it asks the control plane for runs of its region (a long poll, so a
//! run queued now starts within about a second), runs each one's deployment in a working
//! directory of its own with a clean environment (the workspace's configuration and secrets,
//! plus the `MERIDIAN_*` variables below), keeps its stdout and stderr and its output files in
//! the region's store, renews the run's lease while it goes, ends its whole process group when
//! it runs over its time limit or is cancelled, and reports how it ended: the exit code, the
//! output size and a reason. Nothing it runs or prints is sent to the control plane.
//!
//! Draining (at SIGTERM): it stops asking for runs, finishes those it runs, then returns.
//!
//! Variables every run gets: `MERIDIAN_RUN_ID`, `MERIDIAN_JOB_ID`, `MERIDIAN_JOB_NAME`,
//! `MERIDIAN_WORKSPACE_ID`, `MERIDIAN_ATTEMPT`, `MERIDIAN_DEPLOYMENT`,
//! `MERIDIAN_DEPLOYMENT_VERSION`, `MERIDIAN_OUTPUT_DIR` (files left there are kept as the
//! run's output), and `HOME`, `TMPDIR` (inside its working directory), `PATH`, `LANG`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use uuid::Uuid;

use super::agent::{ControlPlane, Failure};
use super::protocol::{
    Assignment, ClaimRequest, DeploymentReport, FinishRequest, RenewRequest, RenewResponse,
};
use super::{package, store};
use crate::sealed::SecretBox;

/// How long one claim waits for a run before asking again.
const CLAIM_WAIT: Duration = Duration::from_secs(20);
/// How often a running run's lease is renewed at most (also how soon a cancel is heard).
const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How long processes get between SIGTERM and SIGKILL when a run is cancelled or times out.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The most of a run's stdout and stderr kept; the rest is dropped with a note.
pub const MAX_LOG_BYTES: usize = 16 * 1024 * 1024;
/// How often read output is written to the store (and so how fresh a followed log is).
const LOG_FLUSH_EVERY: Duration = Duration::from_millis(200);
/// The most output files kept per run, and their total size.
const MAX_OUTPUT_FILES: usize = 200;
const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;
/// The `PATH` runs get.
const RUN_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How a data plane works.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// How many runs at once (`DATAPLANE_CONCURRENCY`); 0 takes no work.
    pub concurrency: usize,
    /// Where runs get their working directories (`DATAPLANE_WORK_DIR`).
    pub work_dir: PathBuf,
}

/// What every run of this data plane shares.
struct Shared {
    control_plane: Arc<ControlPlane>,
    pool: sqlx::PgPool,
    sealer: Arc<SecretBox>,
    work_dir: PathBuf,
}

/// Asks for runs and runs them until `draining` turns true, then finishes what it runs.
pub async fn run(
    control_plane: Arc<ControlPlane>,
    pool: sqlx::PgPool,
    sealer: Arc<SecretBox>,
    config: WorkerConfig,
    mut draining: watch::Receiver<bool>,
) {
    if config.concurrency == 0 {
        return;
    }
    // Absolute, since each run's process starts in a directory of its own.
    let work_dir = match tokio::fs::create_dir_all(&config.work_dir).await {
        Ok(()) => tokio::fs::canonicalize(&config.work_dir).await,
        Err(e) => Err(e),
    };
    let work_dir = match work_dir {
        Ok(dir) => dir,
        Err(e) => {
            tracing::error!(error = %e, dir = %config.work_dir.display(), "cannot create the work directory: taking no work");
            return;
        }
    };
    let shared = Arc::new(Shared {
        control_plane,
        pool,
        sealer,
        work_dir,
    });
    let slots = Arc::new(Semaphore::new(config.concurrency));
    let mut running = tokio::task::JoinSet::new();
    let mut backoff = Duration::from_millis(500);
    loop {
        while running.try_join_next().is_some() {}
        if *draining.borrow() {
            break;
        }
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = draining.wait_for(|d| *d) => break,
        };
        let request = ClaimRequest {
            wait_seconds: CLAIM_WAIT.as_secs(),
        };
        let claimed = tokio::select! {
            claimed = shared.control_plane.call::<_, Assignment>("runs/claim", &request, Some(CLAIM_WAIT + Duration::from_secs(10))) => claimed,
            // A claim answered while we stop is never acknowledged: the control plane puts
            // it back in the queue when its lease runs out.
            _ = draining.wait_for(|d| *d) => break,
        };
        match claimed {
            Ok(Some(assignment)) => {
                backoff = Duration::from_millis(500);
                let shared = shared.clone();
                running.spawn(async move {
                    let run_id = assignment.run_id;
                    execute(&shared, assignment).await;
                    drop(permit);
                    run_id
                });
            }
            Ok(None) => backoff = Duration::from_millis(500),
            Err(Failure::Refused) => {
                tracing::error!("the control plane refused these credentials: taking no more work");
                break;
            }
            Err(e) => {
                tracing::debug!(error = %e, "asking for work failed; trying again");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = draining.wait_for(|d| *d) => break,
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
    if !running.is_empty() {
        tracing::info!(
            runs = running.len(),
            "draining: finishing the runs under way"
        );
    }
    while running.join_next().await.is_some() {}
}

/// How a run ended here.
struct Ending {
    status: &'static str,
    exit_code: Option<i32>,
    reason: Option<String>,
    output_bytes: i64,
    deployment_version: Option<i32>,
}

impl Ending {
    fn failed(reason: impl Into<String>, deployment_version: Option<i32>) -> Ending {
        Ending {
            status: "failed",
            exit_code: None,
            reason: Some(reason.into()),
            output_bytes: 0,
            deployment_version,
        }
    }
}

/// Runs one assignment to its end and reports it.
async fn execute(shared: &Shared, assignment: Assignment) {
    let run_id = assignment.run_id;
    tracing::info!(run = %run_id, job = %assignment.job_name, workspace = %assignment.workspace_id, "run started");
    let dir = shared.work_dir.join(run_id.to_string());
    let ending = match prepare_and_run(shared, &assignment, &dir).await {
        Ok(Some(ending)) => ending,
        // No longer ours: the control plane gave it up (lease expired, job deleted).
        Ok(None) => {
            tracing::warn!(run = %run_id, "the run is no longer this data plane's: stopped it");
            let _ = store::end_run(&shared.pool, run_id, "abandoned", None, 0).await;
            remove_dir(&dir).await;
            return;
        }
        Err(e) => Ending::failed(format!("The data plane could not run it: {e}"), None),
    };
    remove_dir(&dir).await;
    if let Err(e) = store::end_run(
        &shared.pool,
        run_id,
        ending.status,
        ending.exit_code,
        ending.output_bytes,
    )
    .await
    {
        tracing::warn!(run = %run_id, error = %e, "recording the run's end in the store failed");
    }
    tracing::info!(run = %run_id, status = ending.status, exit_code = ?ending.exit_code, "run ended");
    let report = FinishRequest {
        status: ending.status.into(),
        exit_code: ending.exit_code,
        output_bytes: Some(ending.output_bytes),
        deployment_version: ending.deployment_version,
        reason: ending.reason,
    };
    // Told until the control plane hears it (or says the run is not ours any more).
    let mut wait = Duration::from_millis(500);
    for _ in 0..40 {
        match shared
            .control_plane
            .call::<_, serde_json::Value>(&format!("runs/{run_id}/finish"), &report, None)
            .await
        {
            Ok(_) | Err(Failure::Rejected(_)) | Err(Failure::Refused) => return,
            Err(e) => {
                tracing::warn!(run = %run_id, error = %e, "reporting the run's end failed; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(15));
            }
        }
    }
}

async fn remove_dir(dir: &Path) {
    if let Err(e) = tokio::fs::remove_dir_all(dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "cleaning up a run's directory failed");
    }
}

/// Renews the lease; `Ok(Some(cancel))`, or `Ok(None)` when the run is no longer ours.
async fn renew(
    shared: &Shared,
    run_id: Uuid,
    deployment_version: Option<i32>,
) -> Result<Option<bool>, Failure> {
    match shared
        .control_plane
        .call::<_, RenewResponse>(
            &format!("runs/{run_id}/renew"),
            &RenewRequest { deployment_version },
            None,
        )
        .await
    {
        Ok(answer) => Ok(Some(answer.is_some_and(|a| a.cancel))),
        Err(Failure::Rejected(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `Ok(None)` when the run turned out not to be ours.
async fn prepare_and_run(
    shared: &Shared,
    a: &Assignment,
    dir: &Path,
) -> Result<Option<Ending>, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    store::begin_run(
        &shared.pool,
        a.run_id,
        a.workspace_id,
        a.job_id,
        &a.job_name,
    )
    .await
    .map_err(|e| err(&e))?;
    let logs = LogWriter::start(shared.pool.clone(), a.run_id);
    let Some(deployment) = store::latest_deployment(&shared.pool, a.workspace_id, &a.deployment)
        .await
        .map_err(|e| err(&e))?
    else {
        let why = format!(
            "No deployment named {} in this region: upload it first (PUT /v1/workspaces/{}/deployments/{}).",
            a.deployment, a.workspace_id, a.deployment
        );
        logs.note(&why);
        logs.finish().await;
        return match renew(shared, a.run_id, None).await {
            Ok(None) => Ok(None),
            _ => Ok(Some(Ending::failed(why, None))),
        };
    };
    let version = Some(deployment.version);
    // Acknowledge: the control plane now knows the run started here, with this version.
    match renew(shared, a.run_id, version).await {
        Ok(None) => return Ok(None),
        Ok(Some(true)) => {
            logs.finish().await;
            return Ok(Some(Ending {
                status: "cancelled",
                reason: None,
                ..Ending::failed("", version)
            }));
        }
        Ok(Some(false)) | Err(_) => {}
    }

    let app = dir.join("app");
    let output = dir.join("output");
    let tmp = dir.join("tmp");
    for d in [&app, &output, &tmp] {
        tokio::fs::create_dir_all(d).await.map_err(|e| err(&e))?;
    }
    let (kind, content, unpack_to) = (deployment.kind.clone(), deployment.content, app.clone());
    if let Err(e) =
        tokio::task::spawn_blocking(move || package::unpack(&kind, &content, &unpack_to))
            .await
            .map_err(|e| err(&e))?
    {
        let why = format!("Unpacking deployment {} failed: {e}", a.deployment);
        logs.note(&why);
        logs.finish().await;
        return Ok(Some(Ending::failed(why, version)));
    }

    let environment = environment(shared, a, deployment.version, dir, &output, &tmp).await?;
    let mut program = deployment.command[0].clone();
    if program.contains('/') && !program.starts_with('/') {
        program = app.join(&program).to_string_lossy().into_owned();
    }
    let mut command = tokio::process::Command::new(&program);
    command
        .args(&deployment.command[1..])
        .current_dir(&app)
        .env_clear()
        .envs(environment)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        // Its own process group, so ending the run ends everything it started.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let why = format!("Could not start {}: {e}", deployment.command[0]);
            logs.note(&why);
            logs.finish().await;
            return Ok(Some(Ending::failed(why, version)));
        }
    };
    let group = ProcessGroup(child.id().map(|pid| pid as i32));
    let pumps = [
        tokio::spawn(pump(child.stdout.take(), "stdout", logs.sender())),
        tokio::spawn(pump(child.stderr.take(), "stderr", logs.sender())),
    ];

    let limit = Duration::from_secs(u64::from(a.timeout_seconds.max(1)));
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let renew_every = Duration::from_secs(a.lease_seconds.max(1))
        .div_f64(3.0)
        .min(RENEW_EVERY);
    let mut renewals =
        tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
    let mut ended_by: Option<(&'static str, String)> = None;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.map_err(|e| err(&e))?,
            _ = &mut deadline, if ended_by.is_none() => {
                let why = format!("Ran over its time limit of {} s: its processes were stopped.", a.timeout_seconds);
                logs.note(&why);
                ended_by = Some(("failed", why));
                group.stop();
            }
            _ = renewals.tick() => match renew(shared, a.run_id, None).await {
                Ok(Some(true)) if ended_by.is_none() => {
                    logs.note("Cancelled: its processes were stopped.");
                    ended_by = Some(("cancelled", String::new()));
                    group.stop();
                }
                Ok(None) => {
                    group.kill();
                    let _ = child.wait().await;
                    for pump in pumps {
                        let _ = pump.await;
                    }
                    logs.finish().await;
                    return Ok(None);
                }
                Ok(Some(_)) => {}
                Err(e) => tracing::warn!(run = %a.run_id, error = %e, "renewing the run's lease failed"),
            },
        }
    };
    // Whatever it left behind in its group goes with it.
    group.kill();
    for pump in pumps {
        let _ = pump.await;
    }
    let output_bytes = keep_outputs(&shared.pool, a.run_id, &output).await;
    logs.finish().await;
    let exit_code = status.code();
    let ending = match ended_by {
        Some((status, why)) => Ending {
            status,
            exit_code,
            reason: (!why.is_empty()).then_some(why),
            output_bytes,
            deployment_version: version,
        },
        None if status.success() => Ending {
            status: "succeeded",
            exit_code,
            reason: None,
            output_bytes,
            deployment_version: version,
        },
        None => {
            use std::os::unix::process::ExitStatusExt;
            let why = match (exit_code, status.signal()) {
                (Some(code), _) => format!("Exited with code {code}."),
                (None, Some(signal)) => format!("Ended by signal {signal}."),
                (None, None) => "Ended without an exit code.".to_owned(),
            };
            Ending {
                status: "failed",
                exit_code,
                reason: Some(why),
                output_bytes,
                deployment_version: version,
            }
        }
    };
    Ok(Some(ending))
}

/// The run's environment: the workspace's configuration, then its secrets (a secret wins over
/// a configuration value of the same name), then Meridian's own variables (which win over
/// both).
async fn environment(
    shared: &Shared,
    a: &Assignment,
    version: i32,
    dir: &Path,
    output: &Path,
    tmp: &Path,
) -> Result<Vec<(String, String)>, String> {
    let (config, secrets) = store::run_environment(&shared.pool, a.workspace_id)
        .await
        .map_err(|e| e.to_string())?;
    let mut env = std::collections::BTreeMap::new();
    for entry in config {
        env.insert(entry.key, entry.value);
    }
    for (name, sealed) in secrets {
        let context = super::regional::secret_context(a.workspace_id, &name);
        match shared.sealer.open(&sealed, &context) {
            Ok(value) => {
                env.insert(name, String::from_utf8_lossy(&value).into_owned());
            }
            Err(_) => {
                return Err(format!(
                    "the secret {name} does not open with this data plane's key (DATAPLANE_ENCRYPTION_KEY differs from the one that sealed it)"
                ));
            }
        }
    }
    let path = |p: &Path| p.to_string_lossy().into_owned();
    for (key, value) in [
        ("MERIDIAN_RUN_ID", a.run_id.to_string()),
        ("MERIDIAN_JOB_ID", a.job_id.to_string()),
        ("MERIDIAN_JOB_NAME", a.job_name.clone()),
        ("MERIDIAN_WORKSPACE_ID", a.workspace_id.to_string()),
        ("MERIDIAN_ATTEMPT", a.attempt.to_string()),
        ("MERIDIAN_DEPLOYMENT", a.deployment.clone()),
        ("MERIDIAN_DEPLOYMENT_VERSION", version.to_string()),
        ("MERIDIAN_OUTPUT_DIR", path(output)),
        ("HOME", path(dir)),
        ("TMPDIR", path(tmp)),
        ("PATH", RUN_PATH.to_owned()),
        ("LANG", "C.UTF-8".to_owned()),
    ] {
        env.insert(key.to_owned(), value);
    }
    Ok(env.into_iter().collect())
}

/// A run's process group.
struct ProcessGroup(Option<i32>);

impl ProcessGroup {
    fn signal(&self, signal: nix::sys::signal::Signal) {
        if let Some(pid) = self.0 {
            // ESRCH (the group is gone already) is fine.
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), signal);
        }
    }

    /// SIGTERM now, SIGKILL after [`STOP_GRACE`] to whatever is left.
    fn stop(&self) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        if let Some(pid) = self.0 {
            tokio::spawn(async move {
                tokio::time::sleep(STOP_GRACE).await;
                ProcessGroup(Some(pid)).kill();
            });
        }
    }

    fn kill(&self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
    }
}

impl Drop for ProcessGroup {
    /// A run abandoned halfway (the data plane stops) leaves nothing running.
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads one of the run's streams until it closes, sending what it reads to the log.
async fn pump(
    stream: Option<impl tokio::io::AsyncRead + Unpin>,
    name: &'static str,
    logs: mpsc::UnboundedSender<(&'static str, Vec<u8>)>,
) {
    let Some(mut stream) = stream else { return };
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if logs.send((name, buffer[..n].to_vec())).is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes a run's log to the store in batches, in the order it was read, up to
/// [`MAX_LOG_BYTES`].
struct LogWriter {
    sender: mpsc::UnboundedSender<(&'static str, Vec<u8>)>,
    task: tokio::task::JoinHandle<()>,
}

impl LogWriter {
    fn start(pool: sqlx::PgPool, run_id: Uuid) -> LogWriter {
        let (sender, mut received) = mpsc::unbounded_channel::<(&'static str, Vec<u8>)>();
        let task = tokio::spawn(async move {
            let mut kept = 0usize;
            let mut truncated = false;
            let mut batch: Vec<(&str, Vec<u8>)> = Vec::new();
            let mut open = true;
            while open {
                let flush_at = tokio::time::Instant::now() + LOG_FLUSH_EVERY;
                loop {
                    tokio::select! {
                        next = received.recv() => match next {
                            Some((stream, data)) => {
                                if kept >= MAX_LOG_BYTES {
                                    if !truncated {
                                        truncated = true;
                                        batch.push(("meridian", format!("Log cut at {} MiB: the rest was dropped.\n", MAX_LOG_BYTES / 1024 / 1024).into_bytes()));
                                    }
                                    continue;
                                }
                                let room = MAX_LOG_BYTES - kept;
                                let data = if data.len() > room { data[..room].to_vec() } else { data };
                                kept += data.len();
                                batch.push((stream, data));
                                if batch.len() >= 256 {
                                    break;
                                }
                            }
                            None => {
                                open = false;
                                break;
                            }
                        },
                        _ = tokio::time::sleep_until(flush_at) => break,
                    }
                }
                if batch.is_empty() {
                    continue;
                }
                if let Err(e) = store::append_logs(&pool, run_id, &batch).await {
                    tracing::warn!(run = %run_id, error = %e, "writing the run's log failed");
                }
                batch.clear();
            }
        });
        LogWriter { sender, task }
    }

    fn sender(&self) -> mpsc::UnboundedSender<(&'static str, Vec<u8>)> {
        self.sender.clone()
    }

    /// A line from the data plane itself, told apart from the run's own output.
    fn note(&self, line: &str) {
        let _ = self
            .sender
            .send(("meridian", format!("{line}\n").into_bytes()));
    }

    /// Writes what is left and waits until it is stored.
    async fn finish(self) {
        drop(self.sender);
        let _ = self.task.await;
    }
}

/// Keeps the regular files the run left in its output directory (up to the limits); returns
/// their total size.
async fn keep_outputs(pool: &sqlx::PgPool, run_id: Uuid, output: &Path) -> i64 {
    let root = output.to_owned();
    let files = tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        let mut pending = vec![root.clone()];
        let mut total = 0u64;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                // Not followed: a link could point anywhere on the machine.
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file() && found.len() < MAX_OUTPUT_FILES {
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    if total + size > MAX_OUTPUT_BYTES {
                        continue;
                    }
                    if let (Ok(content), Ok(relative)) =
                        (std::fs::read(&path), path.strip_prefix(&root))
                    {
                        total += content.len() as u64;
                        found.push((relative.to_string_lossy().into_owned(), content));
                    }
                }
            }
        }
        found
    })
    .await
    .unwrap_or_default();
    let mut total = 0i64;
    for (path, content) in files {
        match store::add_output(pool, run_id, &path, &content).await {
            Ok(()) => total += content.len() as i64,
            Err(e) => tracing::warn!(run = %run_id, error = %e, "keeping an output file failed"),
        }
    }
    total
}

/// Tells the control plane of deployments uploaded to the region (their name, version,
/// digest and size): at once when `uploaded` is notified, and every minute for any that
/// could not be told before. Data planes sharing the store may both tell it; the control
/// plane keeps one.
pub async fn report_deployments(
    control_plane: Arc<ControlPlane>,
    pool: sqlx::PgPool,
    uploaded: Arc<Notify>,
) {
    loop {
        match store::unreported_deployments(&pool).await {
            Ok(pending) => {
                for d in pending {
                    let report = DeploymentReport {
                        workspace_id: d.workspace_id,
                        name: d.name.clone(),
                        version: d.version,
                        digest: d.digest.clone(),
                        size_bytes: d.size_bytes,
                        created_at: d.created_at,
                    };
                    let told = match control_plane
                        .call::<_, serde_json::Value>("deployments", &report, None)
                        .await
                    {
                        Ok(_) => true,
                        // The control plane will never take it (the workspace moved away, say).
                        Err(Failure::Rejected(status)) => {
                            tracing::warn!(name = %d.name, version = d.version, %status, "the control plane refused a deployment report");
                            true
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "reporting deployments failed; retrying later");
                            false
                        }
                    };
                    if !told {
                        break;
                    }
                    let _ = store::mark_reported(&pool, d.workspace_id, &d.name, d.version).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading deployments to report failed"),
        }
        tokio::select! {
            _ = uploaded.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
    }
}
