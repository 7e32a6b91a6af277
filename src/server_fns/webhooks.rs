//! Settings > Webhooks: an organization's endpoints for health alerts, their recent
//! deliveries, registering one (its signing secret shown once), removing one, and sending one a
//! test event. Organization admins only: endpoint addresses may carry the receiver's tokens.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Webhook, WebhookDelivery};
use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::{OrgRole, WebhookEvent},
    ops, paths,
    server_fns::context::Ctx,
};

/// How many recent deliveries the page lists.
pub const DELIVERIES_LISTED: i64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhooksData {
    pub meta: PageMeta,
    pub webhooks: Vec<Webhook>,
    /// The latest deliveries of all of them, newest first.
    pub deliveries: Vec<WebhookDelivery>,
    /// The endpoint just registered with its secret, on the one page load that shows it.
    pub revealed: Option<NewWebhook>,
}

/// An endpoint just registered and its signing secret, shown once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWebhook {
    pub webhook_id: Uuid,
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("webhook_id", &self.webhook_id)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Where a new endpoint's secret waits in the session for the page that shows it.
#[cfg(feature = "ssr")]
const REVEAL_SLOT: &str = "webhook";

#[server(endpoint = "webhooks/page")]
pub async fn webhooks_page(organization_id: Uuid) -> Result<WebhooksData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let path = paths::webhooks(organization_id);
    let (meta, webhooks, deliveries) = tokio::try_join!(
        PageMeta::load(&ctx, &access, &path),
        async { Ok::<_, AppError>(db::webhooks::list(ctx.pool(), organization_id).await?) },
        async {
            Ok::<_, AppError>(
                db::webhooks::recent_deliveries(ctx.pool(), organization_id, DELIVERIES_LISTED)
                    .await?,
            )
        },
    )?;
    // Taken out of the session: a reload no longer shows it.
    let revealed = ctx
        .take_secret::<NewWebhook>(REVEAL_SLOT)
        .await?
        .filter(|n| webhooks.iter().any(|w| w.id == n.webhook_id));
    Ok(WebhooksData {
        meta,
        webhooks,
        deliveries,
        revealed,
    })
}

/// Registers an endpoint for the events ticked (checkboxes, absent when not ticked).
#[server(endpoint = "webhooks/create")]
pub async fn create_webhook(
    organization_id: Uuid,
    url: String,
    #[server(default)] dataplane_health_changed: Option<String>,
    #[server(default)] region_unhealthy: Option<String>,
    #[server(default)] region_recovered: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [("url", url.as_str())];
    let ticked: Vec<&str> = [
        (
            dataplane_health_changed,
            WebhookEvent::DataPlaneHealthChanged,
        ),
        (region_unhealthy, WebhookEvent::RegionUnhealthy),
        (region_recovered, WebhookEvent::RegionRecovered),
    ]
    .into_iter()
    .filter(|(on, _)| on.is_some())
    .map(|(_, e)| e.as_str())
    .collect();
    let parsed_url = ops::webhooks::parse_url(&ctx.state, &url);
    let events = WebhookEvent::parse_set(&ticked).map_err(|m| AppError::invalid("events", m));
    let (parsed_url, events) = match (parsed_url, events) {
        (Ok(u), Ok(e)) => (u, e),
        (u, e) => {
            return Err(AppError::merge([u.err(), e.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal)
                .with_input(echo));
        }
    };
    let created = ops::webhooks::create(&ctx.state, &access, &parsed_url, &events)
        .await
        .map_err(|e| e.with_input(echo))?;
    let reveal = NewWebhook {
        webhook_id: created.webhook.id,
        url: created.webhook.url.clone(),
        secret: created.secret.expose().to_owned(),
    };
    ctx.stash_secret(REVEAL_SLOT, &reveal).await?;
    ctx.redirect_with_notice(
        &paths::webhooks(organization_id),
        format!(
            "Endpoint {} registered. Copy its signing secret now: it is shown only once.",
            created.webhook.url
        ),
    )
    .await
}

#[server(endpoint = "webhooks/delete")]
pub async fn delete_webhook(organization_id: Uuid, webhook_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let webhook = ops::webhooks::delete(&ctx.state, &access, webhook_id).await?;
    ctx.redirect_with_notice(
        &paths::webhooks(organization_id),
        format!("Endpoint {} removed.", webhook.url),
    )
    .await
}

#[server(endpoint = "webhooks/test")]
pub async fn send_test_event(organization_id: Uuid, webhook_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    ops::webhooks::send_test(&ctx.state, &access, webhook_id).await?;
    ctx.redirect_with_notice(
        &paths::webhooks(organization_id),
        "Test event queued: its delivery shows below within seconds.",
    )
    .await
}
