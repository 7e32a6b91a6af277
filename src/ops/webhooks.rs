//! Registering and removing an organization's webhook endpoints, and sending one a test
//! event. An endpoint is an address an organization's admin chose: it may not point into
//! this server's own network (checked here by name and address, and again at every
//! connection by the delivery client's resolver).

use uuid::Uuid;

use super::{event, record};
use crate::auth::{OrgAccess, oidc::is_local_host, secrets};
use crate::db;
use crate::domain::{Action, OrgRole, Webhook, WebhookEvent, WebhookUrl};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// An endpoint just registered, with its signing secret: shown once, never again.
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: secrets::ClientSecret,
}

/// The address an admin entered, refused when it points at this server's own network
/// (unless local endpoints are allowed, for tests and demos).
pub fn parse_url(state: &AppState, raw: &str) -> AppResult<WebhookUrl> {
    let allow_local = state.config.allow_local_webhooks;
    let url = WebhookUrl::parse(raw, allow_local).map_err(|m| AppError::invalid("url", m))?;
    let parsed = reqwest::Url::parse(url.as_str())
        .map_err(|_| AppError::invalid("url", "That is not a URL."))?;
    let local = parsed.host().is_none_or(is_local_host);
    if local && !allow_local {
        return Err(AppError::invalid(
            "url",
            "Endpoints on this server's own machine or private network are not allowed.",
        ));
    }
    Ok(url)
}

pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    url: &WebhookUrl,
    events: &[WebhookEvent],
) -> AppResult<CreatedWebhook> {
    access.require(OrgRole::Admin)?;
    let secret = secrets::generate_webhook_secret();
    let sealed = super::seal_for_organization(
        state,
        access.organization_id,
        "url",
        secret.expose().as_bytes(),
    )?;
    let hint = secrets::last_four(secret.expose());
    let names: Vec<String> = events.iter().map(|e| e.as_str().to_owned()).collect();
    let mut tx = state.pool.begin().await?;
    let webhook = db::webhooks::create(
        &mut *tx,
        access.organization_id,
        url.as_str(),
        &names,
        &sealed,
        &hint,
        Some(access.user.id),
    )
    .await?;
    let change = event(access, Action::WebhookCreate, webhook.id, &webhook.url).after(&webhook);
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(CreatedWebhook { webhook, secret })
}

/// Removes an endpoint and what is still queued for it.
pub async fn delete(state: &AppState, access: &OrgAccess, webhook_id: Uuid) -> AppResult<Webhook> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let webhook = db::webhooks::delete(&mut *tx, access.organization_id, webhook_id)
        .await?
        .ok_or_else(|| AppError::not_found("webhook"))?;
    let change = event(access, Action::WebhookDelete, webhook.id, &webhook.url).before(&webhook);
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(webhook)
}

/// Queues a `test` event for one endpoint; delivered like any other (signed, retried).
/// Returns the event's id.
pub async fn send_test(state: &AppState, access: &OrgAccess, webhook_id: Uuid) -> AppResult<Uuid> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let webhook = db::webhooks::find_any_org(&mut *tx, webhook_id)
        .await?
        .filter(|w| w.organization_id == access.organization_id)
        .ok_or_else(|| AppError::not_found("webhook"))?;
    let event_id = Uuid::new_v4();
    let payload = payload(
        event_id,
        WebhookEvent::Test,
        access.organization_id,
        serde_json::json!({"message": "A test event from Meridian: this endpoint is set up."}),
    );
    db::webhooks::enqueue(
        &mut tx,
        access.organization_id,
        Some(webhook.id),
        event_id,
        WebhookEvent::Test.as_str(),
        &payload,
    )
    .await?;
    let change = event(access, Action::WebhookTest, webhook.id, &webhook.url);
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(event_id)
}

/// The body every delivery carries: `{"id", "type", "createdAt", "organizationId", "data"}`.
pub fn payload(
    event_id: Uuid,
    kind: WebhookEvent,
    organization_id: Uuid,
    data: serde_json::Value,
) -> serde_json::Value {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    serde_json::json!({
        "id": event_id,
        "type": kind.as_str(),
        "createdAt": now,
        "organizationId": organization_id,
        "data": data,
    })
}
