//! Who may act on what: workspace permissions, and the union of organization memberships and
//! workspace permissions that the public API calls "permissions".

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::WorkspaceRole;

use super::errors::Constraint;

/// What breaking each constraint of `workspace_permissions` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::not_from_input("workspace_permissions_pkey"),
    // `grant` inserts with `on conflict do nothing` and says so.
    Constraint::not_from_input("workspace_permissions_workspace_id_user_id_key"),
];

/// One permission: an organization membership (`workspace_id` is `None`, `role` is `admin` or
/// `member`) or a role on one workspace (`admin`, `editor` or `reader`).
#[derive(Clone, Debug, PartialEq)]
pub struct Permission {
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub organization_id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub role: String,
}

/// Someone's role on one workspace, as the workspace page lists them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkspaceGrant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub role: WorkspaceRole,
}

/// The role `user_id` was given on `workspace_id`: `None` when the workspace is not one of
/// `organization_id`'s, `Some(None)` when it is but they were given none.
pub async fn workspace_role(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    workspace_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Option<WorkspaceRole>>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select p.role as "role: Option<WorkspaceRole>"
           from workspaces w
           left join workspace_permissions p on p.workspace_id = w.id and p.user_id = $3
           where w.organization_id = $1 and w.id = $2"#,
        organization_id,
        workspace_id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.role))
}

/// The roles `user_id` was given on the workspaces of one organization, in one query.
pub async fn workspace_roles(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<(Uuid, WorkspaceRole)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select p.workspace_id, p.role as "role: WorkspaceRole"
           from workspace_permissions p join workspaces w on w.id = p.workspace_id
           where p.user_id = $2 and w.organization_id = $1"#,
        organization_id,
        user_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.workspace_id, r.role)).collect())
}

/// Everyone given a role on one workspace, by email.
pub async fn workspace_grants(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<WorkspaceGrant>, sqlx::Error> {
    sqlx::query_as!(
        WorkspaceGrant,
        r#"select p.id, p.user_id, u.email, p.role as "role: WorkspaceRole"
           from workspace_permissions p join users u on u.id = p.user_id
           where p.workspace_id = $1
           order by lower(u.email)"#,
        workspace_id
    )
    .fetch_all(db)
    .await
}

/// Gives `user_id` a role on a workspace; `false` when they already have one.
pub async fn grant(
    db: impl PgExecutor<'_>,
    id: Uuid,
    workspace_id: Uuid,
    user_id: Uuid,
    role: WorkspaceRole,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "insert into workspace_permissions (id, workspace_id, user_id, role) values ($1, $2, $3, $4)
         on conflict (workspace_id, user_id) do nothing",
        id,
        workspace_id,
        user_id,
        role as WorkspaceRole,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_workspace_role(
    db: impl PgExecutor<'_>,
    id: Uuid,
    role: WorkspaceRole,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update workspace_permissions set role = $2 where id = $1",
        id,
        role as WorkspaceRole,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("delete from workspace_permissions where id = $1", id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Drops a user's roles on an organization's workspaces (when they leave the organization).
pub async fn revoke_in_organization(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "delete from workspace_permissions p using workspaces w
         where w.id = p.workspace_id and w.organization_id = $1 and p.user_id = $2",
        organization_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// One permission by id, of either kind.
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Permission>, sqlx::Error> {
    sqlx::query_as!(
        Permission,
        r#"select m.id as "id!", m.user_id as "user_id!", u.email as "email!",
                  m.organization_id as "organization_id!", null::uuid as workspace_id,
                  m.role as "role!"
           from organization_members m join users u on u.id = m.user_id
           where m.id = $1
           union all
           select p.id, p.user_id, u.email, w.organization_id, p.workspace_id, p.role
           from workspace_permissions p
           join workspaces w on w.id = p.workspace_id
           join users u on u.id = p.user_id
           where p.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Every permission held in one organization, by email (each person's membership first, then
/// their workspace roles), optionally only one user's.
pub async fn in_organization(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Option<Uuid>,
) -> Result<Vec<Permission>, sqlx::Error> {
    sqlx::query_as!(
        Permission,
        r#"select * from (
             select m.id as "id!", m.user_id as "user_id!", u.email as "email!",
                    m.organization_id as "organization_id!", null::uuid as workspace_id,
                    m.role as "role!"
             from organization_members m join users u on u.id = m.user_id
             where m.organization_id = $1 and ($2::uuid is null or m.user_id = $2)
             union all
             select p.id, p.user_id, u.email, w.organization_id, p.workspace_id, p.role
             from workspaces w
             join workspace_permissions p on p.workspace_id = w.id
             join users u on u.id = p.user_id
             where w.organization_id = $1 and ($2::uuid is null or p.user_id = $2)
           ) all_permissions
           order by lower("email!"), workspace_id nulls first, "id!""#,
        organization_id,
        user_id
    )
    .fetch_all(db)
    .await
}

/// What a scoped token for `user_id` on a workspace needs, in one query: the workspace's
/// region, the role given on it (if any), and the regional URLs of the region's enabled data
/// planes, those heard from most recently first, with how many of them reported in within
/// `live_secs`. `None` for a workspace that is not this organization's.
pub async fn workspace_scope(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    workspace_id: Uuid,
    user_id: Uuid,
    live_secs: i64,
) -> Result<Option<WorkspaceScope>, sqlx::Error> {
    sqlx::query_as!(
        WorkspaceScope,
        r#"select w.name as workspace_name, w.region_id, r.name as region_name,
                  p.role as "role: Option<WorkspaceRole>",
                  array(select d.url from data_planes d
                        where d.region_id = w.region_id and d.enabled and d.url is not null
                        order by d.last_heartbeat_at desc nulls last, d.id) as "urls!: Vec<String>",
                  (select count(*) from data_planes d
                   where d.region_id = w.region_id and d.enabled and d.url is not null
                     and d.last_heartbeat_at > now() - make_interval(secs => $4)) as "live!: i64"
           from workspaces w
           join regions r on r.id = w.region_id
           left join workspace_permissions p on p.workspace_id = w.id and p.user_id = $3
           where w.organization_id = $1 and w.id = $2"#,
        organization_id,
        workspace_id,
        user_id,
        live_secs as f64
    )
    .fetch_optional(db)
    .await
}

/// See [`workspace_scope`].
pub struct WorkspaceScope {
    pub workspace_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub role: Option<WorkspaceRole>,
    pub urls: Vec<String>,
    /// How many of `urls`, from the first, belong to data planes heard from lately.
    pub live: i64,
}
