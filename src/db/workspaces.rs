//! Workspaces and their region assignment.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{Classification, Name, Workspace};

use super::errors::Constraint;

/// What breaking each constraint of `workspaces` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "workspaces_organization_name_key",
        "name",
        "A workspace with this name already exists.",
    ),
    Constraint::about_form(
        "workspaces_region_fkey",
        "This region still has workspaces assigned to it. Move or delete them first.",
    ),
    Constraint::not_from_input("workspaces_pkey"),
];

/// A query reading [`Workspace`]s with their region: the columns, then the rest of the
/// statement after the join (`w` is the workspace, `r` its region).
macro_rules! select_workspaces {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Workspace,
            "select w.id, w.organization_id, w.name, w.region_id, r.name as region_name, r.enabled as region_enabled, w.classifications, w.locked, w.created_at, w.updated_at, w.revision from workspaces w join regions r on r.id = w.region_id " + $rest
            $(, $arg)*
        )
    };
}

/// Every workspace of an organization with its region, by name, in one query.
pub async fn list(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<Workspace>, sqlx::Error> {
    select_workspaces!(
        "where w.organization_id = $1
         order by lower(w.name), w.id",
        organization_id
    )
    .fetch_all(db)
    .await
}

/// One page of an organization's workspaces with their region, by name.
pub async fn list_page(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<Workspace>, sqlx::Error> {
    select_workspaces!(
        "where w.organization_id = $1
         order by lower(w.name), w.id
         limit $2 offset $3",
        organization_id,
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// One page of the workspaces whose name contains `search` (regardless of case), in `region`
/// when given, by name, with how many match in all. The organization's index narrows the
/// scan; the name test runs on its rows only.
pub async fn search_page(
    db: &sqlx::PgPool,
    organization_id: Uuid,
    search: Option<&str>,
    region_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Workspace>, i64), sqlx::Error> {
    let pattern = search.map(super::escape_like);
    let rows = select_workspaces!(
        r#"where w.organization_id = $1
             and ($2::text is null or w.name ilike '%' || $2 || '%' escape '\')
             and ($3::uuid is null or w.region_id = $3)
           order by lower(w.name), w.id
           limit $4 offset $5"#,
        organization_id,
        pattern.as_deref(),
        region_id,
        limit,
        offset
    )
    .fetch_all(db);
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from workspaces w
           where w.organization_id = $1
             and ($2::text is null or w.name ilike '%' || $2 || '%' escape '\')
             and ($3::uuid is null or w.region_id = $3)"#,
        organization_id,
        pattern.as_deref(),
        region_id
    )
    .fetch_one(db);
    tokio::try_join!(rows, total)
}

/// The first `limit` workspaces of one region, by name: those in the way of deleting it, or
/// served by its data planes.
pub async fn list_in_region(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    region_id: Uuid,
    limit: i64,
) -> Result<Vec<Workspace>, sqlx::Error> {
    select_workspaces!(
        "where w.organization_id = $1 and w.region_id = $2
         order by lower(w.name), w.id
         limit $3",
        organization_id,
        region_id,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Workspace>, sqlx::Error> {
    select_workspaces!(
        "where w.organization_id = $1 and w.id = $2",
        organization_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Like [`get`], and locks the workspace's row until the transaction ends.
pub async fn lock(
    conn: &mut sqlx::PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Workspace>, sqlx::Error> {
    select_workspaces!(
        "where w.organization_id = $1 and w.id = $2
         for update of w",
        organization_id,
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn create(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    name: &Name,
    region_id: Uuid,
    classifications: &[Classification],
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into workspaces (id, organization_id, name, region_id, classifications)
         values ($1, $2, $3, $4, $5)",
        id,
        organization_id,
        name.as_str(),
        region_id,
        &Classification::words(classifications)
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// What [`update`] changes; `None` keeps the value.
#[derive(Default)]
pub struct WorkspaceWrite<'a> {
    pub name: Option<&'a Name>,
    pub region_id: Option<Uuid>,
    pub classifications: Option<&'a [Classification]>,
    pub locked: Option<bool>,
}

/// Changes what `write` says when the workspace is still at `revision`; false otherwise.
pub async fn update(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
    write: WorkspaceWrite<'_>,
    revision: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update workspaces set name = coalesce($3, name), region_id = coalesce($4, region_id),
                classifications = coalesce($6, classifications), locked = coalesce($7, locked),
                updated_at = now(), revision = revision + 1
         where organization_id = $1 and id = $2 and revision = $5",
        organization_id,
        id,
        write.name.map(Name::as_str),
        write.region_id,
        revision,
        write.classifications.map(Classification::words) as Option<Vec<String>>,
        write.locked
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
    revision: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from workspaces where organization_id = $1 and id = $2 and revision = $3",
        organization_id,
        id,
        revision
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn count_in_region(db: impl PgExecutor<'_>, region_id: Uuid) -> Result<i64, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"select count(*) as "count!" from workspaces where region_id = $1"#,
        region_id
    )
    .fetch_one(db)
    .await?;
    Ok(count)
}

/// How many of one organization's workspaces live in a region (a managed region holds other
/// organizations' too, which are none of its business).
pub async fn count_in_region_of(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    region_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from workspaces where organization_id = $1 and region_id = $2"#,
        organization_id,
        region_id
    )
    .fetch_one(db)
    .await
}

/// A workspace by id in any organization, for callers that learn its organization from it
/// (the API, which then checks the caller may see it).
pub async fn find_any_org(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<Workspace>, sqlx::Error> {
    select_workspaces!("where w.id = $1", id)
        .fetch_optional(db)
        .await
}

/// Which workspaces of an organization a listing asks for.
pub struct WorkspaceFilter<'a> {
    /// Only these; all when empty.
    pub ids: &'a [Uuid],
    pub organization_id: Uuid,
    pub limit: i64,
    pub offset: i64,
}

/// One page of an organization's workspaces (all, or those named), by name.
pub async fn list_visible(
    db: impl PgExecutor<'_>,
    filter: &WorkspaceFilter<'_>,
) -> Result<Vec<Workspace>, sqlx::Error> {
    select_workspaces!(
        "where (cardinality($1::uuid[]) = 0 or w.id = any($1))
           and w.organization_id = $2
         order by lower(w.name), w.id
         limit $3 offset $4",
        filter.ids,
        filter.organization_id,
        filter.limit,
        filter.offset
    )
    .fetch_all(db)
    .await
}
