//! API applications: created by a user for themselves (their credentials act with their
//! permissions), listed, deleted; and the token exchange.

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::auth::secrets::{
    ClientSecret, LAST_USED_RESOLUTION, generate_client_id, plausible_client_id,
};
use crate::db;
use crate::domain::{Action, Application, Name, OrgRole};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

/// Prefix of application client ids, so a leaked id says what it belongs to.
pub const CLIENT_ID_PREFIX: &str = "app_";

/// An access token and how many seconds it lives.
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Creates an application of the caller in the caller's organization (its tokens act there
/// and nowhere else); returns it with its secret in the clear, to be shown once.
pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
) -> AppResult<(Application, ClientSecret)> {
    access.require(OrgRole::Member)?;
    let client_id = generate_client_id(CLIENT_ID_PREFIX);
    let secret = ClientSecret::generate();
    let mut tx = state.pool.begin().await?;
    let application = db::applications::create(
        &mut *tx,
        access.organization_id,
        access.user.id,
        name,
        &client_id,
        &state.hasher.hash(&client_id, secret.expose()),
    )
    .await?;
    let event = super::event(
        access,
        Action::ApplicationCreate,
        application.id,
        &application.name,
    );
    super::record(&mut tx, access, event.after(&application)).await?;
    tx.commit().await?;
    Ok((application, secret))
}

/// Deletes one of the caller's applications in their organization: its credentials stop
/// working at once, and tokens already issued to it at once on this replica and within a
/// second on others (see [`crate::auth::api_access`]).
pub async fn delete(
    state: &AppState,
    access: &OrgAccess,
    application_id: Uuid,
) -> AppResult<Application> {
    let mut tx = state.pool.begin().await?;
    let application = db::applications::get(
        &mut *tx,
        access.organization_id,
        access.user.id,
        application_id,
    )
    .await?
    .ok_or_else(|| AppError::not_found("application"))?;
    db::applications::delete(&mut *tx, access.user.id, application_id).await?;
    let event = super::event(
        access,
        Action::ApplicationDelete,
        application.id,
        &application.name,
    );
    super::record(&mut tx, access, event.before(&application)).await?;
    tx.commit().await?;
    state.api_access.forget_application(application_id);
    Ok(application)
}

/// Exchanges client credentials for an access token. Unknown ids and wrong secrets get the
/// same answer; a well-formed unknown id costs the same lookup and hash as a wrong secret.
pub async fn exchange(state: &AppState, client_id: &str, secret: &str) -> AppResult<IssuedToken> {
    let found = if plausible_client_id(client_id) {
        db::applications::find_secret(&state.pool, client_id).await?
    } else {
        None
    };
    // Hash even when the id is unknown, so timing does not tell the two failures apart.
    let stored = found
        .as_ref()
        .map(|f| f.secret_hash.as_slice())
        .unwrap_or(&[0; 32]);
    let valid = state.hasher.verify(client_id, secret, stored);
    let application = match found {
        Some(app) if valid => app,
        _ => {
            crate::telemetry::count_token_exchange(false);
            return Err(AppError::new(
                ErrorKind::Unauthenticated,
                "Invalid client credentials.",
            ));
        }
    };
    let now = time::OffsetDateTime::now_utc();
    if application
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_RESOLUTION)
    {
        db::applications::touch(&state.pool, application.id).await?;
    }
    let (access_token, lifetime) = state.tokens.issue(
        application.user_id,
        application.id,
        application.credentials_epoch,
    )?;
    crate::telemetry::count_token_exchange(true);
    Ok(IssuedToken {
        access_token,
        expires_in: lifetime.as_secs(),
    })
}
