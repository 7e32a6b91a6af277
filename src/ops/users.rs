//! Local accounts managed by the operator: a user with a password (made a member of an
//! organization), and a new password for one. People without a password sign in through
//! their organization's single sign-on instead.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::password;
use crate::db::{
    self,
    audit::{Actor, Event},
};
use crate::domain::{Action, Email, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A local account to create.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    /// Checked for strength by the caller (see [`password::check_strength`]).
    pub password: &'a str,
    pub organization_id: Uuid,
    pub role: OrgRole,
    pub instance_admin: bool,
}

/// Hashes a password off the async threads: a hash costs tens of milliseconds of CPU.
pub async fn hash_password(secret: &str) -> AppResult<String> {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(|_| AppError::internal())
}

/// Creates a local user with a password and makes them a member of an organization.
pub async fn create(state: &AppState, actor: &Actor, new: NewUser<'_>) -> AppResult<Uuid> {
    let hash = hash_password(new.password).await?;
    let mut tx = state.pool.begin().await?;
    db::organizations::get(&mut *tx, new.organization_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "organization",
                format!("Organization {} does not exist.", new.organization_id),
            )
        })?;
    let id = create_in(&mut tx, actor, &new, &hash).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates the user in the caller's transaction, with `hash` as their password (first-start
/// setup creates the instance admin this way).
pub async fn create_in(
    tx: &mut PgConnection,
    actor: &Actor,
    new: &NewUser<'_>,
    hash: &str,
) -> AppResult<Uuid> {
    let user_id = db::users::create(
        &mut *tx,
        new.email,
        new.name,
        Some(hash),
        new.instance_admin,
    )
    .await?;
    db::organizations::add_member(&mut *tx, new.organization_id, user_id, new.role).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(new.organization_id),
            Action::UserCreate,
            Some(user_id),
            new.email.as_str(),
        ),
    )
    .await?;
    Ok(user_id)
}

/// Sets a new password for a user.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    email: &Email,
    new_password: &str,
) -> AppResult<Uuid> {
    let hash = hash_password(new_password).await?;
    let mut tx = state.pool.begin().await?;
    let user = db::users::find_by_email(&mut *tx, email)
        .await?
        .ok_or_else(|| AppError::invalid("email", format!("No user has the email {email}.")))?;
    db::users::set_password(&mut *tx, user.id, &hash).await?;
    db::audit::record(
        &mut tx,
        actor,
        Event::new(
            None,
            Action::UserResetPassword,
            Some(user.id),
            email.as_str(),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(user.id)
}
