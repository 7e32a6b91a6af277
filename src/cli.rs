//! Command-line interface: `meridian [serve]`, `meridian migrate`, `meridian admin ...`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::auth::password;
use crate::config::Config;
use crate::db::{
    self,
    audit::{Actor, Event},
};
use crate::domain::{Email, Name, OrgRole};
use crate::embedded_postgres::EmbeddedPostgres;
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
    },
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
    let config = Config::from_env()?;
    let (pool, embedded) = open_database(&config).await?;
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&config, pool, embedded.is_some() && !cli.no_local_dataplane).await,
        Command::Migrate => db::migrate(&pool)
            .await
            .context("migrating the database")
            .map(|()| {
                println!("database schema is up to date");
            }),
        Command::Admin(task) => {
            // An operator may run these before the first `serve`: set up the same defaults.
            db::migrate(&pool).await.context("migrating the database")?;
            crate::bootstrap::run(&pool, &config)
                .await
                .context("first-start setup")?;
            admin(task, &pool).await
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
) -> anyhow::Result<(sqlx::PgPool, Option<EmbeddedPostgres>)> {
    match &config.database_url {
        Some(url) => Ok((
            db::connect(url)
                .await
                .context("connecting to DATABASE_URL")?,
            None,
        )),
        None => {
            let pg = EmbeddedPostgres::start(&config.data_dir).await?;
            let pool = db::connect(&pg.database_url())
                .await
                .context("connecting to the embedded database")?;
            Ok((pool, Some(pg)))
        }
    }
}

async fn serve(config: &Config, pool: sqlx::PgPool, local_dataplane: bool) -> anyhow::Result<()> {
    db::migrate(&pool).await.context("migrating the database")?;
    crate::bootstrap::run(&pool, config)
        .await
        .context("first-start setup")?;
    crate::server::spawn_session_cleanup(&pool);
    crate::jobs::spawn_heartbeat_pruning(pool.clone());
    let mut state = AppState::load(
        pool,
        crate::server::leptos_options(config.listen),
        config.public_url.clone(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("loading the instance keys: {e}"))?;
    state.health = config.health;
    if config.allow_local_issuers {
        state.oidc = std::sync::Arc::new(
            crate::auth::oidc::Providers::new(true)
                .map_err(|e| anyhow::anyhow!("identity provider client: {}", e.message))?,
        );
    }
    state.secret_box =
        crate::auth::sealed::SecretBox::from_config(config)?.map(std::sync::Arc::new);
    let local = if local_dataplane {
        let local = crate::ops::data_planes::local_agent_credentials(&state.pool, &state.hasher)
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
    let app = crate::server::router(state, config.secure_cookies);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!("Meridian is listening on http://{addr}");
    if let Some((client_id, secret)) = local {
        // The default data plane runs in-process, talking to this server like any agent.
        let config = crate::dataplane::agent::AgentConfig {
            url: format!("http://{addr}"),
            client_id,
            client_secret: secret.expose().to_owned(),
            heartbeat_interval: std::time::Duration::from_secs(30),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            hostname: crate::dataplane::agent::hostname(),
        };
        tokio::spawn(async move {
            let exit = crate::dataplane::agent::run(config, std::future::pending()).await;
            tracing::warn!(?exit, "the local data plane stopped");
        });
        tracing::info!(
            "running the default data plane in-process (--no-local-dataplane turns it off)"
        );
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shut down");
    Ok(())
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

async fn admin(task: Admin, pool: &sqlx::PgPool) -> anyhow::Result<()> {
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
            let hash =
                tokio::task::spawn_blocking(move || (password::hash(&secret), secret)).await?;
            let mut tx = pool.begin().await?;
            db::organizations::get(&mut *tx, organization)
                .await?
                .with_context(|| format!("organization {organization} does not exist"))?;
            let user_id =
                db::users::create(&mut *tx, &email, name.trim(), Some(&hash.0), instance_admin)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", crate::error::AppError::from(e)))?;
            db::organizations::add_member(&mut *tx, organization, user_id, role).await?;
            db::audit::record(
                &mut tx,
                &actor,
                Event::new(
                    Some(organization),
                    "user.create",
                    "user",
                    Some(user_id),
                    email.as_str(),
                ),
            )
            .await?;
            tx.commit().await?;
            println!("created user {email} ({role} of {organization})");
            if generated {
                println!("password: {}", hash.1);
            }
        }
        Admin::ResetPassword { email, password } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let (secret, generated) = new_password(password)?;
            let hash =
                tokio::task::spawn_blocking(move || (password::hash(&secret), secret)).await?;
            let mut tx = pool.begin().await?;
            let user = db::users::find_by_email(&mut *tx, &email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            db::users::set_password(&mut *tx, user.id, &hash.0).await?;
            db::audit::record(
                &mut tx,
                &actor,
                Event::new(
                    None,
                    "user.reset_password",
                    "user",
                    Some(user.id),
                    email.as_str(),
                ),
            )
            .await?;
            tx.commit().await?;
            println!("password of {email} reset");
            if generated {
                println!("password: {}", hash.1);
            }
        }
        Admin::CreateApplication { email, name } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let name = Name::parse(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
            let user = db::users::find_by_email(pool, &email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            let hasher = crate::auth::secrets::SecretHasher::load(pool).await?;
            let (application, secret) =
                crate::ops::applications::create(pool, &hasher, &user, &actor, None, &name)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}",
                serde_json::json!({
                    "clientId": application.client_id,
                    "clientSecret": secret.expose(),
                })
            );
        }
        Admin::CreateOrganization { name, admin_email } => {
            let name = Name::parse(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
            let mut tx = pool.begin().await?;
            let admin = match admin_email {
                Some(raw) => {
                    let email =
                        Email::parse(&raw).map_err(|m| anyhow::anyhow!("--admin-email: {m}"))?;
                    Some(
                        db::users::find_by_email(&mut *tx, &email)
                            .await?
                            .with_context(|| format!("no user {email}"))?
                            .id,
                    )
                }
                None => None,
            };
            let (org, _) = crate::bootstrap::create_organization(
                &mut tx,
                &actor,
                Uuid::new_v4(),
                &name,
                admin,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            println!("created organization {} ({})", org.name, org.id);
        }
    }
    Ok(())
}
