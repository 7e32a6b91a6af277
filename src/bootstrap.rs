//! What the first start creates, idempotently: the default organization with region `auto`,
//! its data plane and a default workspace, and the instance admin.

use anyhow::Context;
use sqlx::PgPool;
use std::path::Path;

use crate::auth::password;
use crate::config::Config;
use crate::db::{
    self,
    audit::{Actor, Event},
};
use crate::domain::{Action, DEFAULT_ORGANIZATION_ID, DEFAULT_REGION_NAME, Email, Name, OrgRole};
use crate::ops;

/// Serialises first-start work across replicas starting at the same moment.
const BOOTSTRAP_LOCK: i64 = 0x4d45_5249_4449_414e; // "MERIDIAN"

/// Where a generated admin password is written, once.
pub const ADMIN_PASSWORD_FILE: &str = "initial-admin-password";

/// First-start setup. Safe to run on every start and from several replicas at once.
pub async fn run(pool: &PgPool, config: &Config) -> anyhow::Result<()> {
    let actor = Actor::system("meridian (first start)");
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", BOOTSTRAP_LOCK)
        .execute(&mut *tx)
        .await?;

    if db::organizations::get(&mut *tx, DEFAULT_ORGANIZATION_ID)
        .await?
        .is_none()
    {
        let name = Name::parse("Default Organization").expect("valid");
        let (_, region) =
            ops::organizations::create_in(&mut tx, &actor, DEFAULT_ORGANIZATION_ID, &name, None)
                .await?;
        let plane_name = Name::parse(DEFAULT_REGION_NAME).expect("valid");
        // Created without credentials: nobody could be shown a secret made here. The
        // in-process agent mints its own at each start (see `serve`); an operator running it
        // elsewhere rotates to get one.
        let plane = db::data_planes::create(&mut *tx, region.id, &plane_name, true).await?;
        db::audit::record(
            &mut tx,
            &actor,
            Event::new(
                Some(DEFAULT_ORGANIZATION_ID),
                Action::DataPlaneCreate,
                Some(plane.id),
                &plane.name,
            )
            .after(&plane),
        )
        .await?;
        tracing::info!("created the default organization with region {DEFAULT_REGION_NAME}");
    }

    let email = Email::parse(&config.admin_email)
        .map_err(|m| anyhow::anyhow!("MERIDIAN_ADMIN_EMAIL {:?}: {m}", config.admin_email))?;
    if db::users::find_by_email(&mut *tx, &email).await?.is_none() {
        let (secret, generated) = match &config.admin_password {
            Some(p) => {
                password::check_strength(p)
                    .map_err(|m| anyhow::anyhow!("MERIDIAN_ADMIN_PASSWORD: {m}"))?;
                (p.clone(), false)
            }
            None => (password::generate(), true),
        };
        let hash = ops::users::hash_password(&secret).await?;
        let admin = ops::users::NewUser {
            email: &email,
            name: "Administrator",
            password: &secret,
            organization_id: DEFAULT_ORGANIZATION_ID,
            role: OrgRole::Admin,
            instance_admin: true,
        };
        ops::users::create_in(&mut tx, &actor, &admin, &hash).await?;
        if generated {
            let path = write_generated_password(&config.data_dir, &secret)?;
            // Printed once, on the start that created it; the file keeps it for the operator.
            println!(
                "\n  Meridian created the instance admin {email}\n  password: {secret}\n  (also written to {})\n",
                path.display()
            );
        }
        tracing::info!(%email, "created the instance admin");
    }
    tx.commit().await?;
    Ok(())
}

fn write_generated_password(data_dir: &Path, secret: &str) -> anyhow::Result<std::path::PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join(ADMIN_PASSWORD_FILE);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{secret}")?;
    Ok(path)
}
