//! Roles on workspaces: given to a member of the workspace's organization, changed, taken
//! away. The workspace's admins (and so the organization's admins) decide.

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, audit::Event, permissions::WorkspaceGrant};
use crate::domain::{Action, Workspace, WorkspaceRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The audit event's object: the workspace, named with the member's email.
fn event<'a>(
    access: &OrgAccess,
    action: Action,
    workspace: &Workspace,
    object_name: &'a str,
) -> Event<'a> {
    super::event(access, action, workspace.id, object_name)
}

fn object_name(workspace: &Workspace, email: &str) -> String {
    format!("{} ({email})", workspace.name)
}

/// Gives a member of the organization a role on one workspace.
pub async fn grant(
    state: &AppState,
    access: &OrgAccess,
    workspace_id: Uuid,
    user_id: Uuid,
    role: WorkspaceRole,
) -> AppResult<WorkspaceGrant> {
    let mut tx = state.pool.begin().await?;
    let workspace = db::workspaces::get(&mut *tx, access.organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    access
        .require_workspace(&mut *tx, workspace_id, WorkspaceRole::Admin)
        .await?;
    // Locked until the grant commits, so a removal of the member at the same moment waits
    // and then takes this grant away with their other roles.
    let member = db::organizations::member_for_share(&mut tx, access.organization_id, user_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "user_id",
                "Only members of the organization can be given a role on its workspaces.",
            )
        })?;
    let id = Uuid::new_v4();
    if !db::permissions::grant(&mut *tx, id, workspace_id, user_id, role).await? {
        return Err(AppError::conflict(
            Some("user_id"),
            format!(
                "{} already has a role on {}; change it instead.",
                member.email, workspace.name
            ),
        ));
    }
    super::record(
        &mut tx,
        access,
        event(
            access,
            Action::PermissionGrant,
            &workspace,
            &object_name(&workspace, &member.email),
        )
        .after(&serde_json::json!({"user": member.email, "role": role})),
    )
    .await?;
    tx.commit().await?;
    Ok(WorkspaceGrant {
        id,
        user_id,
        email: member.email,
        role,
    })
}

/// The workspace permission `permission_id`, checked to be on a workspace of this
/// organization that the caller administers (and on `on_workspace`, when the request names
/// one).
async fn administered(
    tx: &mut sqlx::PgConnection,
    access: &OrgAccess,
    permission_id: Uuid,
    on_workspace: Option<Uuid>,
) -> AppResult<(db::permissions::Permission, Workspace)> {
    let permission = db::permissions::get(&mut *tx, permission_id)
        .await?
        .filter(|p| p.organization_id == access.organization_id)
        .filter(|p| on_workspace.is_none() || p.workspace_id == on_workspace)
        .ok_or_else(|| AppError::not_found("permission"))?;
    let workspace_id = permission
        .workspace_id
        .ok_or_else(|| AppError::not_found("permission"))?;
    let workspace = db::workspaces::get(&mut *tx, access.organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("permission"))?;
    access
        .require_workspace(&mut *tx, workspace_id, WorkspaceRole::Admin)
        .await?;
    Ok((permission, workspace))
}

/// Changes the role a workspace permission gives.
pub async fn set_role(
    state: &AppState,
    access: &OrgAccess,
    permission_id: Uuid,
    on_workspace: Option<Uuid>,
    role: WorkspaceRole,
) -> AppResult<WorkspaceGrant> {
    let mut tx = state.pool.begin().await?;
    let (permission, workspace) =
        administered(&mut tx, access, permission_id, on_workspace).await?;
    let grant = WorkspaceGrant {
        id: permission.id,
        user_id: permission.user_id,
        email: permission.email.clone(),
        role,
    };
    if permission.role == role.as_str() {
        return Ok(grant);
    }
    db::permissions::set_workspace_role(&mut *tx, permission_id, role).await?;
    super::record(
        &mut tx,
        access,
        event(
            access,
            Action::PermissionUpdate,
            &workspace,
            &object_name(&workspace, &permission.email),
        )
        .before(&serde_json::json!({"user": permission.email, "role": permission.role}))
        .after(&serde_json::json!({"user": permission.email, "role": role})),
    )
    .await?;
    tx.commit().await?;
    Ok(grant)
}

/// Takes a workspace permission away; the member keeps reading the workspace as every member
/// of the organization does.
pub async fn revoke(
    state: &AppState,
    access: &OrgAccess,
    permission_id: Uuid,
    on_workspace: Option<Uuid>,
) -> AppResult<(db::permissions::Permission, Workspace)> {
    let mut tx = state.pool.begin().await?;
    let (permission, workspace) =
        administered(&mut tx, access, permission_id, on_workspace).await?;
    db::permissions::revoke(&mut *tx, permission_id).await?;
    super::record(
        &mut tx,
        access,
        event(
            access,
            Action::PermissionRevoke,
            &workspace,
            &object_name(&workspace, &permission.email),
        )
        .before(&serde_json::json!({"user": permission.email, "role": permission.role})),
    )
    .await?;
    tx.commit().await?;
    Ok((permission, workspace))
}
