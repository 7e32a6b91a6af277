//! A private Postgres cluster under the data directory, for running without `DATABASE_URL`.

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::{self, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::kill;
use nix::unistd::{Pid, User, geteuid};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::process::Command;
use tokio::time::Instant;

/// Database role created by `initdb`. Authentication is `trust`, which is safe only because the
/// server listens on nothing but a Unix socket that its owner alone may open.
const DB_SUPERUSER: &str = "postgres";
/// Database created for the application; `postgres` is used only to create it.
const APP_DATABASE: &str = "meridian";
const MAINTENANCE_DATABASE: &str = "postgres";
/// Postgres refuses to run as root, so when Meridian runs as root the cluster runs as this user.
const OS_USER: &str = "postgres";
/// The socket file name is derived from the port, so the default is fine even when several
/// clusters run side by side: each has its own socket directory and no TCP listener.
const PORT: u16 = 5432;
/// `sockaddr_un.sun_path` is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH_LEN: usize = 107;
/// Names inside `<data_dir>/postgres`.
const PGDATA_DIR_NAME: &str = "data";
const LOG_FILE_NAME: &str = "postgres.log";
/// Held (flock) by the process that owns the cluster.
const LOCK_FILE_NAME: &str = "meridian.lock";
const SOCKET_DIR_NAME: &str = "socket";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(200);
const LOG_TAIL_LINES: usize = 20;

/// A running Postgres cluster used by Meridian.
///
/// One process at a time owns a cluster: it holds the lock file `<data_dir>/postgres/meridian.lock`,
/// starts the server (or adopts one left running by a crash), restarts it if it dies, and stops
/// it in [`stop`](Self::stop). Commands run beside a serving Meridian (`meridian admin ...`) are
/// guests: they use the running server and never stop it.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    cluster: Arc<Cluster>,
    endpoint: Endpoint,
    /// Held for as long as this process owns the cluster; `None` for a guest.
    owner: Option<Ownership>,
    /// The database [`database_url`](Self::database_url) names.
    database: &'static str,
}

/// What an owner holds: the lock, and the watch that restarts a server that died.
#[derive(Debug)]
struct Ownership {
    _lock: Flock<fs::File>,
    watch: tokio::task::JoinHandle<()>,
}

/// How a process may use a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Own it, or refuse to start when another process does (`meridian serve`, the agent).
    Own,
    /// Own it when nobody does, else use the owner's running server (one-off commands).
    OwnOrShare,
}

impl EmbeddedPostgres {
    /// Starts (or adopts, when left running) the cluster under `data_dir.join("postgres")`,
    /// creates database `meridian` if missing, returns when it accepts connections.
    pub async fn start(data_dir: &Path, access: Access) -> Result<EmbeddedPostgres> {
        Self::start_with_database(data_dir, APP_DATABASE, access).await
    }

    /// Like [`start`](Self::start), for a database of another name (a data plane's store is
    /// `meridian_dataplane`). `database` is one of our own constants, never input.
    pub async fn start_with_database(
        data_dir: &Path,
        database: &'static str,
        access: Access,
    ) -> Result<EmbeddedPostgres> {
        let data_dir = data_dir.to_path_buf();
        let cluster = tokio::task::spawn_blocking(move || Cluster::prepare(&data_dir))
            .await
            .context("preparing the embedded Postgres directories panicked")??;
        let cluster = Arc::new(cluster);

        let lock = match (cluster.try_lock()?, access) {
            (Ok(lock), _) => Some(lock),
            (Err(holder), Access::Own) => bail!(
                "another Meridian ({holder}) is already running on the data directory {}: stop \
                 it first, or give this one its own MERIDIAN_DATA_DIR",
                cluster.root.parent().unwrap_or(&cluster.root).display()
            ),
            (Err(_), Access::OwnOrShare) => None,
        };

        cluster.check_access().await?;
        let mut started_here = false;
        if lock.is_some() {
            if !cluster.is_initialized().await? {
                cluster.initdb().await?;
            }
            cluster.clear_stale_pid_file()?;
            if !cluster.is_running().await? {
                cluster.start().await?;
                started_here = true;
            }
        }

        let endpoint = match cluster.provision(lock.is_some(), database).await {
            Ok(endpoint) => endpoint,
            Err(err) => {
                // Don't leave behind a server that the caller has no handle to stop.
                if started_here && let Err(stop_err) = cluster.stop().await {
                    tracing::warn!(
                        error = format!("{stop_err:#}"),
                        "could not stop embedded Postgres"
                    );
                }
                return Err(err);
            }
        };

        tracing::info!(
            socket_dir = %endpoint.socket_dir,
            adopted = lock.is_some() && !started_here,
            guest = lock.is_none(),
            "embedded Postgres running at {}",
            cluster.pgdata.display(),
        );
        let owner = lock.map(|lock| Ownership {
            _lock: lock,
            watch: tokio::spawn(keep_running(cluster.clone())),
        });
        Ok(EmbeddedPostgres {
            cluster,
            endpoint,
            owner,
            database,
        })
    }

    /// A sqlx-compatible connection URL for the `meridian` database over the Unix socket.
    pub fn database_url(&self) -> String {
        self.endpoint.url(self.database)
    }

    /// Another database in the same cluster, created if missing: the in-process data plane's
    /// store beside the control plane's database. `name` is one of our own constants.
    pub async fn ensure_database(&self, name: &'static str) -> Result<String> {
        let mut conn = self.endpoint.connect(MAINTENANCE_DATABASE).await?;
        create_database_if_missing(&mut conn, name)
            .await
            .with_context(|| format!("could not create database `{name}`"))?;
        conn.close().await.ok();
        Ok(self.endpoint.url(name))
    }

    /// Stops the cluster cleanly (`pg_ctl stop -m fast`) if this process owns it; a guest
    /// leaves it to its owner.
    pub async fn stop(self) -> Result<()> {
        match self.owner {
            Some(owner) => {
                owner.watch.abort();
                self.cluster.stop().await
            }
            None => Ok(()),
        }
    }
}

/// How often an owner checks that its server still runs.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Restarts the owner's server when it dies (killed, out of memory): requests meanwhile get
/// 503 and the pool reconnects once it is back.
async fn keep_running(cluster: Arc<Cluster>) {
    let mut every = tokio::time::interval(WATCH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if live_postmaster(&cluster.pgdata).is_some() {
            continue;
        }
        tracing::error!(
            "embedded Postgres in {} stopped unexpectedly; restarting it",
            cluster.pgdata.display()
        );
        match cluster.start().await {
            Ok(()) => tracing::warn!("embedded Postgres restarted"),
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                "could not restart embedded Postgres; trying again"
            ),
        }
    }
}

/// Where a cluster lives on disk and how to run its tools.
#[derive(Debug)]
struct Cluster {
    bin_dir: PathBuf,
    /// `<data_dir>/postgres`: holds PGDATA, the server log and (usually) the socket directory.
    root: PathBuf,
    pgdata: PathBuf,
    log_file: PathBuf,
    /// Always valid UTF-8 so that it can be embedded in a connection URL.
    socket_dir: String,
    /// The account the server runs as, when that isn't the current (root) user.
    run_as: Option<User>,
}

impl Cluster {
    /// Locates the server binaries and creates the on-disk layout. Blocking.
    fn prepare(data_dir: &Path) -> Result<Cluster> {
        let bin_dir = find_server_binaries()?;
        let run_as = server_user()?;

        fs::create_dir_all(data_dir)
            .with_context(|| format!("could not create data directory {}", data_dir.display()))?;
        // Absolute paths are required: the tools run with the cluster root as their working
        // directory, and the socket fallback name is derived from this path.
        let data_dir = fs::canonicalize(data_dir)
            .with_context(|| format!("could not resolve data directory {}", data_dir.display()))?;
        let root = data_dir.join("postgres");
        let pgdata = root.join(PGDATA_DIR_NAME);
        let log_file = root.join(LOG_FILE_NAME);

        create_private_dir(&root)?;
        create_private_dir(&pgdata)?;
        let socket_dir = if let Some(dir) = in_tree_socket_dir(&root) {
            create_private_dir(Path::new(&dir))?;
            dir
        } else {
            let dir = format!(
                "/tmp/meridian-pg-{:016x}",
                fnv1a(root.as_os_str().as_bytes())
            );
            claim_shared_tmp_dir(Path::new(&dir), run_as.as_ref())?;
            dir
        };
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log_file)
            .with_context(|| format!("could not create server log {}", log_file.display()))?;

        if let Some(user) = &run_as {
            // The server user needs to pass through the data directory to reach its own files.
            grant_traverse(&data_dir)?;
            // PGDATA first: it is refused while a server of the previous owner still runs, and
            // nothing else should have changed hands by then.
            chown_tree(&pgdata, user)?;
            for path in [&root, Path::new(&socket_dir), &log_file] {
                chown(path, user)?;
            }
        }

        Ok(Cluster {
            bin_dir,
            root,
            pgdata,
            log_file,
            socket_dir,
            run_as,
        })
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.current_dir(&self.root).stdin(Stdio::null());
        if let Some(user) = &self.run_as {
            // Root's home and working directory are usually unreadable to the server user, which
            // makes the tools warn or fail when they try to change into them.
            command
                .uid(user.uid.as_raw())
                .gid(user.gid.as_raw())
                .env("HOME", &self.root);
        }
        command
    }

    /// Fails early with a clear message when the server user can't reach the cluster directory,
    /// which happens when the data directory sits under e.g. a 0700 home directory.
    async fn check_access(&self) -> Result<()> {
        let Some(user) = &self.run_as else {
            return Ok(());
        };
        // The child changes into `root` after switching user, so spawning fails if it can't.
        let output = self.command("postgres").arg("--version").output().await.with_context(|| {
            format!(
                "the `{}` user cannot access {}; make every directory above it searchable by that \
                 user (e.g. chmod o+x) or choose a different data directory",
                user.name,
                self.root.display(),
            )
        })?;
        check_success(&output).context("could not run the postgres binary")
    }

    async fn is_initialized(&self) -> Result<bool> {
        let marker = self.pgdata.join("PG_VERSION");
        tokio::fs::try_exists(&marker)
            .await
            .with_context(|| format!("could not check for {}", marker.display()))
    }

    async fn initdb(&self) -> Result<()> {
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-U", DB_SUPERUSER, "--auth=trust"])
            .args(["--encoding=UTF8", "--no-instructions"])
            .output()
            .await
            .context("could not run initdb")?;
        check_success(&output)
            .with_context(|| format!("initdb failed for {}", self.pgdata.display()))
    }

    /// Takes the cluster's lock file, or says who holds it. Only the lock decides ownership:
    /// it is released by the kernel when its holder exits, however it exits.
    fn try_lock(&self) -> Result<std::result::Result<Flock<fs::File>, String>> {
        use std::io::{Read, Seek, Write};
        let path = self.root.join(LOCK_FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("could not open {}", path.display()))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut lock) => {
                // The holder's pid, for the message the next one gets.
                lock.set_len(0)
                    .and_then(|()| lock.seek(SeekFrom::Start(0)))
                    .and_then(|_| writeln!(lock, "{}", std::process::id()))
                    .with_context(|| format!("could not write {}", path.display()))?;
                Ok(Ok(lock))
            }
            Err((mut file, nix::errno::Errno::EWOULDBLOCK)) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Ok(Err(match pid.trim() {
                    "" => "pid unknown".to_owned(),
                    pid => format!("pid {pid}"),
                }))
            }
            Err((_, errno)) => {
                Err(anyhow!(errno)).with_context(|| format!("could not lock {}", path.display()))
            }
        }
    }

    /// A `postmaster.pid` naming a live process that is not a Postgres server (its pid was
    /// reused after a crash) would keep the server from starting: the owner removes it. One
    /// naming a dead process is left for the server, which replaces it itself.
    fn clear_stale_pid_file(&self) -> Result<()> {
        let Some(pid) = live_postmaster(&self.pgdata) else {
            return Ok(());
        };
        let command = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if command.trim() == "postgres" {
            return Ok(());
        }
        let pid_file = self.pgdata.join("postmaster.pid");
        tracing::warn!(
            pid,
            process = command.trim(),
            "{} is stale (its pid now belongs to another program): removing it",
            pid_file.display()
        );
        fs::remove_file(&pid_file)
            .with_context(|| format!("could not remove {}", pid_file.display()))
    }

    async fn is_running(&self) -> Result<bool> {
        let output = self
            .command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.pgdata)
            .output()
            .await
            .context("could not run pg_ctl status")?;
        // pg_ctl checks that the pid in postmaster.pid is alive, so a stale file left by a crash
        // reads as "not running" and the server cleans it up when it starts.
        match output.status.code() {
            Some(0) => Ok(true),
            Some(3) => Ok(false),
            _ => Err(failure(&output))
                .with_context(|| format!("pg_ctl status failed for {}", self.pgdata.display())),
        }
    }

    async fn start(&self) -> Result<()> {
        let port = PORT.to_string();
        let socket_dirs = guc_list_item(&self.socket_dir);
        // pg_ctl hands `-o` to /bin/sh, hence the quoting. An empty `listen_addresses`
        // disables TCP; the explicit port keeps a stray PGPORT from renaming the socket.
        let server_options = [
            ["-c", "listen_addresses="],
            ["-p", &port],
            ["-k", &socket_dirs],
            ["-c", "unix_socket_permissions=0700"],
        ]
        .as_flattened()
        .iter()
        .map(|arg| shell_quote(arg))
        .collect::<Vec<_>>()
        .join(" ");

        // pg_ctl also pastes -D and -l into that shell command, inside double quotes that a `"`,
        // `$` or `\` in the path would break; paths relative to the working directory (`root`)
        // sidestep that. The server still records its absolute data directory.
        let output = self
            .command("pg_ctl")
            .args(["start", "-w", "-t", &READY_TIMEOUT.as_secs().to_string()])
            .args(["-D", PGDATA_DIR_NAME, "-l", LOG_FILE_NAME])
            .args(["-o", &server_options])
            .output()
            .await
            .context("could not run pg_ctl start")?;
        if output.status.success() {
            return Ok(());
        }
        // The log tail goes last so that it reads naturally however the error chain is printed.
        let tail = log_tail(&self.log_file).await;
        Err(anyhow!(
            "{}\nlast lines of {}:\n{tail}",
            failure(&output),
            self.log_file.display(),
        ))
        .with_context(|| format!("could not start Postgres in {}", self.pgdata.display()))
    }

    async fn stop(&self) -> Result<()> {
        let output = self
            .command("pg_ctl")
            .args(["stop", "-w", "-m", "fast"])
            .args(["-t", &READY_TIMEOUT.as_secs().to_string()])
            .arg("-D")
            .arg(&self.pgdata)
            .output()
            .await
            .context("could not run pg_ctl stop")?;
        // Someone else stopping it first is as good as stopping it ourselves.
        if output.status.success() || matches!(self.is_running().await, Ok(false)) {
            return Ok(());
        }
        Err(failure(&output)).with_context(|| {
            format!(
                "could not stop Postgres in {}; see {}",
                self.pgdata.display(),
                self.log_file.display(),
            )
        })
    }

    /// Waits until the server accepts connections and creates the application database.
    async fn provision(&self, owner: bool, database: &str) -> Result<Endpoint> {
        let (endpoint, mut conn) = retry(READY_TIMEOUT, async || {
            // postmaster.pid says where the server actually listens, which for a reused cluster
            // may differ from where we would have put it.
            let endpoint = self.running_endpoint().await?;
            let conn = endpoint.connect(MAINTENANCE_DATABASE).await?;
            Ok((endpoint, conn))
        })
        .await
        .with_context(|| {
            let hint = if owner {
                ""
            } else {
                " (another Meridian owns it: is it still starting?)"
            };
            format!(
                "embedded Postgres in {} is not accepting connections{hint}; see {}",
                self.pgdata.display(),
                self.log_file.display(),
            )
        })?;

        create_database_if_missing(&mut conn, database)
            .await
            .with_context(|| format!("could not create database `{database}`"))?;
        conn.close()
            .await
            .context("could not close the provisioning connection")?;
        Ok(endpoint)
    }

    async fn running_endpoint(&self) -> Result<Endpoint> {
        let pid_file = self.pgdata.join("postmaster.pid");
        let contents = tokio::fs::read_to_string(&pid_file)
            .await
            .with_context(|| format!("could not read {}", pid_file.display()))?;
        Endpoint::from_pid_file(&contents)
            .with_context(|| format!("unexpected contents in {}", pid_file.display()))
    }
}

/// Where a running server accepts connections.
#[derive(Debug)]
struct Endpoint {
    socket_dir: String,
    port: u16,
}

impl Endpoint {
    /// Reads the port (line 4) and first socket directory (line 5) from `postmaster.pid`; see
    /// `LOCK_FILE_LINE_*` in Postgres' `miscadmin.h`.
    fn from_pid_file(contents: &str) -> Result<Endpoint> {
        let mut lines = contents.lines().skip(3);
        let port = lines
            .next()
            .context("the port is not recorded yet")?
            .trim()
            .parse()
            .context("invalid port")?;
        let socket_dir = lines
            .next()
            .map(str::trim)
            .filter(|dir| !dir.is_empty())
            .context("the server is not listening on a Unix socket (yet)")?;
        Ok(Endpoint {
            socket_dir: socket_dir.to_owned(),
            port,
        })
    }

    /// The host is a placeholder: sqlx (like libpq) takes a `host` query parameter starting
    /// with `/` as the socket directory. TLS is pointless over a local socket and the server has
    /// none, so it is disabled explicitly rather than left to a stray PGSSLMODE.
    fn url(&self, database: &str) -> String {
        format!(
            "postgres://{DB_SUPERUSER}@localhost:{}/{database}?host={}&sslmode=disable",
            self.port,
            percent_encode(&self.socket_dir),
        )
    }

    async fn connect(&self, database: &str) -> Result<PgConnection> {
        // Going through the URL proves that what `database_url` hands out actually works.
        let options: PgConnectOptions = self
            .url(database)
            .parse()
            .context("invalid connection URL")?;
        PgConnection::connect_with(&options)
            .await
            .with_context(|| format!("could not connect via socket directory {}", self.socket_dir))
    }
}

async fn create_database_if_missing(conn: &mut PgConnection, database: &str) -> Result<()> {
    // Checking first keeps an "already exists" error out of the server log on every start.
    let exists: bool =
        sqlx::query_scalar("select exists (select from pg_database where datname = $1)")
            .bind(database)
            .fetch_one(&mut *conn)
            .await?;
    if exists {
        return Ok(());
    }
    match conn
        .execute(sqlx::raw_sql(&format!("create database {database}")))
        .await
    {
        Ok(_) => Ok(()),
        // Another process may have created it since the check above.
        Err(err) if is_duplicate_database(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

fn is_duplicate_database(err: &sqlx::Error) -> bool {
    const DUPLICATE_DATABASE: &str = "42P04";
    err.as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .is_some_and(|code| code == DUPLICATE_DATABASE)
}

/// Finds the directory holding `initdb`, `pg_ctl` and `postgres`. They must come from one
/// installation: `pg_ctl` and `initdb` run the `postgres` next to their resolved path and
/// insist on the same version.
fn find_server_binaries() -> Result<PathBuf> {
    // PATH entries are often symlinks into the real installation (e.g. /usr/local/bin/pg_ctl ->
    // /usr/lib/postgresql/15/bin/pg_ctl), so look at where pg_ctl really lives.
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|dir| fs::canonicalize(dir.join("pg_ctl")).ok())
        .filter_map(|pg_ctl| pg_ctl.parent().map(Path::to_path_buf));

    on_path
        .chain(debian_installations())
        .find(|dir| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|bin| is_executable(&dir.join(bin)))
        })
        .ok_or_else(|| {
            anyhow!(
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or \
                 in /usr/lib/postgresql/*/bin; install the PostgreSQL server package (e.g. \
                 `apt-get install postgresql`) or set DATABASE_URL to use an existing server"
            )
        })
}

/// Debian/Ubuntu keep server binaries off PATH, one directory per major version; newest first.
fn debian_installations() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir("/usr/lib/postgresql") else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.mode() & 0o111 != 0)
}

fn server_user() -> Result<Option<User>> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    let user = User::from_name(OS_USER)
        .with_context(|| format!("could not look up the `{OS_USER}` system user"))?
        .filter(|user| !user.uid.is_root())
        .ok_or_else(|| {
            anyhow!(
                "Meridian is running as root, which Postgres refuses to run as, and there is no \
                 unprivileged `{OS_USER}` system user to run it as; create one (e.g. by \
                 installing the postgresql package), run Meridian as a non-root user, or set \
                 DATABASE_URL to use an existing server"
            )
        })?;
    Ok(Some(user))
}

/// Returns `<root>/socket` unless the socket path inside it would be too long for `sun_path`
/// or couldn't be written into a URL.
fn in_tree_socket_dir(root: &Path) -> Option<String> {
    let dir = root
        .join(SOCKET_DIR_NAME)
        .into_os_string()
        .into_string()
        .ok()?;
    let socket_path_len = dir.len() + format!("/.s.PGSQL.{PORT}").len();
    (socket_path_len <= MAX_SOCKET_PATH_LEN).then_some(dir)
}

/// Creates `path` as 0700, or tightens an existing directory to 0700; Postgres refuses a
/// group- or world-accessible PGDATA, and the socket and log are nobody else's business.
fn create_private_dir(path: &Path) -> Result<()> {
    match DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => restrict_mode(path, 0o700),
        Err(err) => Err(err).with_context(|| format!("could not create {}", path.display())),
    }
}

/// Like [`create_private_dir`] for a predictable name in the world-writable /tmp, where
/// another user could have planted the directory (or a symlink) first.
fn claim_shared_tmp_dir(path: &Path, run_as: Option<&User>) -> Result<()> {
    match DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => return Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
        Err(err) => {
            return Err(err).with_context(|| format!("could not create {}", path.display()));
        }
    }
    let meta = fs::symlink_metadata(path)
        .with_context(|| format!("could not inspect {}", path.display()))?;
    let trusted_owner = meta.uid() == geteuid().as_raw()
        || run_as.is_some_and(|user| meta.uid() == user.uid.as_raw());
    ensure!(
        meta.is_dir() && trusted_owner,
        "refusing to use socket directory {}: it is not a directory owned by this user; remove it \
         or use a shorter data directory path",
        path.display(),
    );
    restrict_mode(path, 0o700)
}

fn restrict_mode(path: &Path, mode: u32) -> Result<()> {
    let current = fs::metadata(path)
        .with_context(|| format!("could not inspect {}", path.display()))?
        .mode()
        & 0o7777;
    if current == mode {
        return Ok(());
    }
    fs::set_permissions(path, Permissions::from_mode(mode))
        .with_context(|| format!("could not set mode {mode:o} on {}", path.display()))
}

/// Adds search (not read) permission for group and others, e.g. 0700 -> 0711.
fn grant_traverse(dir: &Path) -> Result<()> {
    let mode = fs::metadata(dir)
        .with_context(|| format!("could not inspect {}", dir.display()))?
        .mode()
        & 0o7777;
    if mode & 0o011 == 0o011 {
        return Ok(());
    }
    fs::set_permissions(dir, Permissions::from_mode(mode | 0o011))
        .with_context(|| format!("could not make {} traversable", dir.display()))
}

fn chown(path: &Path, user: &User) -> Result<()> {
    let (uid, gid) = (user.uid.as_raw(), user.gid.as_raw());
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .with_context(|| format!("could not give {} to `{}`", path.display(), user.name))
}

/// Recursively hands PGDATA to `user`. Normally initdb already created everything as that user,
/// so this only walks the tree when a previous run left it owned by someone else.
fn chown_tree(pgdata: &Path, user: &User) -> Result<()> {
    fn walk(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
        let meta = fs::symlink_metadata(path)?;
        if meta.uid() != uid || meta.gid() != gid {
            // lchown: symlinks (e.g. pg_wal on another disk) point at storage we don't manage.
            std::os::unix::fs::lchown(path, Some(uid), Some(gid))?;
        }
        if meta.is_dir() {
            for entry in fs::read_dir(path)? {
                walk(&entry?.path(), uid, gid)?;
            }
        }
        Ok(())
    }

    let (uid, gid) = (user.uid.as_raw(), user.gid.as_raw());
    let meta =
        fs::metadata(pgdata).with_context(|| format!("could not inspect {}", pgdata.display()))?;
    if meta.uid() == uid && meta.gid() == gid {
        return Ok(());
    }
    // Taking the files away from a server that is still running as their old owner would
    // wreck it, so refuse instead.
    if let Some(pid) = live_postmaster(pgdata) {
        bail!(
            "{} belongs to another user and its server (pid {pid}) is still running; stop it \
             before starting Meridian as root",
            pgdata.display(),
        );
    }
    walk(pgdata, uid, gid)
        .with_context(|| format!("could not give {} to `{}`", pgdata.display(), user.name))
}

/// The pid recorded in `postmaster.pid`, if that process exists.
fn live_postmaster(pgdata: &Path) -> Option<i32> {
    let contents = fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    let pid = contents.lines().next()?.trim().parse().ok()?;
    // Signal 0 only checks for existence; as root, permission is never the obstacle.
    kill(Pid::from_raw(pid), None).is_ok().then_some(pid)
}

/// Runs `attempt` until it succeeds or `timeout` passes, returning the last error.
async fn retry<T>(timeout: Duration, mut attempt: impl AsyncFnMut() -> Result<T>) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(err) if Instant::now() >= deadline => return Err(err),
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

fn check_success(output: &Output) -> Result<()> {
    if output.status.success() {
        Ok(())
    } else {
        Err(failure(output))
    }
}

/// Describes a failed tool run by its own diagnostics, which are usually on stderr.
fn failure(output: &Output) -> anyhow::Error {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let message = [stderr.trim(), stdout.trim()]
        .into_iter()
        .find(|s| !s.is_empty());
    match message {
        Some(message) => anyhow!("{message} ({})", output.status),
        None => anyhow!("{}", output.status),
    }
}

/// The last lines of the server log, for error messages; never fails, since it only decorates
/// an error that is already being reported.
async fn log_tail(path: &Path) -> String {
    // Enough for the last few lines without reading a log that grows across runs.
    const MAX_BYTES: u64 = 16 * 1024;

    let read = async {
        let mut file = tokio::fs::File::open(path).await?;
        let len = file.metadata().await?.len();
        let start = len.saturating_sub(MAX_BYTES);
        file.seek(SeekFrom::Start(start)).await?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await?;
        io::Result::Ok(bytes)
    };
    match read.await {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(err) => format!("(could not read the log: {err})"),
    }
}

fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// `unix_socket_directories` is a comma-separated list, so a directory name containing commas
/// or spaces has to be double-quoted.
fn guc_list_item(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// Percent-encodes everything but unreserved characters and `/`, which is how a socket
/// directory stays readable in a URL query.
fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let (high, low) = (HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0x0f)]);
            encoded.extend(['%', char::from(high), char::from(low)]);
        }
    }
    encoded
}

/// 64-bit FNV-1a. Unlike `DefaultHasher` its output is guaranteed not to change between Rust
/// releases, which matters because the socket directory name must be the same on every run.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
