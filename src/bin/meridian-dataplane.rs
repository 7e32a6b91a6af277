//! `meridian-dataplane`: the agent a data plane runs on the customer's infrastructure.

use clap::Parser;
use meridian::dataplane::agent::{self, AgentConfig, EXIT_CONFIG};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "meridian-dataplane",
    version,
    about = "Registers this data plane with a Meridian control plane and keeps it reporting in.",
    long_about = "Registers this data plane with a Meridian control plane and keeps it reporting in.\n\n\
        It only calls out to the control plane: it exchanges the data plane's client credentials \
        (shown once when the data plane was created or its secret rotated) for a short-lived token, \
        renews it before it expires, initializes with its version and hostname, and sends a \
        heartbeat every interval. When the control plane disables the data plane or its region, \
        the agent stops taking work and keeps reporting in. When the control plane cannot be \
        reached it retries with exponential backoff (with jitter, at most 60 s apart) and never \
        gives up on its own.",
    after_help = "Exit codes:\n  0  stopped by SIGTERM or Ctrl-C\n  2  missing or invalid configuration\n  3  the control plane refused the credentials (revoked secret, deleted data plane, wrong secret)"
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
    let config = AgentConfig {
        url: cli.url,
        client_id: cli.client_id,
        client_secret: cli.client_secret,
        heartbeat_interval: Duration::from_secs(cli.heartbeat_interval),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        hostname: agent::hostname(),
    };
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
    tracing::info!(url = %config.url, client_id = %config.client_id, "starting");
    let exit = agent::run(config, shutdown).await;
    ExitCode::from(exit.code())
}
