//! Local accounts managed by the operator: a user with a password (made a member of an
//! organization), and a new password for one. People without a password sign in through
//! their organization's single sign-on instead.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::password;
use crate::db::{
    self,
    audit::{Actor, Event},
    users::User,
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

/// Hashes a password off the async threads, within the limit on concurrent hashing (see
/// [`password::hash_limited`]).
pub async fn hash_password(secret: &str) -> AppResult<String> {
    password::hash_limited(secret.to_owned()).await
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

/// Sets a new password for a user on the operator's say-so (the command line): every session
/// and API token of the user ends.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    email: &Email,
    new_password: &str,
) -> AppResult<Uuid> {
    let user = db::users::find_by_email(&state.pool, email)
        .await?
        .ok_or_else(|| AppError::invalid("email", format!("No user has the email {email}.")))?;
    set_password(state, actor, true, user.id, new_password).await?;
    Ok(user.id)
}

/// Sets a new password for a user; only operators (`is_operator`: an instance admin, the
/// command line) may, never an organization's admin (who could then sign in as a person other
/// organizations count as theirs). Every session and API token of the user ends.
pub async fn set_password(
    state: &AppState,
    actor: &Actor,
    is_operator: bool,
    user_id: Uuid,
    new_password: &str,
) -> AppResult<User> {
    if !is_operator {
        return Err(AppError::forbidden());
    }
    password::check_strength(new_password).map_err(|m| AppError::invalid("password", m))?;
    let hash = hash_password(new_password).await?;
    let mut tx = state.pool.begin().await?;
    let user = db::users::get(&mut *tx, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    db::users::set_password(&mut *tx, user.id, &hash).await?;
    let event = Event::new(None, Action::UserResetPassword, Some(user.id), &user.email);
    db::audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    state.api_access.forget_user(user.id);
    Ok(user)
}

/// The signed-in user changes their own password; the current one must be right. Every other
/// session and API token of theirs ends. Returns the new credentials epoch, which the session
/// that made the change moves on to.
pub async fn change_password(
    state: &AppState,
    user: &User,
    source_ip: Option<String>,
    current: String,
    new_password: &str,
) -> AppResult<i32> {
    password::check_strength(new_password).map_err(|m| AppError::invalid("new_password", m))?;
    let credentials = db::users::find_credentials(
        &state.pool,
        &Email::parse(&user.email).map_err(|_| AppError::internal())?,
    )
    .await?
    .ok_or_else(AppError::unauthenticated)?;
    let stored = credentials.password_hash.clone();
    if !password::verify_limited(current, stored).await? {
        return Err(AppError::invalid(
            "current_password",
            "That is not your current password.",
        ));
    }
    let hash = hash_password(new_password).await?;
    let mut tx = state.pool.begin().await?;
    let epoch = db::users::set_password(&mut *tx, user.id, &hash)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let actor = Actor::user(user.id, &user.email, source_ip);
    let event = Event::new(None, Action::UserChangePassword, Some(user.id), &user.email);
    db::audit::record(&mut tx, &actor, event).await?;
    tx.commit().await?;
    state.api_access.forget_user(user.id);
    Ok(epoch)
}

/// Ends every session and API token of `user`: asked by the user themselves (their account
/// page) or the operator (the command line), named by `actor`.
pub async fn sign_out_everywhere(state: &AppState, actor: &Actor, user: &User) -> AppResult<()> {
    let mut tx = state.pool.begin().await?;
    db::users::end_sessions(&mut *tx, user.id).await?;
    let event = Event::new(None, Action::UserEndSessions, Some(user.id), &user.email);
    db::audit::record(&mut tx, actor, event).await?;
    tx.commit().await?;
    state.api_access.forget_user(user.id);
    Ok(())
}
