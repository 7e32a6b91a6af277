//! Settings > Audit log: who did what to which object, when and from where. The filters are
//! a plain GET form, so the page and every filtered view are ordinary links.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::domain::{Action, AuditBucketStatus, AuditQuery, datetime_local};
use crate::paths;
use crate::server_fns::audit::{AuditData, AuditEventData, audit_event, audit_page};
use crate::server_fns::audit_storage::{AuditStorageData, audit_storage};
use crate::ui::components::{
    EmptyState, Notice, PageHeader, RelativeTime, TextField, format_utc, loaded, path_resource,
    use_id_param,
};
use crate::ui::forms::{AuditBucketForm, AuditRetentionForm, RemoveAuditBucketForm};

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let org = use_id_param("org");
    let query = use_query_map();
    let key = move || {
        let q = query.read();
        let get = |name: &str| q.get(name).unwrap_or_default();
        let page = get("page").parse::<i64>().unwrap_or(0).max(0);
        (
            AuditQuery {
                actor: get("actor"),
                action: get("action"),
                object: get("object"),
                from: get("from"),
                to: get("to"),
            },
            page,
        )
    };
    let data = path_resource(["org"], "organization", key, |[org], (query, page)| {
        audit_page(org, query, page)
    });
    view! {
        <PageHeader title="Audit log" lead="Every change, sign-in and failed sign-in in this organization: who, what, which object, when and from where. Events are never changed; they are kept as long as Audit storage says (forever unless you choose otherwise)."/>
        {loaded(data, move |d: AuditData| view! { <AuditLog data=d org=org.get().unwrap_or_default()/> })}
    }
}

/// The filters as query parameters, for links that keep them.
fn query_string(q: &AuditQuery, extra: &[(&str, String)]) -> String {
    let mut pairs: Vec<(String, String)> = [
        ("actor", &q.actor),
        ("action", &q.action),
        ("object", &q.object),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
    .collect();
    pairs.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", paths::encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
fn AuditLog(data: AuditData, org: Uuid) -> impl IntoView {
    let AuditData {
        query,
        events,
        page,
        has_more,
        problem,
        ..
    } = data;
    let error = Signal::stored(problem);
    let base = paths::audit_log(org);
    let export = |format: &str| {
        format!(
            "{base}/export?{}",
            query_string(&query, &[("format", format.to_owned())])
        )
    };
    let (csv, json) = (export("csv"), export("json"));
    let rows = events
        .into_iter()
        .map(|e| {
            let object = if e.object_name.is_empty() {
                e.object_type.clone()
            } else {
                format!("{} {}", e.object_type, e.object_name)
            };
            view! {
                <tr>
                    <td><a href=paths::audit_event(org, e.id) title="What changed"><time datetime=e.occurred_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()>{format_utc(e.occurred_at)}</time></a></td>
                    <td>{e.actor}</td>
                    <td><code>{e.action}</code></td>
                    <td>{object}</td>
                    <td>{e.source_ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = rows.is_empty();
    let table = if error.get_untracked().is_some() {
        // Nothing was searched: saying "no events" would claim there are none.
        view! { <p class="muted" id="filter-unread">"Correct the highlighted filter to see events."</p> }
            .into_any()
    } else if empty {
        view! { <EmptyState title="No events" hint="Nothing recorded matches these filters." action=Some(("Clear the filters".to_owned(), base.clone()))/> }
            .into_any()
    } else {
        view! {
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Object"</th>
                        <th scope="col">"Source IP"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let previous = (page > 0).then(|| {
        let href = format!(
            "{base}?{}",
            query_string(&query, &[("page", (page - 1).to_string())])
        );
        view! { <a class="button" href=href rel="prev">"Newer"</a> }
    });
    let next = has_more.then(|| {
        let href = format!(
            "{base}?{}",
            query_string(&query, &[("page", (page + 1).to_string())])
        );
        view! { <a class="button" href=href rel="next">"Older"</a> }
    });
    view! {
        <section class="panel" aria-labelledby="filter-heading">
            <h2 id="filter-heading">"Filter"</h2>
            <form method="get" action=base.clone() class="filter-form">
                <TextField name="actor" id="audit-actor".into() label="Actor" value=query.actor.clone() help="Part of an email or application name." error/>
                <TextField name="action" id="audit-action".into() label="Action" value=query.action.clone() help="e.g. region.create, or region for all region actions." list="audit-actions" error/>
                <ActionChoices/>
                <TextField name="object" id="audit-object".into() label="Object" value=query.object.clone() help="Part of its name, its type, or its id." error/>
                <TextField name="from" id="audit-from".into() label="From (UTC)" kind="datetime-local" value=datetime_local(&query.from) help="Events at or after this time." error/>
                <TextField name="to" id="audit-to".into() label="To (UTC)" kind="datetime-local" value=datetime_local(&query.to) help="Events before this time." error/>
                <div class="form-actions">
                    <a class="button" href=base.clone()>"Clear"</a>
                    <button type="submit" class="button primary">"Apply filters"</button>
                </div>
            </form>
        </section>
        <section class="panel" aria-labelledby="events-heading">
            <header class="region-header">
                <h2 id="events-heading">"Events"</h2>
                <span class="spacer"></span>
                <a href=csv rel="external" download="">"Export CSV"</a>
                <a href=json rel="external" download="">"Export JSON"</a>
            </header>
            {table}
            <div class="button-row">{previous}{next}</div>
        </section>
    }
}

/// The suggestions of the action filter: each family ("region": all region actions), then
/// every action, as the log records them.
#[component]
fn ActionChoices() -> impl IntoView {
    let mut families: Vec<&str> = Action::ALL
        .iter()
        .filter_map(|a| a.as_str().split_once('.').map(|(family, _)| family))
        .collect();
    families.sort_unstable();
    families.dedup();
    let options = families
        .into_iter()
        .map(|family| {
            view! { <option value=family>{format!("every {family} action")}</option> }.into_any()
        })
        .chain(
            Action::ALL
                .iter()
                .map(|a| view! { <option value=a.as_str()></option> }.into_any()),
        )
        .collect_view();
    view! { <datalist id="audit-actions">{options}</datalist> }
}

/// One event: who did it, when, from where, to which object, and what it changed, field by
/// field, before and after.
#[component]
pub fn AuditEventPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org", "event"],
        "event",
        || (),
        |[org, event], ()| audit_event(org, event),
    );
    view! {
        {loaded(data, move |d: AuditEventData| {
            let org = org.get().unwrap_or_default();
            let e = d.event;
            let object = if e.object_name.is_empty() { e.object_type.clone() } else { format!("{} {}", e.object_type, e.object_name) };
            let object_id = e.object_id.map(|id| view! { " " <code class="small">{id.to_string()}</code> });
            let changes = if d.changes.is_empty() {
                view! { <EmptyState title="No state recorded" hint="This event records that something happened (a sign-in, a token), not a change of fields."/> }.into_any()
            } else {
                let rows = d.changes.into_iter().map(|c| {
                    let changed = c.changed();
                    let cell = |v: Option<String>| match v {
                        Some(v) => view! { <code>{v}</code> }.into_any(),
                        None => view! { <span class="muted">"—"</span> }.into_any(),
                    };
                    view! {
                        <tr class:changed=changed>
                            <th scope="row">{c.field}{changed.then(|| view! { <span class="visually-hidden">" (changed)"</span> })}</th>
                            <td data-label="Before">{cell(c.before)}</td>
                            <td data-label="After">{cell(c.after)}</td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <table class="table changes">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            };
            view! {
                <PageHeader title=format!("Event {}", e.action) lead=format!("{} on {}.", e.actor, format_utc(e.occurred_at)) crumbs=vec![("Audit log".to_owned(), paths::audit_log(org))]/>
                <section class="panel" aria-labelledby="event-heading">
                    <h2 id="event-heading">"What happened"</h2>
                    <dl class="facts">
                        <dt>"Action"</dt><dd><code>{e.action.clone()}</code></dd>
                        <dt>"Actor"</dt><dd>{e.actor.clone()}</dd>
                        <dt>"Object"</dt><dd>{object}{object_id}</dd>
                        <dt>"Time"</dt><dd>{format_utc(e.occurred_at)}</dd>
                        <dt>"Source IP"</dt><dd>{e.source_ip.clone().unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                </section>
                <section class="panel" aria-labelledby="changes-heading">
                    <h2 id="changes-heading">"Before → after"</h2>
                    {changes}
                </section>
            }.into_any()
        })}
    }
}

/// Settings > Audit storage: retention here, and the organization's own bucket.
#[component]
pub fn AuditStoragePage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| audit_storage(org),
    );
    view! {
        <PageHeader title="Audit storage" lead="How long the audit log keeps events here, and your own bucket that every event is also written to." crumbs=vec![("Audit log".to_owned(), org.get().map(paths::audit_log).unwrap_or_default())]/>
        {loaded(data, move |d: AuditStorageData| view! { <AuditStorage data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn AuditStorage(data: AuditStorageData, org: Uuid) -> impl IntoView {
    let now = data.meta.now;
    let retention = data
        .retention_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let kept = match data.retention_days {
        None => "Events are kept forever.".to_owned(),
        Some(days) => format!("Events older than {days} days are deleted, hourly."),
    };
    let bucket = data.bucket.clone();
    let status = bucket
        .clone()
        .map(|b| view! { <DeliveryStatus bucket=b now/> });
    let removal = bucket
        .is_some()
        .then(|| view! { <RemoveAuditBucketForm organization_id=org/> });
    let b = bucket.unwrap_or(AuditBucketStatus {
        endpoint: String::new(),
        region: String::new(),
        bucket: String::new(),
        prefix: String::new(),
        access_key_id: String::new(),
        secret_hint: String::new(),
        pending: 0,
        delivered_batches: 0,
        last_delivered_at: None,
        last_object: None,
        attempts: 0,
        last_error: None,
        next_attempt_at: None,
    });
    let saved = data.bucket.is_some();
    view! {
        <Notice notice=data.meta.notice/>
        <section class="panel" aria-labelledby="retention-heading">
            <h2 id="retention-heading">"Retention"</h2>
            <p id="retention-now">{kept}</p>
            <AuditRetentionForm organization_id=org retention_days=retention/>
        </section>
        <section class="panel" aria-labelledby="bucket-heading">
            <h2 id="bucket-heading">"Your own bucket"</h2>
            <p class="help">
                "Every event recorded after you save is also written to this bucket, in order, as gzipped JSON Lines (one event per line, oldest first) named "
                <code>"<prefix><organization id>/<yyyy>/<mm>/<dd>/<batch number>.jsonl.gz"</code>
                ". A batch that fails is retried with growing delays under the same name, so your bucket never holds an event twice."
            </p>
            {status}
            <AuditBucketForm organization_id=org saved endpoint=b.endpoint region=b.region bucket=b.bucket prefix=b.prefix access_key_id=b.access_key_id/>
            {removal}
        </section>
    }
}

/// Where delivery to the bucket stands.
#[component]
fn DeliveryStatus(bucket: AuditBucketStatus, now: time::OffsetDateTime) -> impl IntoView {
    let state = if bucket.attempts > 0 {
        view! { <span class="badge badge-unhealthy">"Failing"</span> }.into_any()
    } else if bucket.pending > 0 {
        view! { <span class="badge badge-running">"Delivering"</span> }.into_any()
    } else {
        view! { <span class="badge badge-healthy">"Up to date"</span> }.into_any()
    };
    let last = match bucket.last_delivered_at {
        Some(at) => view! { <RelativeTime at now/> }.into_any(),
        None => view! { "Nothing written yet" }.into_any(),
    };
    let failure = bucket.last_error.map(|error| {
        let retry = bucket
            .next_attempt_at
            .map(|at| view! { " Next attempt " <RelativeTime at now/> "." });
        view! {
            <p class="field-error" id="delivery-error" role="status">
                {format!("The last {} attempt(s) failed: {error}.", bucket.attempts)}
                {retry}
            </p>
        }
    });
    view! {
        <dl class="facts" id="delivery-status">
            <dt>"Delivery"</dt><dd>{state}</dd>
            <dt>"Waiting"</dt><dd id="delivery-pending">{format!("{} event(s)", bucket.pending)}</dd>
            <dt>"Written"</dt><dd id="delivery-batches">{format!("{} object(s)", bucket.delivered_batches)}</dd>
            <dt>"Last written"</dt><dd>{last}</dd>
            <dt>"Last object"</dt><dd><code>{bucket.last_object.unwrap_or_default()}</code></dd>
            <dt>"Secret"</dt><dd>{format!("…{}", bucket.secret_hint)}</dd>
        </dl>
        {failure}
    }
}
