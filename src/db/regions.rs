//! Regions of an organization.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::domain::{Name, Place, Region};

use super::errors::Constraint;

/// What breaking each constraint of `regions` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "regions_organization_name_key",
        "name",
        "A region with this name already exists.",
    ),
    Constraint::not_from_input("regions_pkey"),
    Constraint::not_from_input("regions_organization_id_id_key"),
    // Cleared before another is set, in one transaction.
    Constraint::not_from_input("regions_one_default_key"),
];

/// A query reading [`Region`]s: their columns, then the rest of the statement after `from regions`.
macro_rules! select_regions {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Region,
            "select id, organization_id, name, enabled, provider, location, jurisdiction, managed, default_for_new_workspaces, created_at, updated_at, revision from regions " + $rest
            $(, $arg)*
        )
    };
}

pub async fn list(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<Region>, sqlx::Error> {
    select_regions!(
        "where organization_id = $1 or managed
         order by lower(name), id",
        organization_id
    )
    .fetch_all(db)
    .await
}

/// A region `organization_id` may see: its own, or a managed one; another organization's own
/// region is as good as missing.
pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Region>, sqlx::Error> {
    select_regions!(
        "where (organization_id = $1 or managed) and id = $2",
        organization_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Like [`get`], and locks the row until the transaction ends, so concurrent changes queue
/// up instead of failing on a stale revision.
pub async fn lock(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Region>, sqlx::Error> {
    select_regions!(
        "where organization_id = $1 and id = $2
         for update",
        organization_id,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Like [`get`] (own or managed), and holds a share lock until the transaction ends, so the
/// region cannot be disabled or deleted while a workspace is being assigned to it.
pub async fn get_for_assignment(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Region>, sqlx::Error> {
    select_regions!(
        "where (organization_id = $1 or managed) and id = $2
         for share",
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
    enabled: bool,
    place: &Place,
    managed: bool,
) -> Result<Region, sqlx::Error> {
    sqlx::query_as!(
        Region,
        "insert into regions (id, organization_id, name, enabled, provider, location, jurisdiction, managed)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id, organization_id, name, enabled, provider, location, jurisdiction,
                   managed, default_for_new_workspaces, created_at, updated_at, revision",
        Uuid::new_v4(),
        organization_id,
        name.as_str(),
        enabled,
        place.provider.as_ref().map(|p| p.as_str()),
        place.location.as_ref().map(|l| l.as_str()),
        place.jurisdiction.as_ref().map(|j| j.as_str()),
        managed,
    )
    .fetch_one(db)
    .await
}

/// Changes name, enabled and/or place (`None` keeps the value) when the region is still at
/// `revision`; `None` when it was changed or deleted meanwhile.
pub async fn update(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
    name: Option<&Name>,
    enabled: Option<bool>,
    place: Option<&Place>,
    revision: i32,
) -> Result<Option<Region>, sqlx::Error> {
    sqlx::query_as!(
        Region,
        "update regions set name = coalesce($3, name), enabled = coalesce($4, enabled),
                provider = case when $6 then $7 else provider end,
                location = case when $6 then $8 else location end,
                jurisdiction = case when $6 then $9 else jurisdiction end,
                updated_at = now(), revision = revision + 1
         where organization_id = $1 and id = $2 and revision = $5
         returning id, organization_id, name, enabled, provider, location, jurisdiction,
                   managed, default_for_new_workspaces, created_at, updated_at, revision",
        organization_id,
        id,
        name.map(Name::as_str),
        enabled,
        revision,
        place.is_some(),
        place.and_then(|p| p.provider.as_ref()).map(|p| p.as_str()),
        place.and_then(|p| p.location.as_ref()).map(|l| l.as_str()),
        place
            .and_then(|p| p.jurisdiction.as_ref())
            .map(|j| j.as_str()),
    )
    .fetch_optional(db)
    .await
}

/// Deletes the region and its data planes. The database refuses while workspaces use it.
pub async fn delete(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from regions where organization_id = $1 and id = $2",
        organization_id,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many workspaces are assigned to each region of an organization, by region id.
pub async fn workspace_counts(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select region_id, count(*) as "count!" from workspaces where organization_id = $1 group by region_id"#,
        organization_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.region_id, r.count)).collect())
}

/// A region by id in any organization, for callers that learn its organization from it (the
/// API, which then checks the caller may see it).
pub async fn find_any_org(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<Region>, sqlx::Error> {
    select_regions!("where id = $1", id)
        .fetch_optional(db)
        .await
}

/// A region of an organization by name, regardless of case.
pub async fn find_by_name(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    name: &str,
) -> Result<Option<Region>, sqlx::Error> {
    select_regions!(
        "where organization_id = $1 and lower(name) = lower($2)",
        organization_id,
        name
    )
    .fetch_optional(db)
    .await
}

/// The channel region changes are announced on; the payload is the organization id, or `*`
/// when managed regions changed (every organization's list holds them).
pub const CHANGES_CHANNEL: &str = "meridian_regions";

/// Announces on [`CHANGES_CHANNEL`], when the transaction commits, that an organization's
/// regions changed, so every replica drops what it keeps of them.
pub async fn notify_changed(
    conn: &mut PgConnection,
    organization_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    let payload = organization_id.map_or_else(|| "*".to_owned(), |id| id.to_string());
    sqlx::query!("select pg_notify($1, $2)", CHANGES_CHANNEL, payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes `id` (a managed region) the region new workspaces go to, or none with `None`.
pub async fn set_default_for_new_workspaces(
    conn: &mut PgConnection,
    id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update regions set default_for_new_workspaces = false where default_for_new_workspaces"
    )
    .execute(&mut *conn)
    .await?;
    if let Some(id) = id {
        sqlx::query!(
            "update regions set default_for_new_workspaces = true where id = $1 and managed",
            id
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The managed region new workspaces go to, if the instance names one.
pub async fn default_for_new_workspaces(
    db: impl PgExecutor<'_>,
) -> Result<Option<Region>, sqlx::Error> {
    select_regions!("where default_for_new_workspaces")
        .fetch_optional(db)
        .await
}
