//! API applications: client credentials owned by a user.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Application, Name, OrgRole};

use super::errors::Constraint;

/// What breaking each constraint of `api_applications` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "api_applications_user_name_key",
        "name",
        "You already have an application with this name in this organization.",
    ),
    Constraint::not_from_input("api_applications_pkey"),
    Constraint::not_from_input("api_applications_client_id_key"),
];

/// What the token exchange needs to check a presented secret.
pub struct ApplicationSecret {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The owner's credentials epoch, which the token carries.
    pub credentials_epoch: i32,
    pub secret_hash: Vec<u8>,
    pub last_used_at: Option<OffsetDateTime>,
}

/// Who acts through an application on an organization: the owner, and their role there.
pub struct ApplicationAccess {
    pub user_id: Uuid,
    /// The one organization the application acts in.
    pub application_organization_id: Uuid,
    /// The owner's credentials epoch: tokens issued under another one are void.
    pub credentials_epoch: i32,
    pub email: String,
    pub user_name: String,
    pub is_instance_admin: bool,
    pub application_name: String,
    pub client_id: String,
    /// `None` when the owner is not a member (or the organization does not exist).
    pub role: Option<OrgRole>,
    pub organization_exists: bool,
}

/// A user's applications for one organization, by name.
pub async fn list_for_user(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<Application>, sqlx::Error> {
    sqlx::query_as!(
        Application,
        "select id, user_id, organization_id, name, client_id, created_at, last_used_at
         from api_applications where organization_id = $1 and user_id = $2
         order by lower(name), id",
        organization_id,
        user_id
    )
    .fetch_all(db)
    .await
}

/// One of a user's applications for an organization.
pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<Application>, sqlx::Error> {
    sqlx::query_as!(
        Application,
        "select id, user_id, organization_id, name, client_id, created_at, last_used_at
         from api_applications where organization_id = $1 and user_id = $2 and id = $3",
        organization_id,
        user_id,
        id
    )
    .fetch_optional(db)
    .await
}

pub async fn create(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
    name: &Name,
    client_id: &str,
    secret_hash: &[u8],
) -> Result<Application, sqlx::Error> {
    sqlx::query_as!(
        Application,
        "insert into api_applications (id, organization_id, user_id, name, client_id, secret_hash)
         values ($1, $2, $3, $4, $5, $6)
         returning id, user_id, organization_id, name, client_id, created_at, last_used_at",
        Uuid::new_v4(),
        organization_id,
        user_id,
        name.as_str(),
        client_id,
        secret_hash
    )
    .fetch_one(db)
    .await
}

pub async fn delete(db: impl PgExecutor<'_>, user_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from api_applications where user_id = $1 and id = $2",
        user_id,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_secret(
    db: impl PgExecutor<'_>,
    client_id: &str,
) -> Result<Option<ApplicationSecret>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationSecret,
        "select a.id, a.user_id, u.credentials_epoch, a.secret_hash, a.last_used_at
         from api_applications a join users u on u.id = a.user_id where a.client_id = $1",
        client_id
    )
    .fetch_optional(db)
    .await
}

/// Records a token exchange. Skipped by the caller when the last one was recent, so a busy
/// client does not turn every exchange into a write.
pub async fn touch(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update api_applications set last_used_at = now() where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The owner of an application and their role in an organization, in one query. `None` when
/// the application was deleted.
pub async fn access(
    db: impl PgExecutor<'_>,
    application_id: Uuid,
    organization_id: Uuid,
) -> Result<Option<ApplicationAccess>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationAccess,
        r#"select u.id as user_id, a.organization_id as application_organization_id,
                  u.credentials_epoch, u.email, u.name as user_name, u.is_instance_admin,
                  a.name as application_name, a.client_id,
                  (select m.role from organization_members m
                    where m.organization_id = $2 and m.user_id = u.id) as "role: OrgRole",
                  exists (select 1 from organizations o where o.id = $2) as "organization_exists!"
           from api_applications a join users u on u.id = a.user_id
           where a.id = $1"#,
        application_id,
        organization_id
    )
    .fetch_optional(db)
    .await
}

/// The owner of an application and the organization it acts in; `None` when the application
/// was deleted.
pub async fn owner(
    db: impl PgExecutor<'_>,
    application_id: Uuid,
) -> Result<Option<(crate::db::users::User, Uuid)>, sqlx::Error> {
    let row = sqlx::query!(
        "select u.id, u.email, u.name, u.is_instance_admin, u.credentials_epoch, a.organization_id
         from api_applications a join users u on u.id = a.user_id where a.id = $1",
        application_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let user = crate::db::users::User {
            id: r.id,
            email: r.email,
            name: r.name,
            is_instance_admin: r.is_instance_admin,
            credentials_epoch: r.credentials_epoch,
        };
        (user, r.organization_id)
    }))
}
