//! Who is calling: sessions for the browser, password and client-secret checks, and the one
//! place that decides whether a caller may act on an organization.
//!
//! A browser session holds only the signed-in user's id. Sign-in methods (password and single
//! sign-on) all end in [`session::establish`], so they share rotation and expiry rules. API
//! callers present a bearer token ([`tokens`]) issued to an application; they act as the
//! application's owner, and [`check_role`] decides for both doors, for organization roles
//! ([`OrgAccess::require`]) and workspace roles ([`OrgAccess::require_workspace`]) alike.

pub mod api_access;
pub mod client;
pub mod csp;
pub mod csrf;
pub mod limits;
pub mod oidc;
pub mod password;
pub mod sealed;
pub mod secrets;
pub mod session;
pub mod tokens;

use uuid::Uuid;

use crate::db::{self, audit::Actor, users::User};
use crate::domain::{OrgRole, WorkspaceRole};
use crate::error::{AppError, AppResult, ErrorKind};

/// A signed-in user acting on one organization with a role.
#[derive(Clone, Debug)]
pub struct OrgAccess {
    pub user: User,
    pub organization_id: Uuid,
    pub role: OrgRole,
    pub actor: Actor,
}

impl OrgAccess {
    /// Refuses unless the caller's role is at least `needed`.
    pub fn require(&self, needed: OrgRole) -> AppResult<()> {
        check_role(Some(self.role), needed).map(|_| ())
    }

    /// The caller's role on one workspace of this organization; `NotFound` for a workspace
    /// that is not this organization's.
    pub async fn workspace_role(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        workspace_id: Uuid,
    ) -> AppResult<WorkspaceRole> {
        let granted =
            db::permissions::workspace_role(db, self.organization_id, workspace_id, self.user.id)
                .await?
                .ok_or_else(|| AppError::not_found("workspace"))?;
        Ok(effective_workspace_role(self.role, granted))
    }

    /// Refuses unless the caller's role on the workspace is at least `needed`.
    pub async fn require_workspace(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        workspace_id: Uuid,
        needed: WorkspaceRole,
    ) -> AppResult<WorkspaceRole> {
        let role = self.workspace_role(db, workspace_id).await?;
        check_role(Some(role), needed)
    }
}

/// The role a user acts with in an organization: instance admins are admins of every
/// organization that exists; everyone else has their membership's role, if any.
pub fn effective_role(
    is_instance_admin: bool,
    organization_exists: bool,
    membership: Option<OrgRole>,
) -> Option<OrgRole> {
    if !organization_exists {
        None
    } else if is_instance_admin {
        Some(OrgRole::Admin)
    } else {
        membership
    }
}

/// The role a user acts with on one workspace of an organization they can see: organization
/// admins administer every workspace; members read every workspace and hold whatever more
/// they were given on this one.
pub fn effective_workspace_role(
    organization_role: OrgRole,
    granted: Option<WorkspaceRole>,
) -> WorkspaceRole {
    match organization_role {
        OrgRole::Admin => WorkspaceRole::Admin,
        OrgRole::Member => granted.unwrap_or(WorkspaceRole::Reader),
    }
}

/// The one rule of who may do what, for organization and workspace roles alike: non-members
/// (`None`) get `NotFound`, so ids of other organizations reveal nothing; members lacking the
/// role get `Forbidden`.
pub fn check_role<R: Ord + Copy>(role: Option<R>, needed: R) -> AppResult<R> {
    let role = role.ok_or_else(|| AppError::not_found("organization"))?;
    if role < needed {
        return Err(AppError::forbidden());
    }
    Ok(role)
}

/// Checks that `user` may act on `organization_id` with at least `needed`.
pub async fn authorize(
    pool: &sqlx::PgPool,
    user: User,
    source_ip: Option<String>,
    organization_id: Uuid,
    needed: OrgRole,
) -> AppResult<OrgAccess> {
    let membership = db::organizations::membership_role(pool, organization_id, user.id).await?;
    let role = check_role(
        effective_role(
            user.is_instance_admin,
            membership.is_some(),
            membership.flatten(),
        ),
        needed,
    )?;
    let actor = Actor::user(user.id, &user.email, source_ip);
    Ok(OrgAccess {
        user,
        organization_id,
        role,
        actor,
    })
}

/// The owner of an API application acting on `organization_id` through it, with a token
/// issued under `token_epoch`. An application acts only in the organization it was created
/// for (anywhere else it is as good as a stranger), and only while its owner's sessions were
/// not ended since the token was issued. The audit trail names the application as the actor.
pub fn authorize_application(
    found: &db::applications::ApplicationAccess,
    token_epoch: i32,
    source_ip: Option<String>,
    organization_id: Uuid,
    needed: OrgRole,
) -> AppResult<OrgAccess> {
    if token_epoch != found.credentials_epoch {
        return Err(AppError::new(
            ErrorKind::Unauthenticated,
            "This access token was revoked (the owner's sessions were ended). Exchange the credentials for a new one.",
        ));
    }
    let role = if found.application_organization_id == organization_id {
        effective_role(
            found.is_instance_admin,
            found.organization_exists,
            found.role,
        )
    } else {
        None
    };
    let role = check_role(role, needed)?;
    let user = User {
        id: found.user_id,
        email: found.email.clone(),
        name: found.user_name.clone(),
        is_instance_admin: found.is_instance_admin,
        credentials_epoch: found.credentials_epoch,
    };
    let actor = Actor::user(
        user.id,
        format!(
            "{} (application {}, {})",
            user.email, found.application_name, found.client_id
        ),
        source_ip,
    );
    Ok(OrgAccess {
        user,
        organization_id,
        role,
        actor,
    })
}
