//! Creating data planes (with their first client credentials), changing and deleting them.

use uuid::Uuid;

use super::change::{self, NameAndEnabled};
use crate::auth::{
    OrgAccess,
    secrets::{ClientSecret, LAST_USED_RESOLUTION, generate_client_id, plausible_client_id},
};
use crate::db;
use crate::domain::{Action, DataPlane, Name, OrgRole, Region};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Prefix of data plane client ids, so a leaked id says what it belongs to.
pub const CLIENT_ID_PREFIX: &str = "dp_";

/// A data plane just created, with its credentials in the clear: shown once, then forgotten.
pub struct Created {
    pub data_plane: DataPlane,
    pub region: Region,
    /// The first credential's id.
    pub credential_id: Uuid,
    pub client_id: String,
    pub client_secret: ClientSecret,
}

/// What a change asks for; `None` keeps the current value.
pub type DataPlaneChange = NameAndEnabled;

/// Creates a data plane in a region of the caller's organization, with its first credential.
pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    region_id: Uuid,
    name: &Name,
    enabled: bool,
) -> AppResult<Created> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region =
        change::found(db::regions::get(&mut *tx, access.organization_id, region_id).await?)?;
    let data_plane = db::data_planes::create(&mut *tx, region.id, name, enabled).await?;
    let client_id = generate_client_id(CLIENT_ID_PREFIX);
    let (credential_id, client_secret) =
        issue_secret(&mut tx, state, data_plane.id, &client_id).await?;
    change::record_created(&mut tx, access, Action::DataPlaneCreate, &data_plane).await?;
    tx.commit().await?;
    Ok(Created {
        data_plane,
        region,
        credential_id,
        client_id,
        client_secret,
    })
}

/// Renames a data plane and/or turns it on or off; see [`super::regions::update`] for
/// `revision` and the answer.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    data_plane_id: Uuid,
    change: DataPlaneChange,
    revision: Option<i32>,
) -> AppResult<(DataPlane, DataPlane)> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = locked(&mut tx, access, data_plane_id).await?;
    let changes = change.changes(&before.name, before.enabled);
    let Some(at) = change::revision_to_write(&before, revision, changes)? else {
        return Ok((before.clone(), before));
    };
    let written = db::data_planes::update(
        &mut *tx,
        data_plane_id,
        change.name.as_ref(),
        change.enabled,
        at,
    )
    .await?;
    let after = change::record_update(&mut tx, access, &before, written, |b, a| {
        change::toggle_or_rename(
            b.enabled,
            a.enabled,
            [
                Action::DataPlaneEnable,
                Action::DataPlaneDisable,
                Action::DataPlaneRename,
            ],
        )
    })
    .await?;
    tx.commit().await?;
    Ok((before, after))
}

/// Puts a data plane in draining (it finishes the runs it has and takes no new ones) or
/// takes it out again. Returns the data plane after.
pub async fn set_draining(
    state: &AppState,
    access: &OrgAccess,
    data_plane_id: Uuid,
    draining: bool,
    revision: Option<i32>,
) -> AppResult<DataPlane> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = locked(&mut tx, access, data_plane_id).await?;
    let Some(at) = change::revision_to_write(&before, revision, before.draining != draining)?
    else {
        return Ok(before);
    };
    let written = db::data_planes::set_draining(&mut *tx, data_plane_id, draining, at).await?;
    let after = change::record_update(&mut tx, access, &before, written, |_, a| {
        if a.draining {
            Action::DataPlaneDrain
        } else {
            Action::DataPlaneUndrain
        }
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A new secret under `client_id` for a data plane: stored as a keyed hash, returned in the
/// clear to be shown once.
async fn issue_secret(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    data_plane_id: Uuid,
    client_id: &str,
) -> AppResult<(Uuid, ClientSecret)> {
    let secret = ClientSecret::generate();
    let hash = state.hasher.hash(client_id, secret.expose());
    let id = db::data_planes::add_credential(
        tx,
        data_plane_id,
        client_id,
        &hash,
        &secret_hint(secret.expose()),
    )
    .await?;
    Ok((id, secret))
}

/// What is kept in the clear of a secret, to tell it apart from the data plane's other one:
/// its last four characters (of 43; the rest stays out of reach).
pub fn secret_hint(secret: &str) -> String {
    format!("…{}", crate::auth::secrets::last_four(secret))
}

/// A data plane of the caller's organization, locked until the transaction ends.
async fn locked(
    tx: &mut sqlx::PgConnection,
    access: &OrgAccess,
    data_plane_id: Uuid,
) -> AppResult<DataPlane> {
    change::found(db::data_planes::lock(tx, access.organization_id, data_plane_id).await?)
}

/// Deletes a data plane; its credentials stop working at once.
pub async fn delete(
    state: &AppState,
    access: &OrgAccess,
    data_plane_id: Uuid,
) -> AppResult<DataPlane> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let plane = locked(&mut tx, access, data_plane_id).await?;
    db::data_planes::delete(&mut *tx, data_plane_id).await?;
    change::record_deleted(&mut tx, access, Action::DataPlaneDelete, &plane).await?;
    tx.commit().await?;
    Ok(plane)
}

/// At most this many live secrets per data plane: the current one and its replacement.
pub const MAX_LIVE_SECRETS: usize = 2;

/// A secret just issued by rotation, in the clear: shown once, then forgotten.
pub struct IssuedSecret {
    pub credential_id: Uuid,
    pub client_id: String,
    pub client_secret: ClientSecret,
}

/// Issues another secret under the data plane's client id; the existing one keeps working
/// until revoked, so agents can move over without downtime.
pub async fn rotate_secret(
    state: &AppState,
    access: &OrgAccess,
    data_plane_id: Uuid,
) -> AppResult<IssuedSecret> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let plane = locked(&mut tx, access, data_plane_id).await?;
    // The in-process agent's credential (see `local_agent_credentials`) is not the admin's to
    // rotate.
    let live: Vec<_> = db::data_planes::credentials_of(&mut *tx, plane.id)
        .await?
        .into_iter()
        .filter(|c| !c.is_local())
        .collect();
    if live.len() >= MAX_LIVE_SECRETS {
        return Err(AppError::conflict(
            None,
            format!(
                "Data plane {} already has {MAX_LIVE_SECRETS} secrets. Revoke the older one first.",
                plane.name
            ),
        ));
    }
    let client_id = match live.first() {
        Some(c) => c.client_id.clone(),
        None => generate_client_id(CLIENT_ID_PREFIX),
    };
    let (credential_id, client_secret) = issue_secret(&mut tx, state, plane.id, &client_id).await?;
    let secret = serde_json::json!({"secret_id": credential_id, "client_id": client_id});
    let event = super::event(access, Action::DataPlaneSecretCreate, plane.id, &plane.name);
    super::record(&mut tx, access, event.after(&secret)).await?;
    tx.commit().await?;
    Ok(IssuedSecret {
        credential_id,
        client_id,
        client_secret,
    })
}

/// Revokes one secret of a data plane: an agent using it is refused at its next heartbeat or
/// token exchange.
pub async fn revoke_secret(
    state: &AppState,
    access: &OrgAccess,
    data_plane_id: Uuid,
    credential_id: Uuid,
) -> AppResult<DataPlane> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let plane = locked(&mut tx, access, data_plane_id).await?;
    let secret = db::data_planes::credentials_of(&mut *tx, plane.id)
        .await?
        .into_iter()
        .find(|c| c.id == credential_id)
        .ok_or_else(|| AppError::not_found("secret"))?;
    if secret.is_local() {
        return Err(AppError::conflict(
            None,
            "This secret belongs to the server's own in-process agent and is replaced at each start.",
        ));
    }
    db::data_planes::revoke_credential(&mut *tx, plane.id, credential_id).await?;
    let revoked = serde_json::json!({"secret_id": secret.id, "client_id": secret.client_id});
    let event = super::event(access, Action::DataPlaneSecretRevoke, plane.id, &plane.name);
    super::record(&mut tx, access, event.before(&revoked)).await?;
    tx.commit().await?;
    Ok(plane)
}

/// Exchanges a data plane's client credentials for a short-lived token. Unknown ids, wrong
/// and revoked secrets all get the same answer.
pub async fn exchange(
    state: &AppState,
    client_id: &str,
    secret: &str,
) -> AppResult<(String, std::time::Duration)> {
    let live = if plausible_client_id(client_id) {
        db::data_planes::live_credentials(&state.pool, client_id).await?
    } else {
        Vec::new()
    };
    // Check every live secret (and one dummy when there is none), so timing does not tell
    // which part was wrong.
    let mut found = None;
    for credential in &live {
        if state
            .hasher
            .verify(client_id, secret, &credential.secret_hash)
        {
            found = Some(credential);
        }
    }
    if live.is_empty() {
        state.hasher.verify(client_id, secret, &[0; 32]);
    }
    let credential = found.ok_or_else(|| {
        crate::telemetry::count_token_exchange(false);
        AppError::new(
            crate::error::ErrorKind::Unauthenticated,
            "Invalid client credentials.",
        )
    })?;
    let now = time::OffsetDateTime::now_utc();
    if credential
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_RESOLUTION)
    {
        db::data_planes::touch_credential(&state.pool, credential.id).await?;
    }
    let issued = state
        .tokens
        .issue_data_plane(credential.data_plane_id, credential.id)?;
    crate::telemetry::count_token_exchange(true);
    Ok(issued)
}

/// Credentials for the in-process agent of the default data plane (region `auto` of the
/// default organization), minted at each start; the previous start's are revoked. `None` when
/// that data plane no longer exists.
pub async fn local_agent_credentials(
    state: &AppState,
) -> AppResult<Option<(String, ClientSecret)>> {
    use crate::domain::{DEFAULT_ORGANIZATION_ID, DEFAULT_REGION_NAME, LOCAL_CLIENT_ID_PREFIX};
    let mut tx = state.pool.begin().await?;
    let Some(region) =
        db::regions::find_by_name(&mut *tx, DEFAULT_ORGANIZATION_ID, DEFAULT_REGION_NAME).await?
    else {
        return Ok(None);
    };
    let Some(plane) = db::data_planes::list_for_region(&mut *tx, region.id)
        .await?
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(DEFAULT_REGION_NAME))
    else {
        return Ok(None);
    };
    for old in db::data_planes::credentials_of(&mut *tx, plane.id).await? {
        if old.is_local() {
            db::data_planes::revoke_credential(&mut *tx, plane.id, old.id).await?;
        }
    }
    let client_id = generate_client_id(LOCAL_CLIENT_ID_PREFIX);
    let (_, secret) = issue_secret(&mut tx, state, plane.id, &client_id).await?;
    tx.commit().await?;
    Ok(Some((client_id, secret)))
}

/// An agent reports in (initialize or heartbeat) with the credential its token was exchanged
/// with: records the beat, what it runs where, and where clients reach its regional API.
/// `None` when the credential was revoked or its data plane deleted. A reported URL that is
/// not a plain `http(s)://host[:port][/path]` is refused, since the dashboard and every
/// scoped-token answer hand it to clients.
pub async fn report_in(
    pool: &sqlx::PgPool,
    credential_id: Uuid,
    report: &crate::dataplane::protocol::Report,
) -> AppResult<Option<db::data_planes::ReportedIdentity>> {
    let url = report
        .public_url
        .as_deref()
        .map(|raw| {
            crate::domain::RegionalUrl::parse(raw).map_err(|m| AppError::invalid("publicUrl", m))
        })
        .transpose()?;
    let found = db::data_planes::record_heartbeat(
        pool,
        credential_id,
        clip(&report.version),
        clip(&report.hostname),
        url.as_ref().map(|u| u.as_str()),
    )
    .await?;
    if found.is_some() {
        crate::telemetry::count_heartbeat();
    }
    Ok(found)
}

/// Reported strings are shown in the dashboard: keep them short and free of control
/// characters (which Postgres would also refuse, in the case of NUL).
fn clip(raw: &str) -> &str {
    let end = raw
        .char_indices()
        .take_while(|(i, c)| *i < 128 && !c.is_control())
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    &raw[..end]
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn reports_are_clipped_before_storing() {
        assert_eq!(clip("1.2.3"), "1.2.3");
        assert_eq!(clip("host\0name"), "host");
        assert_eq!(clip(&"x".repeat(500)).len(), 128);
        assert_eq!(clip(""), "");
    }
}
