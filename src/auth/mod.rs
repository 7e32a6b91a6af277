//! Who is calling: sessions for the browser, password and client-secret checks, and the one
//! place that decides whether a caller may act on an organization.
//!
//! A browser session holds only the signed-in user's id. Sign-in methods (password now, SSO
//! later) all end in [`session::establish`], so they share rotation and expiry rules.

pub mod csrf;
pub mod password;
pub mod secrets;
pub mod session;

use uuid::Uuid;

use crate::db::{self, audit::Actor, users::User};
use crate::domain::OrgRole;
use crate::error::{AppError, AppResult};

/// A signed-in user acting on one organization with a role.
#[derive(Clone, Debug)]
pub struct OrgAccess {
    pub user: User,
    pub organization_id: Uuid,
    pub role: OrgRole,
    pub actor: Actor,
}

/// Checks that `user` may act on `organization_id` with at least `needed`. Non-members get
/// `NotFound`, so ids of other organizations reveal nothing; members lacking the role get
/// `Forbidden`.
pub async fn authorize(
    pool: &sqlx::PgPool,
    user: User,
    source_ip: Option<String>,
    organization_id: Uuid,
    needed: OrgRole,
) -> AppResult<OrgAccess> {
    let role = db::organizations::role_of(pool, organization_id, &user)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    if role < needed {
        return Err(AppError::forbidden());
    }
    let actor = Actor {
        user_id: Some(user.id),
        label: user.email.clone(),
        source_ip,
    };
    Ok(OrgAccess {
        user,
        organization_id,
        role,
        actor,
    })
}
