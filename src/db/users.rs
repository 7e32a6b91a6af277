//! Users: people who can sign in.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::Email;

use super::errors::Constraint;

/// What breaking each constraint of `users` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "users_email_key",
        "email",
        "A user with this email already exists.",
    ),
    Constraint::not_from_input("users_pkey"),
];

/// What sign-in needs to know about a user.
pub struct Credentials {
    pub id: Uuid,
    pub password_hash: Option<String>,
    pub is_instance_admin: bool,
    pub credentials_epoch: i32,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_instance_admin: bool,
    /// Sessions and API tokens issued under another value no longer work (see
    /// [`end_sessions`]).
    pub credentials_epoch: i32,
}

pub async fn create(
    db: impl PgExecutor<'_>,
    email: &Email,
    name: &str,
    password_hash: Option<&str>,
    is_instance_admin: bool,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into users (id, email, name, password_hash, is_instance_admin) values ($1, $2, $3, $4, $5)",
        id,
        email.as_str(),
        name,
        password_hash,
        is_instance_admin,
    )
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn find_credentials(
    db: impl PgExecutor<'_>,
    email: &Email,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as!(
        Credentials,
        "select id, password_hash, is_instance_admin, credentials_epoch
         from users where lower(email) = lower($1)",
        email.as_str()
    )
    .fetch_optional(db)
    .await
}

pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &Email,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        "select id, email, name, is_instance_admin, credentials_epoch
         from users where lower(email) = lower($1)",
        email.as_str()
    )
    .fetch_optional(db)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        "select id, email, name, is_instance_admin, credentials_epoch from users where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Sets a new password, which also ends every session and API token of the user (see
/// [`end_sessions`]); returns the new epoch.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: Uuid,
    password_hash: &str,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        "update users set password_hash = $2, credentials_epoch = credentials_epoch + 1
         where id = $1 returning credentials_epoch",
        id,
        password_hash
    )
    .fetch_optional(db)
    .await
}

/// Ends every session and API token of a user at once: they carry the epoch they were issued
/// under, and this moves it on. Returns the new epoch.
pub async fn end_sessions(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        "update users set credentials_epoch = credentials_epoch + 1 where id = $1
         returning credentials_epoch",
        id
    )
    .fetch_optional(db)
    .await
}

pub async fn record_sign_in(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("update users set last_sign_in_at = now() where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes browser sessions past their expiry (the session store's table, see
/// `auth::session::store`); how many.
pub async fn delete_expired_sessions(db: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("delete from sessions where expiry_date < now()")
            .execute(db)
            .await?
            .rows_affected(),
    )
}
