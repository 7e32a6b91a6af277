//! Command-line interface: `meridian [serve]`, `meridian migrate`, `meridian admin ...`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::auth::password;
use crate::config::Config;
use crate::db::{self, audit::Actor};
use crate::domain::{Email, Name, OrgRole};
use crate::embedded_postgres::{Access, EmbeddedPostgres};
use crate::ops;
use crate::state::AppState;

#[derive(Parser)]
#[command(
    name = "meridian",
    version,
    about = "Meridian: a control plane for data residency."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Do not run the default data plane (region `auto`) in-process. It only runs with the
    /// embedded database (no DATABASE_URL), so a first run shows a healthy data plane.
    #[arg(long, global = true)]
    no_local_dataplane: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the dashboard (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Operator tasks.
    #[command(subcommand)]
    Admin(Admin),
    /// A workspace's secrets, kept in its region: straight to the region's data plane with a
    /// scoped token (needs MERIDIAN_URL, MERIDIAN_CLIENT_ID, MERIDIAN_CLIENT_SECRET).
    #[command(subcommand)]
    Secrets(Secrets),
    /// A workspace's configuration, kept in its region (same credentials as `secrets`).
    #[command(subcommand)]
    Config(ConfigTask),
    /// Upload code to the workspace's region as a new version of a deployment: a script (its
    /// #! line picks the interpreter), a .tar.gz holding meridian.json, or a directory holding
    /// meridian.json (packed on the fly). Same credentials as `secrets`.
    Deploy {
        #[command(flatten)]
        client: ClientArgs,
        /// The deployment's name, e.g. nightly-etl.
        name: String,
        /// A script, a .tar.gz / .tgz archive, or a directory.
        path: std::path::PathBuf,
    },
    /// Run a job now (by name or id); prints the run's id. With --follow, streams its log from
    /// the region's data plane and exits 0 only if the run succeeded.
    Run {
        #[command(flatten)]
        client: ClientArgs,
        job: String,
        #[arg(long)]
        follow: bool,
    },
    /// Print a run's log, straight from the region's data plane; --follow streams it while
    /// the run goes on.
    Logs {
        #[command(flatten)]
        client: ClientArgs,
        run: Uuid,
        #[arg(long)]
        follow: bool,
    },
}

/// Where the control plane is and which API application calls it.
#[derive(clap::Args)]
struct ClientArgs {
    /// The control plane, e.g. https://meridian.example.com.
    #[arg(long, env = "MERIDIAN_URL", default_value = "http://127.0.0.1:3000")]
    url: String,
    /// An API application's client id (Settings > Applications).
    #[arg(long, env = "MERIDIAN_CLIENT_ID")]
    client_id: String,
    /// Its client secret. Use the environment variable: arguments are visible to other users
    /// of the machine.
    #[arg(long, env = "MERIDIAN_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// The workspace.
    #[arg(long)]
    workspace: Uuid,
}

#[derive(Subcommand)]
enum Secrets {
    /// List the workspace's secrets (names and times; values are never shown).
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Set a secret; its value is read from standard input (never from an argument, which
    /// other users of the machine can see), without the final newline.
    Set {
        #[command(flatten)]
        client: ClientArgs,
        /// Like DATABASE_PASSWORD.
        name: String,
    },
    /// Delete a secret.
    Delete {
        #[command(flatten)]
        client: ClientArgs,
        name: String,
    },
}

#[derive(Subcommand)]
enum ConfigTask {
    /// Print the workspace's configuration as KEY=value lines, or one value.
    Get {
        #[command(flatten)]
        client: ClientArgs,
        key: Option<String>,
    },
    /// Set a configuration value.
    Set {
        #[command(flatten)]
        client: ClientArgs,
        key: String,
        value: String,
    },
    /// Delete a configuration value.
    Delete {
        #[command(flatten)]
        client: ClientArgs,
        key: String,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Create a local user with a password and add them to an organization.
    CreateUser {
        #[arg(long)]
        email: String,
        /// Read from MERIDIAN_NEW_PASSWORD if not given; generated and printed if neither.
        #[arg(long, env = "MERIDIAN_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
        /// Organization to join (default: the default organization).
        #[arg(long, default_value_t = crate::domain::DEFAULT_ORGANIZATION_ID)]
        organization: Uuid,
        /// admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Make the user an instance admin (admin of every organization).
        #[arg(long)]
        instance_admin: bool,
    },
    /// Set a new password for a local user.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Read from MERIDIAN_NEW_PASSWORD if not given; generated and printed if neither.
        #[arg(long, env = "MERIDIAN_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Create an API application owned by a user; prints its credentials once, as JSON.
    CreateApplication {
        /// The owner: the application acts with this user's permissions.
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The one organization the application acts in (default: the default organization).
        #[arg(long, default_value_t = crate::domain::DEFAULT_ORGANIZATION_ID)]
        organization: Uuid,
    },
    /// Issue a one-time sign-up link for an invited person without an account, to pass on to
    /// them (the link lets its holder choose the account's password).
    InvitationLink {
        /// The invited address.
        #[arg(long)]
        email: String,
        /// The inviting organization (default: the default organization).
        #[arg(long, default_value_t = crate::domain::DEFAULT_ORGANIZATION_ID)]
        organization: Uuid,
    },
    /// End every session and API token of a user (they can sign in again).
    SignOut {
        #[arg(long)]
        email: String,
    },
    /// Rotate the key tokens are signed with. Running replicas sign with the new key within
    /// 30 s; the old key stays published and accepted until every token it signed has expired.
    RotateSigningKey,
    /// Create an organization (with region `auto` and a default workspace).
    CreateOrganization {
        #[arg(long)]
        name: String,
        /// An existing user to make its admin.
        #[arg(long)]
        admin_email: Option<String>,
    },
}

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // The region's data is reached as any client would: no database, no server configuration.
    match cli.command {
        Some(Command::Secrets(task)) => return secrets(task).await,
        Some(Command::Config(task)) => return configuration(task).await,
        Some(Command::Deploy { client, name, path }) => return deploy(client, name, path).await,
        Some(Command::Run {
            client,
            job,
            follow,
        }) => return run_job(client, job, follow).await,
        Some(Command::Logs {
            client,
            run,
            follow,
        }) => return logs(client, run, follow).await,
        _ => {}
    }
    let config = Config::from_env()?;
    let command = cli.command.unwrap_or(Command::Serve);
    // The server owns its embedded database; a one-off command may run beside it.
    let access = match command {
        Command::Serve => Access::Own,
        _ => Access::OwnOrShare,
    };
    let (pool, embedded) = open_database(&config, access).await?;
    let result = match command {
        Command::Serve => {
            let local = embedded.as_ref().filter(|_| !cli.no_local_dataplane);
            serve(&config, pool, local).await
        }
        Command::Migrate => db::migrate(&pool)
            .await
            .context("migrating the database")
            .map(|()| {
                println!("database schema is up to date");
            }),
        Command::Secrets(_)
        | Command::Config(_)
        | Command::Deploy { .. }
        | Command::Run { .. }
        | Command::Logs { .. } => unreachable!("handled above"),
        Command::Admin(task) => {
            // An operator may run these before the first `serve`: set up the same defaults.
            db::migrate(&pool).await.context("migrating the database")?;
            crate::bootstrap::run(&pool, &config)
                .await
                .context("first-start setup")?;
            let state = AppState::from_config(&config, pool).await?;
            admin(task, &state).await
        }
    };
    if let Some(pg) = embedded {
        pg.stop().await.context("stopping the embedded database")?;
    }
    result
}

/// Connects to `DATABASE_URL`, or starts the embedded cluster under the data directory.
async fn open_database(
    config: &Config,
    access: Access,
) -> anyhow::Result<(sqlx::PgPool, Option<EmbeddedPostgres>)> {
    match &config.database_url {
        Some(url) => Ok((connect_patiently(url).await?, None)),
        None => {
            let pg = EmbeddedPostgres::start(&config.data_dir, access).await?;
            let pool = db::connect(&pg.database_url())
                .await
                .context("connecting to the embedded database")?;
            Ok((pool, Some(pg)))
        }
    }
}

/// Connects to `DATABASE_URL`, waiting (with a log line each time) while the database cannot
/// be reached: replicas started before their database, or during its restart, come up when it
/// does rather than exiting. A database that refuses us (wrong password, no such database)
/// stops the start at once, since waiting would not help.
async fn connect_patiently(url: &str) -> anyhow::Result<sqlx::PgPool> {
    const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
    let mut wait = std::time::Duration::from_millis(500);
    let started = std::time::Instant::now();
    let mut waited = false;
    loop {
        match db::connect(url).await {
            Ok(pool) => {
                if waited {
                    tracing::info!(
                        waited_secs = started.elapsed().as_secs(),
                        "database reachable again: starting"
                    );
                }
                return Ok(pool);
            }
            Err(e) if db::is_unreachable(&e) => {
                tracing::warn!(
                    error = %e,
                    retry_in_ms = wait.as_millis() as u64,
                    "database unreachable; waiting for it and retrying"
                );
                waited = true;
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_WAIT);
            }
            Err(e) => return Err(e).context("connecting to DATABASE_URL"),
        }
    }
}

/// The in-process data plane's store: a database beside the control plane's in the embedded
/// cluster (the control plane's code never reads it).
const LOCAL_STORE_DATABASE: &str = "meridian_dataplane";

async fn serve(
    config: &Config,
    pool: sqlx::PgPool,
    local_dataplane: Option<&EmbeddedPostgres>,
) -> anyhow::Result<()> {
    db::migrate(&pool).await.context("migrating the database")?;
    crate::bootstrap::run(&pool, config)
        .await
        .context("first-start setup")?;
    crate::jobs::spawn_session_cleanup(pool.clone());
    crate::jobs::spawn_heartbeat_pruning(pool.clone());
    crate::jobs::spawn_housekeeping(pool.clone());
    let state = AppState::from_config(config, pool).await?;
    crate::alerts::spawn(state.clone());
    crate::audit_delivery::spawn(state.clone());
    crate::jobs::spawn_audit_retention(state.pool.clone());
    crate::jobs::spawn_signer_reload(state.tokens.clone());
    crate::jobs::spawn_run_upkeep(state.pool.clone(), state.wakeups.clone());
    let local = if local_dataplane.is_some() {
        let local = ops::data_planes::local_agent_credentials(&state)
            .await
            .map_err(|e| anyhow::anyhow!("credentials for the local data plane: {e}"))?;
        if local.is_none() {
            tracing::warn!(
                "the default organization has no data plane named auto in region auto: not running one in-process"
            );
        }
        local
    } else {
        None
    };
    let (delay, grace) = (config.shutdown_delay, config.shutdown_grace);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!("Meridian is listening on http://{addr}");
    if let (Some((client_id, secret)), Some(pg)) = (local, local_dataplane) {
        // The default data plane runs in-process, talking to this server like any agent, and
        // serves its regional API from its own database in the embedded cluster.
        let node = local_node(config, pg, addr, client_id, secret.expose().to_owned()).await?;
        tokio::spawn(async move {
            let exit = crate::dataplane::node::run(node, std::future::pending()).await;
            tracing::warn!(?exit, "the local data plane stopped");
        });
        tracing::info!(
            "running the default data plane in-process (--no-local-dataplane turns it off)"
        );
    }
    crate::server::serve(listener, state, shutdown_signal(), delay, grace).await?;
    tracing::info!("shut down");
    Ok(())
}

async fn open_workspace(args: &ClientArgs) -> anyhow::Result<crate::dataplane::client::Workspace> {
    let credentials = crate::dataplane::client::Credentials {
        control_plane: args.url.clone(),
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
    };
    crate::dataplane::client::Workspace::open(&credentials, args.workspace)
        .await
        .map_err(anyhow::Error::msg)
}

/// What `deploy` uploads for `path`: the file as it is (an archive when it ends in .tar.gz or
/// .tgz), or a directory packed into a gzipped tar.
fn package(path: &std::path::Path) -> anyhow::Result<(Vec<u8>, bool)> {
    if path.is_dir() {
        if !path.join("meridian.json").is_file() {
            anyhow::bail!(
                "{} has no meridian.json naming the command to run, e.g. {{\"command\": [\"python3\", \"main.py\"]}}",
                path.display()
            );
        }
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        builder.follow_symlinks(false);
        builder
            .append_dir_all(".", path)
            .with_context(|| format!("packing {}", path.display()))?;
        let bytes = builder.into_inner()?.finish()?;
        return Ok((bytes, true));
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.to_string_lossy();
    Ok((bytes, name.ends_with(".tar.gz") || name.ends_with(".tgz")))
}

async fn deploy(client: ClientArgs, name: String, path: std::path::PathBuf) -> anyhow::Result<()> {
    let (content, gzip) = package(&path)?;
    let deployed = open_workspace(&client)
        .await?
        .deploy(&name, content, gzip)
        .await
        .map_err(anyhow::Error::msg)?;
    println!(
        "{} version {} ({} bytes, {})",
        deployed.name, deployed.version, deployed.size_bytes, deployed.digest
    );
    Ok(())
}

async fn run_job(client: ClientArgs, job: String, follow: bool) -> anyhow::Result<()> {
    let workspace = open_workspace(&client).await?;
    let run = workspace.run(&job).await.map_err(anyhow::Error::msg)?;
    println!("{}", run.run_id);
    if let Some(reason) = &run.reason {
        eprintln!("{}: {reason}", run.status);
    }
    if !follow {
        return Ok(());
    }
    workspace
        .logs(run.run_id, true, &mut std::io::stdout())
        .await
        .map_err(anyhow::Error::msg)?;
    // The log ends when the data plane has ended the run; the control plane hears of it a
    // moment later.
    for _ in 0..50 {
        let now = workspace
            .run_status(run.run_id)
            .await
            .map_err(anyhow::Error::msg)?;
        if !matches!(now.status.as_str(), "queued" | "running") {
            eprintln!(
                "run {}{}",
                now.status,
                now.reason.map(|r| format!(": {r}")).unwrap_or_default()
            );
            if now.status == "succeeded" {
                return Ok(());
            }
            std::process::exit(1);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    anyhow::bail!("the run's log ended but the control plane still has it running")
}

async fn logs(client: ClientArgs, run: Uuid, follow: bool) -> anyhow::Result<()> {
    open_workspace(&client)
        .await?
        .logs(run, follow, &mut std::io::stdout())
        .await
        .map_err(anyhow::Error::msg)
}

async fn secrets(task: Secrets) -> anyhow::Result<()> {
    match task {
        Secrets::List { client } => {
            for secret in open_workspace(&client)
                .await?
                .secrets()
                .await
                .map_err(anyhow::Error::msg)?
            {
                println!("{}\t{}", secret.name, secret.updated_at);
            }
        }
        Secrets::Set { client, name } => {
            let mut value = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut value)
                .context("reading the secret's value from standard input")?;
            let value = value.strip_suffix('\n').unwrap_or(&value);
            let value = value.strip_suffix('\r').unwrap_or(value);
            if value.is_empty() {
                anyhow::bail!("the secret's value is read from standard input, which was empty");
            }
            open_workspace(&client)
                .await?
                .set_secret(&name, value)
                .await
                .map_err(anyhow::Error::msg)?;
            eprintln!("secret {name} set");
        }
        Secrets::Delete { client, name } => {
            open_workspace(&client)
                .await?
                .delete_secret(&name)
                .await
                .map_err(anyhow::Error::msg)?;
            eprintln!("secret {name} deleted");
        }
    }
    Ok(())
}

async fn configuration(task: ConfigTask) -> anyhow::Result<()> {
    match task {
        ConfigTask::Get { client, key } => {
            let entries = open_workspace(&client)
                .await?
                .config()
                .await
                .map_err(anyhow::Error::msg)?;
            match key {
                Some(key) => {
                    let entry = entries
                        .into_iter()
                        .find(|e| e.key == key)
                        .ok_or_else(|| anyhow::anyhow!("no configuration key {key}"))?;
                    println!("{}", entry.value);
                }
                None => {
                    for entry in entries {
                        println!("{}={}", entry.key, entry.value);
                    }
                }
            }
        }
        ConfigTask::Set { client, key, value } => {
            open_workspace(&client)
                .await?
                .set_config(&key, &value)
                .await
                .map_err(anyhow::Error::msg)?;
            eprintln!("configuration {key} set");
        }
        ConfigTask::Delete { client, key } => {
            open_workspace(&client)
                .await?
                .delete_config(&key)
                .await
                .map_err(anyhow::Error::msg)?;
            eprintln!("configuration {key} deleted");
        }
    }
    Ok(())
}

/// The in-process data plane: its agent reports to this server; its regional API listens on
/// `MERIDIAN_LOCAL_DATAPLANE_LISTEN` (or not at all when that address is taken).
async fn local_node(
    config: &Config,
    pg: &EmbeddedPostgres,
    addr: std::net::SocketAddr,
    client_id: String,
    client_secret: String,
) -> anyhow::Result<crate::dataplane::node::Node> {
    let listener = match std::net::TcpListener::bind(config.local_dataplane_listen) {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::warn!(
                listen = %config.local_dataplane_listen, error = %e,
                "the local data plane cannot serve its regional API (set MERIDIAN_LOCAL_DATAPLANE_LISTEN): workspace secrets and configuration are unavailable in region auto"
            );
            None
        }
    };
    let public_url = listener
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .map(|bound| format!("http://{bound}"));
    let url = pg
        .ensure_database(LOCAL_STORE_DATABASE)
        .await
        .context("the local data plane's store")?;
    let store = db::connect(&url)
        .await
        .context("connecting to the local data plane's store")?;
    let sealer = crate::sealed::key_file(&config.data_dir.join("dataplane-encryption.key"))?;
    // People reach this server at its public URL, or (by default) at its own address, which
    // browsers may call localhost or 127.0.0.1.
    let control_plane_origins = match &config.public_url {
        Some(url) => vec![crate::domain::origin_of(url).to_owned()],
        None => vec![
            format!("http://127.0.0.1:{}", addr.port()),
            format!("http://localhost:{}", addr.port()),
            format!("http://{addr}"),
        ],
    };
    Ok(crate::dataplane::node::Node {
        agent: crate::dataplane::agent::AgentConfig {
            url: format!("http://{addr}"),
            client_id,
            client_secret,
            heartbeat_interval: std::time::Duration::from_secs(30),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            hostname: crate::dataplane::agent::hostname(),
            public_url,
        },
        pool: store,
        sealer,
        listener,
        tls: None,
        control_plane_origins,
        worker: crate::dataplane::worker::WorkerConfig {
            concurrency: 4,
            work_dir: config.data_dir.join("dataplane-work"),
        },
    })
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return interrupt.await.unwrap_or(()),
        };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
}

fn new_password(given: Option<String>) -> anyhow::Result<(String, bool)> {
    match given {
        Some(p) => {
            password::check_strength(&p).map_err(|m| anyhow::anyhow!("password: {m}"))?;
            Ok((p, false))
        }
        None => Ok((password::generate(), true)),
    }
}

/// An error of an operation, as the command line says it.
fn failed(e: crate::error::AppError) -> anyhow::Error {
    match e.fields.first() {
        Some(field) => anyhow::anyhow!("{}", field.message),
        None => anyhow::anyhow!("{e}"),
    }
}

async fn admin(task: Admin, state: &AppState) -> anyhow::Result<()> {
    let actor = Actor::system("meridian admin (command line)");
    match task {
        Admin::CreateUser {
            email,
            password,
            name,
            organization,
            role,
            instance_admin,
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let role = OrgRole::parse(&role).map_err(|m| anyhow::anyhow!("--role: {m}"))?;
            let (secret, generated) = new_password(password)?;
            let new = ops::users::NewUser {
                email: &email,
                name: name.trim(),
                password: &secret,
                organization_id: organization,
                role,
                instance_admin,
            };
            ops::users::create(state, &actor, new)
                .await
                .map_err(failed)?;
            println!("created user {email} ({role} of {organization})");
            if generated {
                println!("password: {secret}");
            }
        }
        Admin::ResetPassword { email, password } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let (secret, generated) = new_password(password)?;
            ops::users::reset_password(state, &actor, &email, &secret)
                .await
                .map_err(failed)?;
            println!("password of {email} reset");
            if generated {
                println!("password: {secret}");
            }
        }
        Admin::CreateApplication {
            email,
            name,
            organization,
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let name = Name::parse(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
            let user = db::users::find_by_email(&state.pool, &email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            let access =
                crate::auth::authorize(&state.pool, user, None, organization, OrgRole::Member)
                    .await
                    .map_err(|_| {
                        anyhow::anyhow!("{email} is not a member of organization {organization}")
                    })?;
            let access = crate::auth::OrgAccess { actor, ..access };
            let (application, secret) = ops::applications::create(state, &access, &name)
                .await
                .map_err(failed)?;
            println!(
                "{}",
                serde_json::json!({
                    "clientId": application.client_id,
                    "clientSecret": secret.expose(),
                })
            );
        }
        Admin::InvitationLink {
            email,
            organization,
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let invitation = db::invitations::lock_pending_for(
                &mut *state.pool.acquire().await?,
                organization,
                email.as_str(),
            )
            .await?
            .filter(|i| i.is_open_at(time::OffsetDateTime::now_utc()))
            .with_context(|| format!("{email} has no open invitation to {organization}"))?;
            let path = ops::invitations::issue_sign_up_link(
                state,
                &actor,
                true,
                organization,
                invitation.id,
            )
            .await
            .map_err(failed)?;
            let base = state
                .config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", state.config.listen));
            println!("{base}{path}");
            eprintln!(
                "Pass this link to {email} only: it lets its holder choose the account's password. It works once, until the invitation expires ({}).",
                crate::api::timestamp(invitation.expires_at)
            );
        }
        Admin::SignOut { email } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let user = db::users::find_by_email(&state.pool, &email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            ops::users::sign_out_everywhere(state, &actor, &user)
                .await
                .map_err(failed)?;
            println!("{email} is signed out everywhere");
        }
        Admin::RotateSigningKey => {
            let kid = ops::keys::rotate_signing_key(state, &actor)
                .await
                .map_err(failed)?;
            println!(
                "tokens are now signed with key {kid}; the previous keys stay published until their tokens have expired"
            );
        }
        Admin::CreateOrganization { name, admin_email } => {
            let name = Name::parse(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
            let admin = admin_email
                .map(|raw| Email::parse(&raw).map_err(|m| anyhow::anyhow!("--admin-email: {m}")))
                .transpose()?;
            let org = ops::organizations::create_by_operator(state, &actor, &name, admin.as_ref())
                .await
                .map_err(failed)?;
            println!("created organization {} ({})", org.name, org.id);
        }
    }
    Ok(())
}
