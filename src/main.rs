//! The `meridian` command: serves the control plane by default; also migrates and runs
//! operator tasks for people without a browser.

use clap::Parser;

// A request allocates many small, short-lived buffers (rows, JSON, headers); mimalloc serves
// them markedly faster than the system allocator under concurrency.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = meridian::cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("MERIDIAN_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // One JSON object per line for log collectors; each line of a request carries its id
    // (the `request` span) as the `X-Request-Id` header and problem documents do.
    match std::env::var("MERIDIAN_LOG_FORMAT").as_deref() {
        Ok("json") => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        Ok("text") | Ok("") | Err(_) => logs.init(),
        Ok(other) => {
            eprintln!("meridian: MERIDIAN_LOG_FORMAT must be text or json, got {other:?}");
            return std::process::ExitCode::FAILURE;
        }
    }
    match meridian::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("meridian: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
