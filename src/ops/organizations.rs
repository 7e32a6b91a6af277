//! Organizations: created (with region `auto` and a default workspace, so a new organization
//! can be used at once) by an instance admin or the operator, and renamed by their admins.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{
    self,
    audit::{Actor, Event},
    users::User,
};
use crate::domain::{Action, DEFAULT_REGION_NAME, Email, Name, OrgRole, Organization, Region};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Creates an organization for an instance admin, who becomes its admin.
pub async fn create(
    state: &AppState,
    user: &User,
    source_ip: Option<String>,
    name: &Name,
) -> AppResult<Organization> {
    if !user.is_instance_admin {
        return Err(AppError::forbidden());
    }
    let actor = Actor::user(user.id, &user.email, source_ip);
    let mut tx = state.pool.begin().await?;
    let (organization, _) = create_in(&mut tx, &actor, Uuid::new_v4(), name, Some(user.id)).await?;
    tx.commit().await?;
    Ok(organization)
}

/// Creates an organization on the operator's say-so (the command line, which holds the
/// database anyway), with an existing user as its admin when one is named.
pub async fn create_by_operator(
    state: &AppState,
    actor: &Actor,
    name: &Name,
    admin: Option<&Email>,
) -> AppResult<Organization> {
    let mut tx = state.pool.begin().await?;
    let admin = match admin {
        Some(email) => Some(
            db::users::find_by_email(&mut *tx, email)
                .await?
                .ok_or_else(|| {
                    AppError::invalid("admin_email", format!("No user has the email {email}."))
                })?
                .id,
        ),
        None => None,
    };
    let (organization, _) = create_in(&mut tx, actor, Uuid::new_v4(), name, admin).await?;
    tx.commit().await?;
    Ok(organization)
}

/// Creates an organization with region `auto` and a default workspace in it, and makes
/// `admin` (if any) its admin, in the caller's transaction (first-start setup creates the
/// default organization with its fixed id this way). Returns the organization and its region
/// `auto`.
pub async fn create_in(
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
            Action::OrganizationCreate,
            Some(id),
            &organization.name,
        )
        .after(&organization),
    )
    .await?;
    let auto = Name::parse(DEFAULT_REGION_NAME).expect("the default region name is valid");
    let region = db::regions::create(&mut *tx, id, &auto, true, &Default::default(), false).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(id),
            Action::RegionCreate,
            Some(region.id),
            &region.name,
        )
        .after(&region),
    )
    .await?;
    let workspace_name =
        Name::parse("Default Workspace").expect("the default workspace name is valid");
    let workspace_id =
        db::workspaces::create(&mut *tx, id, &workspace_name, region.id, &[]).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(id),
            Action::WorkspaceCreate,
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

/// Renames the caller's organization; `revision` is the version the form showed.
pub async fn rename(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
    revision: i32,
) -> AppResult<Organization> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = db::organizations::get(&mut *tx, access.organization_id)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let after = db::organizations::rename(&mut *tx, access.organization_id, name, revision)
        .await?
        .ok_or_else(|| AppError::stale("organization"))?;
    super::record(
        &mut tx,
        access,
        super::event(
            access,
            Action::OrganizationRename,
            access.organization_id,
            &after.name,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
