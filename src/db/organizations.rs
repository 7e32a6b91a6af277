//! Organizations and their members.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{Membership, Name, OrgRole, Organization};

use super::errors::Constraint;

/// What breaking each constraint of `organizations` and their members means (see
/// [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "organization_members_pkey",
        "email",
        "This user is already a member.",
    ),
    Constraint::not_from_input("organizations_pkey"),
    Constraint::not_from_input("organization_members_id_key"),
];

pub async fn create(
    db: impl PgExecutor<'_>,
    id: Uuid,
    name: &Name,
) -> Result<Organization, sqlx::Error> {
    sqlx::query_as!(
        Organization,
        "insert into organizations (id, name) values ($1, $2)
         returning id, name, created_at, revision",
        id,
        name.as_str()
    )
    .fetch_one(db)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Organization>, sqlx::Error> {
    sqlx::query_as!(
        Organization,
        "select id, name, created_at, revision from organizations where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Renames when the organization is still at `revision`; `None` when it changed meanwhile.
pub async fn rename(
    db: impl PgExecutor<'_>,
    id: Uuid,
    name: &Name,
    revision: i32,
) -> Result<Option<Organization>, sqlx::Error> {
    sqlx::query_as!(
        Organization,
        "update organizations set name = $2, updated_at = now(), revision = revision + 1
         where id = $1 and revision = $3
         returning id, name, created_at, revision",
        id,
        name.as_str(),
        revision
    )
    .fetch_optional(db)
    .await
}

pub async fn add_member(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
    role: OrgRole,
) -> Result<(), sqlx::Error> {
    // The membership's period starts with it (see `membership_periods`).
    sqlx::query!(
        "with added as (
             insert into organization_members (organization_id, user_id, role) values ($1, $2, $3)
             on conflict (organization_id, user_id) do nothing
             returning organization_id, user_id)
         insert into membership_periods (organization_id, user_id)
         select organization_id, user_id from added",
        organization_id,
        user_id,
        role as OrgRole,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A user's membership role in an organization: `None` when the organization does not
/// exist, `Some(None)` when the user is not a member. (Instance admins are promoted by
/// [`crate::auth::effective_role`].)
pub async fn membership_role(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Option<OrgRole>>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select m.role as "role: Option<OrgRole>"
           from organizations o
           left join organization_members m on m.organization_id = o.id and m.user_id = $2
           where o.id = $1"#,
        organization_id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.role))
}

/// The organizations a user can switch between, by name. Instance admins see every one.
pub async fn memberships(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<Membership>, sqlx::Error> {
    sqlx::query_as!(
        Membership,
        r#"select o.id as organization_id, o.name as organization_name,
                  (case when u.is_instance_admin then 'admin' else m.role end) as "role!: OrgRole"
           from users u
           join organizations o on true
           left join organization_members m on m.organization_id = o.id and m.user_id = u.id
           where u.id = $1 and (u.is_instance_admin or m.user_id is not null)
           order by lower(o.name), o.id"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// A member of an organization as Settings > Members lists them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: OrgRole,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<time::OffsetDateTime>,
}

/// An organization's members, by email.
pub async fn members(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"select u.id as user_id, u.email, u.name, m.role as "role: OrgRole", u.last_sign_in_at
           from organization_members m join users u on u.id = m.user_id
           where m.organization_id = $1
           order by lower(u.email)"#,
        organization_id
    )
    .fetch_all(db)
    .await
}

/// One page of an organization's members whose email or name contains `search` (regardless of
/// case, literally), by email.
pub async fn members_page(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"select u.id as user_id, u.email, u.name, m.role as "role: OrgRole", u.last_sign_in_at
           from organization_members m join users u on u.id = m.user_id
           where m.organization_id = $1
             and ($2::text is null or u.email ilike '%' || $2 || '%' escape '\'
                  or u.name ilike '%' || $2 || '%' escape '\')
           order by lower(u.email)
           limit $3 offset $4"#,
        organization_id,
        search.map(super::escape_like),
        limit,
        offset
    )
    .fetch_all(db)
    .await
}

/// How many members match `search` (as [`members_page`] does), and how many admins the
/// organization has in all.
pub async fn member_counts(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    search: Option<&str>,
) -> Result<(i64, i64), sqlx::Error> {
    let counts = sqlx::query!(
        r#"select count(*) filter (where $2::text is null or u.email ilike '%' || $2 || '%' escape '\'
                                   or u.name ilike '%' || $2 || '%' escape '\') as "matching!",
                  count(*) filter (where m.role = 'admin') as "admins!"
           from organization_members m join users u on u.id = m.user_id
           where m.organization_id = $1"#,
        organization_id,
        search.map(super::escape_like)
    )
    .fetch_one(db)
    .await?;
    Ok((counts.matching, counts.admins))
}

/// One member of an organization; `None` when the user is not a member.
pub async fn member(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"select u.id as user_id, u.email, u.name, m.role as "role: OrgRole", u.last_sign_in_at
           from organization_members m join users u on u.id = m.user_id
           where m.organization_id = $1 and m.user_id = $2"#,
        organization_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// One member, with their membership locked against removal until the transaction ends.
pub async fn member_for_share(
    conn: &mut sqlx::PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"select u.id as user_id, u.email, u.name, m.role as "role: OrgRole", u.last_sign_in_at
           from organization_members m join users u on u.id = m.user_id
           where m.organization_id = $1 and m.user_id = $2
           for share of m"#,
        organization_id,
        user_id
    )
    .fetch_optional(conn)
    .await
}

/// The id of a user's membership (its permission id in the public API).
pub async fn membership_id(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select id from organization_members where organization_id = $1 and user_id = $2",
        organization_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// The organization's admins' ids, locking their memberships until the transaction ends, so
/// two admins cannot demote each other at the same moment and leave none.
pub async fn lock_admins(
    conn: &mut sqlx::PgConnection,
    organization_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select user_id from organization_members
         where organization_id = $1 and role = 'admin'
         for update",
        organization_id
    )
    .fetch_all(conn)
    .await
}

pub async fn set_role(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
    role: OrgRole,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update organization_members set role = $3 where organization_id = $1 and user_id = $2",
        organization_id,
        user_id,
        role as OrgRole,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_member(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    // The membership's period ends with it; the period stays (see `membership_periods`).
    let removed = sqlx::query_scalar!(
        r#"with removed as (
               delete from organization_members where organization_id = $1 and user_id = $2
               returning organization_id, user_id),
           closed as (
               update membership_periods p set left_at = now()
               from removed r
               where p.organization_id = r.organization_id and p.user_id = r.user_id
                 and p.left_at is null
               returning 1)
           select count(*) as "removed!" from removed"#,
        organization_id,
        user_id
    )
    .fetch_one(db)
    .await?;
    Ok(removed == 1)
}
