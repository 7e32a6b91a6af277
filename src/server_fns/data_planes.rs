//! Data planes of a region: create (revealing the client credentials once), enable or
//! disable, delete.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::fragments::ConnectionStatus;
use crate::fragments::LiveFragment;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::OrgRole,
    ops,
    server_fns::context::{Ctx, parse_name, parse_name_and_enabled},
};

/// Credentials of a new data plane, shown exactly once.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct NewCredentials {
    pub data_plane_id: Uuid,
    /// The credential shown, whose first use the page waits for.
    #[serde(default)]
    pub credential_id: Uuid,
    pub data_plane_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub client_id: String,
    pub client_secret: String,
    /// The control plane's address as the agent should reach it.
    pub public_url: String,
    /// A secret issued by rotation, rather than the data plane's first.
    pub rotated: bool,
}

impl std::fmt::Debug for NewCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCredentials")
            .field("data_plane_id", &self.data_plane_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Where a new data plane's credentials wait in the session for the page that shows them.
#[cfg(feature = "ssr")]
const REVEAL_SLOT: &str = "dataplane";

#[server(endpoint = "dataplanes/create")]
pub async fn create_data_plane(
    organization_id: Uuid,
    region_id: Uuid,
    name: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let parsed = parse_name("name", &name)?;
    let created = ops::data_planes::create(&ctx.state, &access, region_id, &parsed, true)
        .await
        .map_err(|e| e.with_input([("name", name.as_str())]))?;
    let reveal = NewCredentials {
        data_plane_id: created.data_plane.id,
        credential_id: created.credential_id,
        data_plane_name: created.data_plane.name.clone(),
        region_id,
        region_name: created.region.name.clone(),
        client_id: created.client_id,
        client_secret: created.client_secret.expose().to_owned(),
        public_url: ctx.base_url().await,
        rotated: false,
    };
    ctx.stash_secret(REVEAL_SLOT, &reveal).await?;
    leptos_axum::redirect(&crate::paths::credentials(
        organization_id,
        region_id,
        created.data_plane.id,
    ));
    Ok(())
}

/// The credentials of a data plane just created, once: the first call takes them out of the
/// session, so a reload, the back button or a second visit gets `None`.
#[server(endpoint = "dataplanes/reveal")]
pub async fn reveal_credentials(
    organization_id: Uuid,
    data_plane_id: Uuid,
) -> Result<Option<NewCredentials>, AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Admin).await?;
    let pending: Option<NewCredentials> = ctx.take_secret(REVEAL_SLOT).await?;
    match pending {
        Some(c) if c.data_plane_id == data_plane_id => Ok(Some(c)),
        // Credentials of another data plane stay stashed for their own page.
        Some(other) => {
            ctx.stash_secret(REVEAL_SLOT, &other).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Whether an agent has connected with a credential yet, and what it reported, rendered as
/// it is now: what the credentials page waits for.
#[server(endpoint = "dataplanes/connection")]
pub async fn connection_fragment(
    organization_id: Uuid,
    data_plane_id: Uuid,
    credential_id: Uuid,
) -> Result<LiveFragment, AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Member).await?;
    let plane = db::data_planes::get(ctx.pool(), organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    let used = db::data_planes::credentials_of(ctx.pool(), plane.id)
        .await?
        .into_iter()
        .any(|c| c.id == credential_id && c.last_used_at.is_some());
    Ok(LiveFragment::connection(ConnectionStatus {
        connected: used && plane.last_heartbeat_at.is_some(),
        version: plane.version.filter(|_| used),
        hostname: plane.hostname.filter(|_| used),
    }))
}

#[server(endpoint = "dataplanes/update")]
pub async fn update_data_plane(
    organization_id: Uuid,
    data_plane_id: Uuid,
    revision: i32,
    name: Option<String>,
    enabled: Option<String>,
    // `true` drains it (it finishes its runs, takes no new ones), `false` brings it back to
    // work. Its own form on the data plane's page.
    #[server(default)] draining: Option<bool>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    if let Some(draining) = draining {
        let after = ops::data_planes::set_draining(
            &ctx.state,
            &access,
            data_plane_id,
            draining,
            Some(revision),
        )
        .await?;
        let notice = if after.draining {
            format!(
                "Data plane {} is draining: it finishes its runs and takes no new ones.",
                after.name
            )
        } else {
            format!("Data plane {} takes work again.", after.name)
        };
        return ctx
            .redirect_with_notice(
                &crate::paths::data_plane(organization_id, after.region_id, after.id),
                notice,
            )
            .await;
    }
    let echo = name.as_deref().unwrap_or_default();
    let change = parse_name_and_enabled(name.as_deref(), enabled.as_deref())?;
    let (before, after) =
        ops::data_planes::update(&ctx.state, &access, data_plane_id, change, Some(revision))
            .await
            .map_err(|e| e.with_input([("name", echo)]))?;
    let notice = match (before.enabled, after.enabled) {
        (false, true) => format!("Data plane {} enabled.", after.name),
        (true, false) => format!(
            "Data plane {} disabled. It stops taking work at its next heartbeat.",
            after.name
        ),
        _ => format!("Data plane renamed to {}.", after.name),
    };
    // A rename is made on the data plane's own page: back there; the rest go to the region.
    let back = if before.enabled == after.enabled {
        crate::paths::data_plane(organization_id, after.region_id, after.id)
    } else {
        crate::paths::region(organization_id, after.region_id)
    };
    ctx.redirect_with_notice(&back, notice).await
}

#[server(endpoint = "dataplanes/delete")]
pub async fn delete_data_plane(organization_id: Uuid, data_plane_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let plane = ops::data_planes::delete(&ctx.state, &access, data_plane_id).await?;
    ctx.redirect_with_notice(
        &crate::paths::region(organization_id, plane.region_id),
        format!(
            "Data plane {} deleted; its credentials no longer work.",
            plane.name
        ),
    )
    .await
}

/// A data plane's page: its health, recent heartbeats and live secrets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataPlaneData {
    pub meta: crate::server_fns::PageMeta,
    pub region: crate::domain::Region,
    pub data_plane: crate::domain::DataPlane,
    pub liveness: crate::read::regions::Liveness,
    pub secrets: Vec<SecretRow>,
    pub history: HealthHistory,
    /// The first workspaces of its region (every data plane of a region serves all of them).
    pub workspaces: Vec<crate::server_fns::WorkspaceLink>,
    /// How many workspaces its region has in all.
    pub workspace_count: i64,
}

/// A data plane's heartbeats over the last day, in slots: enough to see when it was down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthHistory {
    /// Start of the first slot.
    #[serde(with = "time::serde::rfc3339")]
    pub since: time::OffsetDateTime,
    pub slot_minutes: i64,
    /// Heartbeats per slot, oldest first; `None` for slots before the data plane existed.
    pub beats: Vec<Option<i64>>,
}

impl HealthHistory {
    /// The window shown: heartbeats are kept this long.
    pub const WINDOW_HOURS: i64 = 24;
    pub const SLOT_MINUTES: i64 = 15;

    /// Where the window ending at `now` starts: the quarter-hour holding `now` is its last slot.
    pub fn start(now: time::OffsetDateTime) -> time::OffsetDateTime {
        let slot = Self::SLOT_MINUTES * 60;
        let slots = Self::WINDOW_HOURS * 60 / Self::SLOT_MINUTES;
        let at = now.unix_timestamp();
        let first = at - at.rem_euclid(slot) - slot * (slots - 1);
        time::OffsetDateTime::from_unix_timestamp(first).unwrap_or(now)
    }

    /// The window starting at `since` from heartbeat counts by slot number, for a data plane
    /// created at `created_at` (earlier slots are `None`).
    pub fn from_counts(
        since: time::OffsetDateTime,
        created_at: time::OffsetDateTime,
        counts: &[(i64, i64)],
    ) -> Self {
        let slots = (Self::WINDOW_HOURS * 60 / Self::SLOT_MINUTES) as usize;
        let slot = time::Duration::minutes(Self::SLOT_MINUTES);
        let mut beats = vec![0; slots];
        for (i, n) in counts {
            if let Some(b) = usize::try_from(*i).ok().and_then(|i| beats.get_mut(i)) {
                *b = *n;
            }
        }
        let beats = beats
            .into_iter()
            .enumerate()
            .map(|(i, n)| (since + slot * (i as i32 + 1) > created_at).then_some(n))
            .collect();
        Self {
            since,
            slot_minutes: Self::SLOT_MINUTES,
            beats,
        }
    }

    /// Slots with at least one heartbeat, and slots the data plane existed in.
    pub fn reported(&self) -> (usize, usize) {
        let existed = self.beats.iter().flatten().count();
        let reported = self.beats.iter().flatten().filter(|b| **b > 0).count();
        (reported, existed)
    }
}

/// A live secret as listed: never the secret itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretRow {
    pub id: Uuid,
    pub client_id: String,
    /// `…` and the secret's last four characters; `None` for secrets from before hints.
    pub hint: Option<String>,
    /// The secret the agent exchanged most recently: the one in use.
    pub in_use: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<time::OffsetDateTime>,
    /// Minted for the in-process agent of the default data plane.
    pub local: bool,
}

#[server(endpoint = "dataplanes/detail")]
pub async fn data_plane_page(
    organization_id: Uuid,
    data_plane_id: Uuid,
) -> Result<DataPlaneData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let data_plane = db::data_planes::get(ctx.pool(), organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    let since = HealthHistory::start(time::OffsetDateTime::now_utc());
    let (region, secrets, liveness, per_slot, workspaces, workspace_count) = tokio::try_join!(
        async {
            db::regions::get(ctx.pool(), organization_id, data_plane.region_id)
                .await?
                .ok_or_else(|| AppError::not_found("region"))
        },
        async {
            Ok::<_, AppError>(db::data_planes::credentials_of(ctx.pool(), data_plane.id).await?)
        },
        crate::read::regions::liveness(&ctx.state, organization_id),
        async {
            Ok::<_, AppError>(
                db::data_planes::beats_per_slot(
                    ctx.pool(),
                    data_plane.id,
                    since,
                    HealthHistory::SLOT_MINUTES * 60,
                )
                .await?,
            )
        },
        async {
            Ok::<_, AppError>(
                db::workspaces::list_in_region(
                    ctx.pool(),
                    organization_id,
                    data_plane.region_id,
                    crate::server_fns::WORKSPACES_LISTED,
                )
                .await?,
            )
        },
        async {
            Ok::<_, AppError>(
                db::workspaces::count_in_region_of(
                    ctx.pool(),
                    organization_id,
                    data_plane.region_id,
                )
                .await?,
            )
        },
    )?;
    let history = HealthHistory::from_counts(since, data_plane.created_at, &per_slot);
    let path = crate::paths::data_plane(organization_id, region.id, data_plane.id);
    // A managed region's data planes are the operators' to run: others see how they do, not
    // their credentials.
    let borrowed = region.is_borrowed_by(organization_id);
    let secrets = if borrowed { Vec::new() } else { secrets };
    let mut meta = crate::server_fns::PageMeta::load(&ctx, &access, &path).await?;
    meta.can_manage &= !borrowed;
    Ok(DataPlaneData {
        meta,
        region,
        data_plane,
        liveness,
        history,
        workspaces: workspaces.into_iter().map(Into::into).collect(),
        workspace_count,
        secrets: {
            let latest = secrets.iter().filter_map(|c| c.last_used_at).max();
            secrets
                .into_iter()
                .map(|c| SecretRow {
                    local: c.is_local(),
                    in_use: latest.is_some() && c.last_used_at == latest,
                    id: c.id,
                    client_id: c.client_id,
                    hint: c.secret_hint,
                    created_at: c.created_at,
                    last_used_at: c.last_used_at,
                })
                .collect()
        },
    })
}

/// Issues a second secret (rotation) and shows it once on the credentials page.
#[server(endpoint = "dataplanes/rotate")]
pub async fn rotate_secret(organization_id: Uuid, data_plane_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let issued = ops::data_planes::rotate_secret(&ctx.state, &access, data_plane_id).await?;
    let plane = db::data_planes::get(ctx.pool(), organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    let region = db::regions::get(ctx.pool(), organization_id, plane.region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let reveal = NewCredentials {
        data_plane_id: plane.id,
        credential_id: issued.credential_id,
        data_plane_name: plane.name,
        region_id: region.id,
        region_name: region.name,
        client_id: issued.client_id,
        client_secret: issued.client_secret.expose().to_owned(),
        public_url: ctx.base_url().await,
        rotated: true,
    };
    ctx.stash_secret(REVEAL_SLOT, &reveal).await?;
    leptos_axum::redirect(&crate::paths::credentials(
        organization_id,
        region.id,
        plane.id,
    ));
    Ok(())
}

#[server(endpoint = "dataplanes/revoke-secret")]
pub async fn revoke_secret(
    organization_id: Uuid,
    data_plane_id: Uuid,
    secret_id: Uuid,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let plane =
        ops::data_planes::revoke_secret(&ctx.state, &access, data_plane_id, secret_id).await?;
    ctx.redirect_with_notice(
        &crate::paths::data_plane(organization_id, plane.region_id, plane.id),
        format!(
            "Secret revoked. An agent of {} using it is refused at its next heartbeat.",
            plane.name
        ),
    )
    .await
}

#[cfg(test)]
mod history_tests {
    use super::HealthHistory;
    use time::macros::datetime;

    #[test]
    fn a_day_in_quarter_hours_ends_with_the_one_holding_now() {
        let since = HealthHistory::start(datetime!(2026-12-01 10:07:30 UTC));
        assert_eq!(since, datetime!(2026-11-30 10:15 UTC));
        let created = datetime!(2026-12-01 09:50 UTC);
        let history = HealthHistory::from_counts(since, created, &[(94, 3), (200, 1)]);
        assert_eq!(history.beats.len(), 96);
        // 09:30-09:45 ended before it was created; 09:45-10:00 did not; 10:00-10:15 holds now.
        assert_eq!(history.beats[93], None);
        assert_eq!(history.beats[94], Some(3));
        assert_eq!(history.beats[95], Some(0));
        assert_eq!(history.reported(), (1, 2));
    }
}
