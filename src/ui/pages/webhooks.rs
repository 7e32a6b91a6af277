//! Settings > Webhooks: health alert endpoints (address, events, secret hint), registering
//! one with its signing secret shown once, and the latest deliveries with their status.

use leptos::prelude::*;

use crate::domain::{Webhook, WebhookDelivery, WebhookEvent};
use crate::server_fns::webhooks::{NewWebhook, WebhooksData, webhooks_page};
use crate::ui::components::{
    EmptyState, Notice, PageHeader, RelativeTime, loaded, path_resource, use_id_param,
};
use crate::ui::forms::{CreateWebhookForm, DeleteWebhookForm, SendTestEventForm};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| webhooks_page(org),
    );
    view! {
        <PageHeader title="Webhooks" lead="Get an event when a data plane's health changes, when a region has no healthy data plane left, and when it recovers."/>
        {loaded(data, move |d: WebhooksData| view! { <Webhooks data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Webhooks(data: WebhooksData, org: uuid::Uuid) -> impl IntoView {
    let now = data.meta.now;
    let revealed = data.revealed.map(|n| view! { <SecretOnce created=n/> });
    let endpoints = if data.webhooks.is_empty() {
        view! { <EmptyState title="No endpoints yet" hint="Add one below to be told when a region's health changes."/> }.into_any()
    } else {
        let rows = data
            .webhooks
            .iter()
            .map(|w| view! { <EndpointRow webhook=w.clone() now/> })
            .collect_view();
        view! {
            <table class="table" id="webhooks">
                <thead>
                    <tr>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"Secret"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let deliveries = deliveries(&data.webhooks, data.deliveries, now);
    view! {
        <Notice notice=data.meta.notice/>
        {revealed}
        <section class="panel" aria-labelledby="endpoints-heading">
            <h2 id="endpoints-heading">"Endpoints"</h2>
            {endpoints}
        </section>
        <section class="panel" aria-labelledby="add-webhook-heading">
            <h2 id="add-webhook-heading">"Add an endpoint"</h2>
            <CreateWebhookForm organization_id=org/>
            <p class="help">
                "Each event is a POST of JSON (" <code>"id"</code>", "<code>"type"</code>", "<code>"createdAt"</code>", "<code>"organizationId"</code>", "<code>"data"</code>
                ") with " <code>"Meridian-Signature: t=<unix time>,v1=<hex>"</code>
                ": HMAC-SHA-256 with the endpoint's secret over the time, a dot and the body. Check it, and refuse old times. Failed deliveries are retried with growing delays; an event may arrive twice, never with another id."
            </p>
        </section>
        <section class="panel" aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Recent deliveries"</h2>
            {deliveries}
        </section>
    }
}

#[component]
fn EndpointRow(webhook: Webhook, now: time::OffsetDateTime) -> impl IntoView {
    let events = webhook
        .events
        .iter()
        .map(|e| view! { <li><code>{e.clone()}</code></li> })
        .collect_view();
    view! {
        <tr>
            <td><code class="url">{webhook.url.clone()}</code></td>
            <td><ul class="plain">{events}</ul></td>
            <td><code>{format!("…{}", webhook.secret_hint)}</code></td>
            <td><RelativeTime at=webhook.created_at now/></td>
            <td class="row-actions">
                <SendTestEventForm organization_id=webhook.organization_id webhook_id=webhook.id/>
                <DeleteWebhookForm organization_id=webhook.organization_id webhook_id=webhook.id/>
            </td>
        </tr>
    }
}

/// The secret of the endpoint just added, on this one page load.
#[component]
fn SecretOnce(created: NewWebhook) -> impl IntoView {
    view! {
        <section class="panel secret-card" aria-labelledby="secret-heading">
            <h2 id="secret-heading">"Signing secret"</h2>
            <p class="warning" role="note">
                <strong>"Copy the signing secret now."</strong>
                {format!(" It will not be shown again. {} checks the signature of every request with it.", created.url)}
            </p>
            <dl class="secret-fields">
                <dt>"Secret"</dt>
                <dd>
                    <code id="webhook-secret">{created.secret}</code>
                    <button type="button" class="button small copy" data-copy="webhook-secret">"Copy"</button>
                </dd>
            </dl>
        </section>
    }
}

fn deliveries(
    webhooks: &[Webhook],
    deliveries: Vec<WebhookDelivery>,
    now: time::OffsetDateTime,
) -> AnyView {
    if deliveries.is_empty() {
        return view! { <EmptyState title="No deliveries yet" hint="Events appear here as they are sent. Send a test event to try an endpoint."/> }.into_any();
    }
    let rows = deliveries
        .into_iter()
        .map(|d| {
            let url = webhooks
                .iter()
                .find(|w| w.id == d.webhook_id)
                .map(|w| w.url.clone())
                .unwrap_or_default();
            let (badge, label) = match d.status.as_str() {
                "delivered" => ("badge badge-healthy", "Delivered"),
                "failed" => ("badge badge-unhealthy", "Failed"),
                _ if d.attempts == 0 => ("badge badge-unknown", "Queued"),
                _ => ("badge badge-degraded", "Retrying"),
            };
            let outcome = match (d.last_status, d.last_error) {
                (_, Some(error)) => error,
                (Some(status), None) => format!("HTTP {status}"),
                (None, None) => String::new(),
            };
            let next = (d.status == "pending" && d.attempts > 0)
                .then(|| view! { <span class="muted">" Next try " <RelativeTime at=d.next_attempt_at now/></span> });
            let event = WebhookEvent::SUBSCRIBABLE
                .into_iter()
                .chain([WebhookEvent::Test])
                .find(|e| e.as_str() == d.event_type)
                .map(|e| e.describe())
                .unwrap_or_default();
            view! {
                <tr>
                    <td><code>{d.event_type.clone()}</code><span class="muted">{format!(" {event}")}</span></td>
                    <td><code class="url">{url}</code></td>
                    <td><span class=badge>{label}</span>{next}</td>
                    <td>{d.attempts}</td>
                    <td>{outcome}</td>
                    <td><RelativeTime at=d.created_at now/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" id="deliveries">
            <thead>
                <tr>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Endpoint"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Attempts"</th>
                    <th scope="col">"Last answer"</th>
                    <th scope="col">"Created"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
