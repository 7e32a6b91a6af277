//! Signing in with a password, the rules half (single sign-on's is [`super::sso::admit`]):
//! which addresses must go to their organization's identity provider instead, checking the
//! password, and recording the sign-in or the failure. Starting the browser session is the
//! door's part.

use uuid::Uuid;

use crate::auth::{limits, password, session::SignedIn};
use crate::db::{
    self,
    audit::{Actor, Event},
};
use crate::domain::{Action, Email};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::telemetry;

/// Where a password sign-in leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordSignIn {
    /// The password was right: this user is signed in (and it is recorded).
    SignedIn(SignedIn),
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
    let address = source_ip.as_deref().unwrap_or("unknown");
    state.limit(limits::SIGN_IN_PER_ADDRESS, address).await?;
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
    state
        .limit(limits::SIGN_IN_PER_ACCOUNT, email.as_str())
        .await?;
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
    let password_ok = password::verify_limited(password, stored).await?;
    let mut tx = state.pool.begin().await?;
    let who = match found {
        Some(c) if password_ok => SignedIn {
            user_id: c.id,
            credentials_epoch: c.credentials_epoch,
        },
        found => {
            // An address without an account is nobody's to see, and a flood of them would fill
            // the trail: the first failure of each hour is recorded, the rest counted (see
            // `summarize_unknown_sign_ins`).
            let record = match &found {
                Some(_) => true,
                None => {
                    db::abuse::count_unknown_sign_in(&mut *tx, email.as_str(), source_ip.as_deref())
                        .await?
                        == 1
                }
            };
            if record {
                let event = Event::new(
                    None,
                    Action::UserSignInFailed,
                    found.as_ref().map(|c| c.id),
                    email.as_str(),
                );
                db::audit::record(&mut tx, &Actor::anonymous(email.as_str(), source_ip), event)
                    .await?;
            }
            tx.commit().await?;
            telemetry::count_sign_in(telemetry::SignIn::Password, false);
            // One message for unknown email and wrong password: no hint which it was.
            return Err(AppError::new(
                ErrorKind::Unauthenticated,
                "That email and password don't match.",
            ));
        }
    };
    limits::forget(
        &state.pool,
        state.config.rate_limits,
        limits::SIGN_IN_PER_ACCOUNT,
        email.as_str(),
    )
    .await?;
    db::users::record_sign_in(&mut *tx, who.user_id).await?;
    db::audit::record(
        &mut tx,
        &Actor::user(who.user_id, email.as_str(), source_ip),
        Event::new(None, Action::UserSignIn, Some(who.user_id), email.as_str()),
    )
    .await?;
    tx.commit().await?;
    telemetry::count_sign_in(telemetry::SignIn::Password, true);
    Ok(PasswordSignIn::SignedIn(who))
}

/// Records, for each address without an account, one event summing up an hour of failed
/// sign-ins once the hour is over (the first of the hour was recorded when it happened).
/// Returns how many summaries were written.
pub async fn summarize_unknown_sign_ins(pool: &sqlx::PgPool) -> AppResult<u64> {
    let action = Action::UserSignInFailed;
    Ok(db::abuse::summarize_unknown_sign_ins(pool, action.as_str(), action.object_type()).await?)
}
