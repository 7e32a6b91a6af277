//! What the first start creates, idempotently: the default organization with region `auto`,
//! its data plane and a default workspace, and the instance admin.

use anyhow::Context;
use sqlx::{PgConnection, PgPool};
use std::path::Path;
use uuid::Uuid;

use crate::auth::password;
use crate::config::Config;
use crate::db::{
    self,
    audit::{Actor, Event},
};
use crate::domain::{
    DEFAULT_ORGANIZATION_ID, DEFAULT_REGION_NAME, Email, Name, OrgRole, Organization, Region,
};
use crate::error::AppResult;

/// Serialises first-start work across replicas starting at the same moment.
const BOOTSTRAP_LOCK: i64 = 0x4d45_5249_4449_414e; // "MERIDIAN"

/// Where a generated admin password is written, once.
pub const ADMIN_PASSWORD_FILE: &str = "initial-admin-password";

/// Creates an organization with region `auto` and a default workspace in it, and makes
/// `admin` (if any) its admin. Runs in the caller's transaction; returns the organization and
/// its region `auto`.
pub async fn create_organization(
    tx: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    name: &Name,
    admin: Option<Uuid>,
) -> AppResult<(Organization, Region)> {
    let organization = db::organizations::create(&mut *tx, id, name).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(id),
            "organization.create",
            "organization",
            Some(id),
            &organization.name,
        )
        .after(&organization),
    )
    .await?;
    let auto = Name::parse(DEFAULT_REGION_NAME).expect("the default region name is valid");
    let region = db::regions::create(&mut *tx, id, &auto, true).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(id),
            "region.create",
            "region",
            Some(region.id),
            &region.name,
        )
        .after(&region),
    )
    .await?;
    let workspace_name =
        Name::parse("Default Workspace").expect("the default workspace name is valid");
    let workspace_id = db::workspaces::create(&mut *tx, id, &workspace_name, region.id).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(id),
            "workspace.create",
            "workspace",
            Some(workspace_id),
            workspace_name.as_str(),
        ),
    )
    .await?;
    if let Some(user_id) = admin {
        db::organizations::add_member(&mut *tx, id, user_id, OrgRole::Admin).await?;
    }
    Ok((organization, region))
}

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
            create_organization(&mut tx, &actor, DEFAULT_ORGANIZATION_ID, &name, None).await?;
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
                "dataplane.create",
                "dataplane",
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
        let hash = tokio::task::spawn_blocking({
            let secret = secret.clone();
            move || password::hash(&secret)
        })
        .await?;
        let user_id =
            db::users::create(&mut *tx, &email, "Administrator", Some(&hash), true).await?;
        db::organizations::add_member(&mut *tx, DEFAULT_ORGANIZATION_ID, user_id, OrgRole::Admin)
            .await?;
        db::audit::record(
            &mut tx,
            &actor,
            Event::new(
                Some(DEFAULT_ORGANIZATION_ID),
                "user.create",
                "user",
                Some(user_id),
                email.as_str(),
            ),
        )
        .await?;
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
