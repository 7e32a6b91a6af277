//! Signing in with a password, the rules half (single sign-on's is [`super::sso::admit`]):
//! which addresses must go to their organization's identity provider instead, checking the
//! password, and recording the sign-in or the failure. Starting the browser session is the
//! door's part.

use uuid::Uuid;

use crate::auth::password;
use crate::db::{
    self,
    audit::{Actor, Event},
};
use crate::domain::{Action, Email};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

/// Where a password sign-in leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordSignIn {
    /// The password was right: this user is signed in (and it is recorded).
    SignedIn(Uuid),
    /// The address signs in through this organization's identity provider.
    UseSso(Uuid),
}

/// Signs in with email and password, or says which identity provider the address must use.
/// A wrong password and an unknown address get the same answer.
pub async fn with_password(
    state: &AppState,
    email: &Email,
    password: String,
    source_ip: Option<String>,
) -> AppResult<PasswordSignIn> {
    // Email first: a domain under an organization's SSO goes to its identity provider, unless
    // a password was typed and the organization still allows passwords.
    if let Some(claim) = super::sso::organization_for(state, email).await?
        && (password.is_empty() || claim.require_sso)
    {
        return Ok(PasswordSignIn::UseSso(claim.organization_id));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let found = db::users::find_credentials(&state.pool, email).await?;
    // A member of an organization that requires SSO signs in there, whatever their address
    // (instance admins excepted: their password is the way in when SSO is broken). Decided
    // before the password is checked, so the answer says nothing about the password.
    if let Some(credentials) = found.as_ref().filter(|c| !c.is_instance_admin)
        && let Some(org) = db::sso::required_for(&state.pool, credentials.id).await?
    {
        return Ok(PasswordSignIn::UseSso(org));
    }
    let stored = found.as_ref().and_then(|c| c.password_hash.clone());
    let password_ok =
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .map_err(|_| AppError::internal())?;
    let mut tx = state.pool.begin().await?;
    let user_id = match found {
        Some(c) if password_ok => c.id,
        _ => {
            db::audit::record(
                &mut tx,
                &Actor::anonymous(email.as_str(), source_ip),
                Event::new(None, Action::UserSignInFailed, None, email.as_str()),
            )
            .await?;
            tx.commit().await?;
            // One message for unknown email and wrong password: no hint which it was.
            return Err(AppError::new(
                ErrorKind::Unauthenticated,
                "That email and password don't match.",
            ));
        }
    };
    db::users::record_sign_in(&mut *tx, user_id).await?;
    db::audit::record(
        &mut tx,
        &Actor::user(user_id, email.as_str(), source_ip),
        Event::new(None, Action::UserSignIn, Some(user_id), email.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordSignIn::SignedIn(user_id))
}
