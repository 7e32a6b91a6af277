//! Health alerts, the periodic half: a watcher that notices when a data plane's health
//! changes or a region loses (or regains) its last healthy data plane and queues one event
//! per change in the webhook outbox, and workers that deliver the outbox, signed, retrying
//! with backoff.
//!
//! Every replica runs both. The watcher works under an advisory lock and records each state it
//! announces in the same transaction as the events, so a change is announced once however
//! many replicas look. Workers lease deliveries (`for update skip locked`), so each is sent by
//! one worker at a time; a worker that dies mid-send leaves a lease that runs out, and the
//! delivery is tried again (at least once, never twice at the same time). Receivers tell
//! repeats apart by the event id.

use std::collections::HashMap;
use std::time::Duration;

use uuid::Uuid;

use crate::db::{self, webhooks::Leased};
use crate::domain::{Health, WebhookEvent};
use crate::ops::webhooks::payload;
use crate::state::AppState;

/// Names the watcher's advisory lock.
pub const WATCH_LOCK: i64 = 0x4d45_5249_0003; // "MERI" 3
/// How long a worker holds a delivery: longer than one attempt can take.
const LEASE: time::Duration = time::Duration::seconds(60);
/// Deliveries a worker takes at once.
const BATCH: i64 = 20;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts before a delivery is given up (with the default 10 s base, about 3.5 hours).
pub const MAX_ATTEMPTS: i32 = 12;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Starts the watcher and the delivery worker of this replica.
pub fn spawn(state: AppState) {
    let watcher = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(watcher.config.health_watch_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let period = watcher.config.health_watch_every;
        loop {
            every.tick().await;
            // Once per period across replicas (see `db::periodic::claim`).
            match db::periodic::claim(&watcher.pool, "health_watch", period).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    crate::telemetry::count_job("health_watch", Some(false));
                    tracing::warn!(error = %e, "looking for health changes failed; trying again later");
                    continue;
                }
            }
            match watch(&watcher).await {
                Ok(mine) => crate::telemetry::count_job("health_watch", mine.then_some(true)),
                Err(e) => {
                    crate::telemetry::count_job("health_watch", Some(false));
                    tracing::warn!(error = %e, "looking for health changes failed; trying again later");
                }
            }
        }
    });
    tokio::spawn(async move {
        let client = match delivery_client(state.config.allow_local_webhooks) {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "webhook deliveries are off: no HTTP client");
                return;
            }
        };
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match deliver_due(&state, &client).await {
                Ok(0) => {}
                Ok(_) => crate::telemetry::count_job("webhook_delivery", Some(true)),
                Err(e) => {
                    crate::telemetry::count_job("webhook_delivery", Some(false));
                    tracing::warn!(error = %e, "delivering webhooks failed; trying again later")
                }
            }
        }
    });
}

/// The client deliveries go out with: no redirects (an endpoint could bounce a delivery into
/// our network), public addresses only unless local endpoints are allowed, bounded time.
fn delivery_client(allow_local: bool) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent(concat!("meridian-webhooks/", env!("CARGO_PKG_VERSION")));
    if !allow_local {
        builder = builder.dns_resolver(std::sync::Arc::new(crate::auth::oidc::PublicOnly));
    }
    builder.build()
}

/// One look at every data plane and region. `false` when another replica is looking.
pub async fn watch(state: &AppState) -> Result<bool, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    if !db::periodic::try_lock(&mut tx, WATCH_LOCK).await? {
        return Ok(false);
    }
    let now = time::OffsetDateTime::now_utc();
    let planes = db::webhooks::plane_health(&mut tx).await?;
    let regions = db::webhooks::region_health(&mut tx).await?;
    let mut healthy_in: HashMap<Uuid, usize> = HashMap::new();
    for p in &planes {
        let health = state.config.health.judge(p.last_heartbeat_at, now);
        if p.enabled && p.region_enabled && health == Health::Healthy {
            *healthy_in.entry(p.region_id).or_default() += 1;
        }
        if p.announced.as_deref() == Some(health.as_str()) {
            continue;
        }
        db::webhooks::set_plane_state(&mut tx, p.data_plane_id, health.as_str()).await?;
        // The first look at a data plane only records where it stands.
        let Some(previous) = &p.announced else {
            continue;
        };
        let event_id = Uuid::new_v4();
        let body = payload(
            event_id,
            WebhookEvent::DataPlaneHealthChanged,
            p.organization_id,
            serde_json::json!({
                "dataPlaneId": p.data_plane_id,
                "dataPlaneName": p.data_plane_name,
                "regionId": p.region_id,
                "regionName": p.region_name,
                "previous": previous,
                "current": health.as_str(),
                "lastHeartbeatAt": p.last_heartbeat_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
            }),
        );
        announce(
            &mut tx,
            (p.organization_id, p.region_id, p.region_managed),
            event_id,
            WebhookEvent::DataPlaneHealthChanged,
            body,
        )
        .await?;
    }
    for region in regions {
        let healthy_planes = healthy_in.get(&region.id).copied().unwrap_or(0);
        let healthy = healthy_planes > 0;
        if region.announced == Some(healthy) {
            continue;
        }
        db::webhooks::set_region_state(&mut tx, region.id, healthy).await?;
        if region.announced.is_none() {
            continue;
        }
        let kind = if healthy {
            WebhookEvent::RegionRecovered
        } else {
            WebhookEvent::RegionUnhealthy
        };
        let event_id = Uuid::new_v4();
        let body = payload(
            event_id,
            kind,
            region.organization_id,
            serde_json::json!({
                "regionId": region.id,
                "regionName": region.name,
                "healthyDataPlanes": healthy_planes,
            }),
        );
        announce(
            &mut tx,
            (region.organization_id, region.id, region.managed),
            event_id,
            kind,
            body,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Queues an event about a region (or one of its data planes) for the endpoints of the
/// organization running the region, and, for a managed region, of every organization with
/// workspaces in it (each payload naming its own organization).
async fn announce(
    tx: &mut sqlx::PgConnection,
    (owner, region_id, managed): (Uuid, Uuid, bool),
    event_id: Uuid,
    kind: WebhookEvent,
    mut body: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let mut audience = vec![owner];
    if managed {
        for organization in db::webhooks::organizations_in_region(tx, region_id).await? {
            if !audience.contains(&organization) {
                audience.push(organization);
            }
        }
    }
    for organization in audience {
        body["organizationId"] = serde_json::json!(organization);
        db::webhooks::enqueue(tx, organization, None, event_id, kind.as_str(), &body).await?;
    }
    Ok(())
}

/// Sends what is due, a batch at a time; returns how many were attempted.
pub async fn deliver_due(state: &AppState, client: &reqwest::Client) -> Result<usize, sqlx::Error> {
    let mut attempted = 0;
    loop {
        let batch = db::webhooks::lease_due(&state.pool, BATCH, LEASE).await?;
        if batch.is_empty() {
            return Ok(attempted);
        }
        attempted += batch.len();
        let sends = batch.into_iter().map(|d| attempt(state, client, d));
        for outcome in futures_util::future::join_all(sends).await {
            outcome?;
        }
    }
}

/// One attempt at one delivery, and its outcome recorded.
async fn attempt(state: &AppState, client: &reqwest::Client, d: Leased) -> Result<(), sqlx::Error> {
    let outcome = send(state, client, &d).await;
    let (delivered, status, error) = match outcome {
        Ok(status) if (200..300).contains(&status) => (true, Some(status), None),
        Ok(status) => (
            false,
            Some(status),
            Some(format!("the endpoint answered {status}")),
        ),
        Err(e) => (false, None, Some(e)),
    };
    let retry_at = (!delivered && d.attempts < MAX_ATTEMPTS).then(|| {
        let base = state.config.webhook_retry_base;
        let wait = base
            .saturating_mul(1u32 << (d.attempts - 1).clamp(0, 16))
            .min(MAX_BACKOFF);
        time::OffsetDateTime::now_utc() + wait
    });
    if !delivered {
        tracing::info!(delivery = %d.id, attempt = d.attempts, error = error.as_deref().unwrap_or(""), "webhook delivery failed");
    }
    db::webhooks::record_attempt(
        &state.pool,
        d.id,
        delivered,
        status.map(i32::from),
        error.as_deref(),
        retry_at,
    )
    .await
}

/// Posts a delivery, signed; the endpoint's HTTP status, or why there was none.
async fn send(state: &AppState, client: &reqwest::Client, d: &Leased) -> Result<u16, String> {
    let secret_box = state
        .secret_box
        .as_deref()
        .ok_or("this server has no encryption key to open the signing secret")?;
    let secret = secret_box
        .open(&d.secret_sealed, d.organization_id.as_bytes())
        .map_err(|_| "the signing secret cannot be opened with this server's key".to_owned())?;
    let secret =
        String::from_utf8(secret).map_err(|_| "the signing secret is corrupt".to_owned())?;
    let body = serde_json::to_vec(&d.payload).map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = crate::auth::secrets::webhook_signature(&secret, now, &body);
    let answer = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Meridian-Event-Id", d.event_id.to_string())
        .header("Meridian-Event-Type", &d.event_type)
        .header("Meridian-Signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            // Never the URL's query (it may carry the receiver's own token) in what we keep.
            format!("no answer: {}", e.without_url())
        })?;
    Ok(answer.status().as_u16())
}
