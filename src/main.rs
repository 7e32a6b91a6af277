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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MERIDIAN_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match meridian::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("meridian: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
