//! Scoped tokens: what a client gets from the control plane to act on one workspace at its
//! region's data planes, directly (the control plane never relays what they hold). The token
//! names the organization, the workspace, the region (its audience, so no other region's data
//! plane accepts it), the caller, and what the caller's role on the workspace allows there.
//! Every issue is audited: who, which workspace, which region; never the token.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::dataplane::scoped::{self, Access, ScopedClaims};
use crate::db::{self, audit::Event};
use crate::domain::{Action, WorkspaceRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A scoped token and where to use it. Its `Debug` never shows the token.
pub struct ScopedGrant {
    pub token: String,
    pub expires_at: OffsetDateTime,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    /// What the token allows.
    pub access: Vec<Access>,
    /// The regional API of each enabled data plane of the region, heard from most recently
    /// first. Empty when none serves one yet.
    pub dataplane_urls: Vec<String>,
    /// How many of `dataplane_urls`, from the first, belong to data planes that are not
    /// unhealthy (reported in within the degraded threshold): those worth trying.
    pub live: usize,
}

impl ScopedGrant {
    /// What the token allows, as the API and pages name it (`read`, `write`).
    pub fn access_names(&self) -> Vec<String> {
        self.access.iter().map(|a| a.as_str().to_owned()).collect()
    }
}

impl std::fmt::Debug for ScopedGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedGrant")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("workspace_id", &self.workspace_id)
            .field("region_id", &self.region_id)
            .field("access", &self.access)
            .field("dataplane_urls", &self.dataplane_urls)
            .finish()
    }
}

/// What a workspace role allows at the data plane: readers list secret names and read
/// configuration; editors and admins also change them.
pub fn access_of(role: WorkspaceRole) -> Vec<Access> {
    match role {
        WorkspaceRole::Reader => vec![Access::Read],
        WorkspaceRole::Editor | WorkspaceRole::Admin => vec![Access::Read, Access::Write],
    }
}

/// Issues a scoped token for the caller on `workspace_id` (of the caller's organization;
/// any other is `NotFound`, like everywhere else).
pub async fn issue(
    state: &AppState,
    caller: &OrgAccess,
    workspace_id: Uuid,
) -> AppResult<ScopedGrant> {
    let found = db::permissions::workspace_scope(
        &state.pool,
        caller.organization_id,
        workspace_id,
        caller.user.id,
        state.config.health.degraded_within.whole_seconds(),
    )
    .await?
    .ok_or_else(|| AppError::not_found("workspace"))?;
    let role = crate::auth::effective_workspace_role(caller.role, found.role);
    let access = access_of(role);
    let now = OffsetDateTime::now_utc();
    let mut claims = ScopedClaims {
        sub: caller.user.id,
        name: caller.actor.label.clone(),
        org: caller.organization_id,
        ws: workspace_id,
        region: found.region_id,
        access: access.clone(),
        aud: scoped::region_audience(found.region_id),
        iss: String::new(),
        iat: now.unix_timestamp(),
        exp: now.unix_timestamp() + scoped::LIFETIME_SECS,
    };
    let token = state.tokens.issue_scoped(&mut claims)?;
    let mut conn = state.pool.acquire().await?;
    db::audit::record(
        &mut conn,
        &caller.actor,
        Event::new(
            Some(caller.organization_id),
            Action::WorkspaceScopedToken,
            Some(workspace_id),
            &found.workspace_name,
        )
        .after(&serde_json::json!({
            "regionId": found.region_id,
            "region": found.region_name,
            "access": access,
        })),
    )
    .await?;
    Ok(ScopedGrant {
        token,
        expires_at: now + time::Duration::seconds(scoped::LIFETIME_SECS),
        workspace_id,
        workspace_name: found.workspace_name,
        region_id: found.region_id,
        region_name: found.region_name,
        access,
        dataplane_urls: found.urls,
        live: usize::try_from(found.live).unwrap_or(0),
    })
}
