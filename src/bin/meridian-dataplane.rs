//! `meridian-dataplane`: the agent a data plane runs on the customer's infrastructure.

use clap::Parser;
use meridian::dataplane::agent::{self, AgentConfig, EXIT_CONFIG};
use meridian::dataplane::node::{self, Node};
use meridian::dataplane::worker::WorkerConfig;
use meridian::domain::RegionalUrl;
use meridian::embedded_postgres::{Access, EmbeddedPostgres};
use meridian::sealed::SecretBox;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "meridian-dataplane",
    version,
    about = "Registers this data plane with a Meridian control plane, keeps it reporting in, and serves the region's secrets and configuration.",
    long_about = "Registers this data plane with a Meridian control plane and keeps it reporting in.\n\n\
        It only calls out to the control plane: it exchanges the data plane's client credentials \
        (shown once when the data plane was created or its secret rotated) for a short-lived token, \
        renews it before it expires, initializes with its version and hostname, and sends a \
        heartbeat every interval. When the control plane disables the data plane or its region, \
        the agent stops taking work and keeps reporting in. When the control plane cannot be \
        reached it retries with exponential backoff (with jitter, at most 60 s apart) and never \
        gives up on its own.\n\n\
        With DATAPLANE_LISTEN it also serves the regional API: workspace secrets (write-only, \
        encrypted at rest) and configuration, kept in the region's store, for clients holding a \
        scoped token from the control plane. Tokens are checked offline against the control \
        plane's published keys, so it keeps serving while the control plane is down.\n\n\
        With DATAPLANE_LISTEN it also runs the region's work: it asks the control plane for \
        queued runs of its region (a long poll), runs each deployment in a working directory of \
        its own with a clean environment, keeps logs and output files in the region's store, and \
        reports only how each run ended. At SIGTERM it drains: it takes no new run, finishes \
        those under way, then exits.",
    after_help = "Exit codes:\n  0  stopped by SIGTERM or Ctrl-C (after finishing its runs)\n  2  missing or invalid configuration\n  3  the control plane refused the credentials (revoked secret, deleted data plane, wrong secret)"
)]
struct Cli {
    /// The control plane's address, e.g. https://meridian.example.com.
    #[arg(long, env = "MERIDIAN_URL")]
    url: String,
    /// The data plane's client id.
    #[arg(long, env = "DATAPLANE_CLIENT_ID")]
    client_id: String,
    /// The data plane's client secret. Prefer the environment variable: arguments are visible
    /// to other users of the machine.
    #[arg(long, env = "DATAPLANE_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Seconds between heartbeats.
    #[arg(long, env = "DATAPLANE_HEARTBEAT_INTERVAL", default_value_t = 30)]
    heartbeat_interval: u64,
    /// Log filter, e.g. debug.
    #[arg(long, env = "DATAPLANE_LOG", default_value = "info")]
    log: String,
    /// Serve the regional API (secrets, configuration) on this address, e.g. 127.0.0.1:4100.
    /// Without it the agent only reports in.
    #[arg(long, env = "DATAPLANE_LISTEN")]
    listen: Option<std::net::SocketAddr>,
    /// How clients reach the regional API, e.g. https://dp1.eu.example.com (reported to the
    /// control plane). Default: derived from DATAPLANE_LISTEN.
    #[arg(long, env = "DATAPLANE_PUBLIC_URL")]
    public_url: Option<String>,
    /// PEM certificate chain for TLS on the regional API (with DATAPLANE_TLS_KEY). Without
    /// both, it speaks plain HTTP, for a TLS terminator in front.
    #[arg(long, env = "DATAPLANE_TLS_CERT")]
    tls_cert: Option<std::path::PathBuf>,
    /// PEM private key for DATAPLANE_TLS_CERT.
    #[arg(long, env = "DATAPLANE_TLS_KEY")]
    tls_key: Option<std::path::PathBuf>,
    /// The region's store: a Postgres every data plane of the region points at. Without it, a
    /// private embedded Postgres under DATAPLANE_DATA_DIR.
    #[arg(long, env = "DATAPLANE_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Where the embedded store (and its generated encryption key) live.
    #[arg(
        long,
        env = "DATAPLANE_DATA_DIR",
        default_value = ".meridian-dataplane"
    )]
    data_dir: std::path::PathBuf,
    /// Base64 of 32 bytes sealing secrets at rest; the same on every data plane of a region.
    /// Required with DATAPLANE_DATABASE_URL; generated into DATAPLANE_DATA_DIR otherwise.
    #[arg(long, env = "DATAPLANE_ENCRYPTION_KEY", hide_env_values = true)]
    encryption_key: Option<String>,
    /// Where people's browsers reach the control plane, when not at MERIDIAN_URL (e.g. the
    /// agent uses an internal address): the only origin whose pages may use the regional API.
    #[arg(long, env = "DATAPLANE_CONTROL_PLANE_ORIGIN")]
    control_plane_origin: Option<String>,
    /// How many runs at once (with DATAPLANE_LISTEN); 0 takes no work.
    #[arg(long, env = "DATAPLANE_CONCURRENCY", default_value_t = 4)]
    concurrency: usize,
    /// Where runs get their working directories. Default: DATAPLANE_DATA_DIR/work.
    #[arg(long, env = "DATAPLANE_WORK_DIR")]
    work_dir: Option<std::path::PathBuf>,
}

/// Everything the regional API needs: listener, TLS, store, key. Errors are what to fix.
async fn regional(
    cli: &Cli,
    listen: std::net::SocketAddr,
) -> Result<(Node, Option<EmbeddedPostgres>), String> {
    let tls = match (&cli.tls_cert, &cli.tls_key) {
        (Some(cert), Some(key)) => Some(node::tls_config(cert, key)?),
        (None, None) => None,
        _ => return Err("DATAPLANE_TLS_CERT and DATAPLANE_TLS_KEY go together".into()),
    };
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| format!("DATAPLANE_LISTEN {listen}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let public_url = match &cli.public_url {
        Some(url) => RegionalUrl::parse(url).map_err(|e| format!("DATAPLANE_PUBLIC_URL: {e}"))?,
        None => {
            let scheme = if tls.is_some() { "https" } else { "http" };
            if bound.ip().is_unspecified() {
                return Err(format!(
                    "DATAPLANE_LISTEN {listen} names no address clients can use: set DATAPLANE_PUBLIC_URL"
                ));
            }
            RegionalUrl::parse(&format!("{scheme}://{bound}")).map_err(|e| e.to_string())?
        }
    };
    let (url, embedded, sealer) = match &cli.database_url {
        Some(url) => {
            let raw = cli.encryption_key.as_deref().ok_or(
                "DATAPLANE_ENCRYPTION_KEY is required with DATAPLANE_DATABASE_URL (the same key on every data plane of the region)",
            )?;
            let sealer = SecretBox::from_base64(raw)
                .map_err(|e| format!("DATAPLANE_ENCRYPTION_KEY: {e}"))?;
            (url.clone(), None, sealer)
        }
        None => {
            let pg =
                EmbeddedPostgres::start_with_database(&cli.data_dir, STORE_DATABASE, Access::Own)
                    .await
                    .map_err(|e| format!("the embedded store: {e:#}"))?;
            let sealer = match &cli.encryption_key {
                Some(raw) => SecretBox::from_base64(raw)
                    .map_err(|e| format!("DATAPLANE_ENCRYPTION_KEY: {e}"))?,
                None => meridian::sealed::key_file(&cli.data_dir.join("encryption.key"))
                    .map_err(|e| format!("{e:#}"))?,
            };
            (pg.database_url(), Some(pg), sealer)
        }
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&url)
        .await
        .map_err(|e| format!("connecting to the store: {e}"))?;
    let node = Node {
        agent: agent_config(cli, Some(public_url.as_str().to_owned())),
        pool,
        sealer,
        listener: Some(listener),
        tls,
        control_plane_origins: cli
            .control_plane_origin
            .iter()
            .map(|o| meridian::domain::origin_of(o).to_owned())
            .collect(),
        worker: WorkerConfig {
            concurrency: cli.concurrency,
            work_dir: cli
                .work_dir
                .clone()
                .unwrap_or_else(|| cli.data_dir.join("work")),
        },
    };
    Ok((node, embedded))
}

/// The database of the embedded store.
const STORE_DATABASE: &str = "meridian_dataplane";

fn agent_config(cli: &Cli, public_url: Option<String>) -> AgentConfig {
    AgentConfig {
        url: cli.url.clone(),
        client_id: cli.client_id.clone(),
        client_secret: cli.client_secret.clone(),
        heartbeat_interval: Duration::from_secs(cli.heartbeat_interval),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        hostname: agent::hostname(),
        public_url,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_CONFIG);
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if !(cli.url.starts_with("http://") || cli.url.starts_with("https://")) {
        eprintln!(
            "meridian-dataplane: MERIDIAN_URL must start with http:// or https://, got {:?}",
            cli.url
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    if cli.client_id.trim().is_empty()
        || cli.client_secret.trim().is_empty()
        || cli.heartbeat_interval == 0
    {
        eprintln!(
            "meridian-dataplane: DATAPLANE_CLIENT_ID, DATAPLANE_CLIENT_SECRET and a heartbeat interval of at least 1 s are required"
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    // Signal handlers are installed before the first call, so even an early SIGTERM is a
    // clean shutdown.
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!("meridian-dataplane: cannot install signal handlers");
        return ExitCode::from(EXIT_CONFIG);
    };
    let shutdown = async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
    };
    tracing::info!(url = %cli.url, client_id = %cli.client_id, "starting");
    let Some(listen) = cli.listen else {
        let exit = agent::run(agent_config(&cli, None), shutdown).await;
        return ExitCode::from(exit.code());
    };
    let (node, embedded) = match regional(&cli, listen).await {
        Ok(found) => found,
        Err(e) => {
            eprintln!("meridian-dataplane: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let exit = node::run(node, shutdown).await;
    if let Some(pg) = embedded
        && let Err(e) = pg.stop().await
    {
        tracing::warn!(error = %format!("{e:#}"), "stopping the embedded store");
    }
    ExitCode::from(exit.code())
}
