//! Parts of pages that keep themselves current: a region's data planes with their health,
//! whether a new credential's agent has connected, a workspace's runs. The server renders
//! them inside their pages and, for a hydrated page, alone every few seconds; the browser only
//! swaps the HTML in (`ui::live`), so none of this rendering is in its code. They sit below
//! the pages and the server functions so that both render them the same way.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{DataPlane, Health, Run};
use crate::paths;
use crate::read::regions::{Liveness, SPARKLINE_WINDOW};
use crate::wording::relative;

/// A part of a page rendered on the server: its HTML, and whether nothing in it will change
/// any more (so there is nothing left to refresh).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveFragment {
    pub html: String,
    pub done: bool,
}

/// What a live part of a page shows, which says where its fresh HTML comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum LiveSource {
    /// A region's data planes, or only one of them.
    DataPlanes {
        organization_id: Uuid,
        region_id: Uuid,
        only: Option<Uuid>,
    },
    /// Whether an agent has connected with a new credential.
    AgentConnection {
        organization_id: Uuid,
        data_plane_id: Uuid,
        credential_id: Uuid,
    },
    /// A workspace's latest runs, a job's, or one run's facts.
    Runs {
        organization_id: Uuid,
        workspace_id: Uuid,
        job_id: Option<Uuid>,
        run_id: Option<Uuid>,
    },
}

impl LiveSource {
    /// How often a hydrated page asks for a fresh rendering.
    pub fn every(&self) -> std::time::Duration {
        let seconds = match self {
            // Health moves at the pace of heartbeats.
            LiveSource::DataPlanes { .. } => 5,
            // Someone is waiting for these.
            LiveSource::AgentConnection { .. } | LiveSource::Runs { .. } => 2,
        };
        std::time::Duration::from_secs(seconds)
    }

    /// Whether someone is waiting for what it shows (a connection, a run's end), so that a
    /// screen reader should tell them when it changes.
    pub fn awaited(&self) -> bool {
        !matches!(self, LiveSource::DataPlanes { .. })
    }
}

impl LiveFragment {
    /// A region's data planes (or `only` one) with their health; `manage` adds the admin's
    /// links. Never done: health changes whenever heartbeats stop.
    pub fn data_planes(
        organization_id: Uuid,
        region_id: Uuid,
        only: Option<Uuid>,
        liveness: &Liveness,
        manage: bool,
    ) -> LiveFragment {
        let planes: Vec<&DataPlane> = liveness
            .planes
            .iter()
            .filter(|p| p.region_id == region_id && only.is_none_or(|id| id == p.id))
            .collect();
        LiveFragment {
            html: data_planes_view(
                &planes,
                liveness,
                organization_id,
                region_id,
                manage,
                only.is_none(),
            )
            .to_html(),
            done: false,
        }
    }

    /// Whether the agent has connected yet; done once it has.
    pub fn connection(status: ConnectionStatus) -> LiveFragment {
        let done = status.connected;
        LiveFragment {
            html: view! { <ConnectionView status/> }.to_html(),
            done,
        }
    }

    /// The runs table.
    pub fn table(rows: Vec<RunRow>) -> LiveFragment {
        let done = rows.iter().all(|r| r.done);
        LiveFragment {
            html: view! { <RunsTable rows/> }.to_html(),
            done,
        }
    }

    /// One run's facts.
    pub fn facts(facts: RunFacts) -> LiveFragment {
        let done = facts.done;
        LiveFragment {
            html: view! { <RunFactsList facts/> }.to_html(),
            done,
        }
    }
}

/// "Enabled" / "Disabled", in words, not colour alone.
#[component]
pub fn EnabledBadge(enabled: bool) -> impl IntoView {
    if enabled {
        view! { <span class="badge badge-enabled">"Enabled"</span> }
    } else {
        view! { <span class="badge badge-disabled">"Disabled"</span> }
    }
}

/// What an empty list says: what it would hold, and what to do first.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] hint: String,
    /// The next action as (label, link), for those who may take it.
    #[prop(default = None)]
    action: Option<(String, String)>,
) -> impl IntoView {
    let action =
        action.map(|(label, href)| view! { <p><a class="button" href=href>{label}</a></p> });
    view! {
        <div class="empty-state">
            <p class="empty-title">{title}</p>
            <p>{hint}</p>
            {action}
        </div>
    }
}

/// A health state in words, with its colour.
#[component]
pub fn HealthBadge(health: Health) -> impl IntoView {
    let (class, label, hint) = match health {
        Health::Healthy => ("badge badge-healthy", "Healthy", "Reported in recently"),
        Health::Degraded => (
            "badge badge-degraded",
            "Degraded",
            "Its last heartbeat is late",
        ),
        Health::Unhealthy => (
            "badge badge-unhealthy",
            "Unhealthy",
            "No heartbeat for a long time",
        ),
        Health::Unknown => (
            "badge badge-unknown",
            "Never connected",
            "No heartbeat received yet",
        ),
    };
    view! { <span class=class title=hint>{label}</span> }
}

/// Recent heartbeats as ticks on a line, newest on the right: a steady comb is a healthy
/// data plane, a gap an outage.
#[component]
pub fn Sparkline(beats: Vec<i64>) -> impl IntoView {
    let window = SPARKLINE_WINDOW.whole_seconds() as f64;
    let ticks = beats
        .iter()
        .filter(|age| (0.0..=window).contains(&(**age as f64)))
        .map(|age| {
            let x = format!("{:.1}", 100.0 - (*age as f64) / window * 100.0);
            view! { <line x1=x.clone() y1="3" x2=x y2="17"/> }
        })
        .collect_view();
    let label = format!(
        "{} heartbeats in the last {} minutes",
        beats.len(),
        SPARKLINE_WINDOW.whole_minutes()
    );
    let title = label.clone();
    view! {
        <svg class="sparkline" viewBox="0 0 100 20" width="100" height="20" role="img" aria-label=label>
            <title>{title}</title>
            <line class="baseline" x1="0" y1="19" x2="100" y2="19"/>
            {ticks}
        </svg>
    }
}

/// "2 of 3 healthy".
fn rollup(planes: &[&DataPlane], liveness: &Liveness) -> String {
    let healthy = planes
        .iter()
        .filter(|p| p.health_at(liveness.now, &liveness.thresholds) == Health::Healthy)
        .count();
    format!("{healthy} of {} healthy", planes.len())
}

fn data_planes_view(
    planes: &[&DataPlane],
    l: &Liveness,
    organization_id: Uuid,
    region_id: Uuid,
    manage: bool,
    // A whole region's planes: say so when none of them can take its work now.
    whole_region: bool,
) -> AnyView {
    if planes.is_empty() {
        // The region's page has the form; a region card links to it.
        let action = manage.then(|| {
            let region = crate::paths::region(organization_id, region_id);
            (
                "Add a data plane".to_owned(),
                format!("{region}#new-plane-name"),
            )
        });
        return view! { <EmptyState title="No data planes" hint="Add a data plane to this region so its workspaces have somewhere to run." action/> }.into_any();
    }
    let summary = rollup(planes, l);
    let down = whole_region
        && !planes
            .iter()
            .any(|p| p.enabled && p.health_at(l.now, &l.thresholds) == Health::Healthy);
    let banner = down.then(|| {
        view! {
            <div class="warning region-down" role="note">
                <strong>"No healthy data plane in this region."</strong>
                " Its workspaces' work waits until one reports in. "
                {manage.then(|| view! { <a href=crate::paths::webhooks(organization_id)>"Get alerted by webhook"</a> })}
            </div>
        }
    });
    let rows = planes
        .iter()
        .map(|d| plane_row(d, l, organization_id, manage))
        .collect_view();
    view! {
        {banner}
        <p class="rollup">{summary}</p>
        <div class="table-scroll">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Data plane"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Health"</th>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Last 5 minutes"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn plane_row(d: &DataPlane, l: &Liveness, org: Uuid, manage: bool) -> impl IntoView + use<> {
    let health = d.health_at(l.now, &l.thresholds);
    let base = paths::data_plane(org, d.region_id, d.id);
    let last = match d.last_heartbeat_at {
        Some(at) => format!("last heartbeat {}", relative(at, l.now)),
        None => "no heartbeat yet".to_owned(),
    };
    let skew = d
        .version
        .as_deref()
        .filter(|v| *v != l.control_plane_version)
        .map(|v| {
            let note = format!(
                "Runs {v}; the control plane runs {}. Upgrade the agent.",
                l.control_plane_version
            );
            view! { <span class="badge badge-degraded" title=note.clone() aria-label=note>"Version skew"</span> }
        });
    let agent = match (&d.version, &d.hostname) {
        (Some(v), Some(h)) => format!("{v} on {h}"),
        (Some(v), None) => v.clone(),
        _ => "—".to_owned(),
    };
    let actions = manage.then(|| {
        let toggle = if d.enabled { "Disable" } else { "Enable" };
        view! {
            <a href=format!("{base}/disable")>{toggle}</a>
            <a href=format!("{base}/delete") class="danger-link">"Delete"</a>
        }
    });
    view! {
        <tr>
            <td><a href=base.clone()>{d.name.clone()}</a></td>
            <td><EnabledBadge enabled=d.enabled/></td>
            <td>
                <HealthBadge health/>
                <span class="muted small">{last}</span>
            </td>
            <td>
                {agent} {skew}
                {d.url.clone().map(|url| view! { <span class="muted small">" · "  <code>{url}</code></span> })}
            </td>
            <td><Sparkline beats=l.beats_of(d.id).to_vec()/></td>
            <td class="row-actions">{actions}</td>
        </tr>
    }
}

/// Whether an agent has used a credential yet, and what it reported: what the credentials
/// page waits for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    pub connected: bool,
    pub version: Option<String>,
    pub hostname: Option<String>,
}

/// "Waiting for the agent to connect…", or "Connected" with what the agent reported.
#[component]
fn ConnectionView(status: ConnectionStatus) -> impl IntoView {
    if !status.connected {
        return view! { <p><HealthBadge health=Health::Unknown/> " Waiting for the agent to connect…"</p> }.into_any();
    }
    let agent = match (status.version, status.hostname) {
        (Some(v), Some(h)) => format!("version {v} on {h}"),
        (Some(v), None) => format!("version {v}"),
        _ => "the agent reported in".to_owned(),
    };
    view! { <p><HealthBadge health=Health::Healthy/> " Connected: " {agent} "."</p> }.into_any()
}

/// A run as the runs tables show it, worded on the server (the browser only shows it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub href: String,
    pub job: String,
    /// "#2".
    pub attempt: String,
    pub status: String,
    pub queued: String,
    pub took: String,
    pub data_plane: String,
    /// The reason, or the exit code.
    pub outcome: String,
    /// Whether nothing will change it any more.
    pub done: bool,
}

impl RunRow {
    pub fn of(run: &Run, now: time::OffsetDateTime) -> RunRow {
        use crate::wording::{duration, relative};
        RunRow {
            href: crate::paths::run(run.organization_id, run.workspace_id, run.id),
            job: run.job_name.clone(),
            attempt: format!("#{}", run.attempt),
            status: run.status.clone(),
            queued: relative(run.queued_at, now),
            took: run.duration_seconds(now).map(duration).unwrap_or_default(),
            data_plane: run.data_plane_name.clone().unwrap_or_default(),
            outcome: match (run.exit_code, &run.reason) {
                (_, Some(reason)) => reason.clone(),
                (Some(code), None) => format!("Exit code {code}"),
                _ => String::new(),
            },
            done: run.status().is_final(),
        }
    }

    pub fn all(runs: &[Run], now: time::OffsetDateTime) -> Vec<RunRow> {
        runs.iter().map(|r| RunRow::of(r, now)).collect()
    }
}

/// A run's facts as its page lists them, worded on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunFacts {
    pub status: String,
    pub done: bool,
    /// (what, value), in order.
    pub facts: Vec<(String, String)>,
}

impl RunFacts {
    pub fn of(run: &Run, now: time::OffsetDateTime) -> RunFacts {
        use crate::wording::{duration, relative};
        let none = || "—".to_owned();
        let at = |t: Option<time::OffsetDateTime>| t.map(|t| relative(t, now)).unwrap_or_else(none);
        let version = run
            .deployment_version
            .map(|v| format!(" version {v}"))
            .unwrap_or_default();
        let mut facts = Vec::new();
        if let Some(reason) = &run.reason {
            facts.push(("Why".to_owned(), reason.clone()));
        }
        facts.extend([
            (
                "Deployment".to_owned(),
                format!("{}{version}", run.deployment),
            ),
            (
                "Attempt".to_owned(),
                format!("{} ({})", run.attempt, run.trigger),
            ),
            (
                "Data plane".to_owned(),
                run.data_plane_name.clone().unwrap_or_else(none),
            ),
            ("Queued".to_owned(), relative(run.queued_at, now)),
            ("Started".to_owned(), at(run.started_at)),
            ("Ended".to_owned(), at(run.ended_at)),
            (
                "Duration".to_owned(),
                run.duration_seconds(now).map(duration).unwrap_or_else(none),
            ),
            (
                "Exit code".to_owned(),
                run.exit_code.map(|c| c.to_string()).unwrap_or_else(none),
            ),
            (
                "Output".to_owned(),
                run.output_bytes
                    .map(|b| format!("{b} bytes, kept in the region"))
                    .unwrap_or_else(none),
            ),
        ]);
        RunFacts {
            status: run.status.clone(),
            done: run.status().is_final(),
            facts,
        }
    }
}

/// A run's state in words, with its colour.
#[component]
pub fn RunStatusBadge(status: String) -> impl IntoView {
    let class = match status.as_str() {
        "succeeded" => "badge badge-healthy",
        "running" => "badge badge-running",
        "queued" => "badge badge-unknown",
        "failed" | "lost" => "badge badge-unhealthy",
        _ => "badge badge-disabled",
    };
    let label = match status.as_str() {
        "queued" => "Queued",
        "running" => "Running",
        "succeeded" => "Succeeded",
        "failed" => "Failed",
        "cancelled" => "Cancelled",
        "lost" => "Lost",
        other => other,
    }
    .to_owned();
    view! { <span class=class>{label}</span> }
}

/// The runs table (rows worded by [`RunRow`]).
#[component]
pub fn RunsTable(rows: Vec<RunRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <div class="empty-state" id="runs">
                <p class="empty-title">"No runs yet"</p>
                <p>"Run a job now, or give it a schedule."</p>
            </div>
        }
        .into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td><a href=r.href>{r.job}</a>" "<span class="muted">{r.attempt}</span></td>
                    <td><RunStatusBadge status=r.status/></td>
                    <td>{r.queued}</td>
                    <td>{r.took}</td>
                    <td>{r.data_plane}</td>
                    <td class="wrap">{r.outcome}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="table" id="runs">
                <thead>
                    <tr>
                        <th scope="col">"Run"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Queued"</th>
                        <th scope="col">"Took"</th>
                        <th scope="col">"Data plane"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A run's facts (worded by [`RunFacts`]).
#[component]
pub fn RunFactsList(facts: RunFacts) -> impl IntoView {
    let rows = facts
        .facts
        .into_iter()
        .map(|(what, value)| view! { <dt>{what}</dt><dd>{value}</dd> })
        .collect_view();
    view! {
        <dl class="facts" id="run-facts">
            <dt>"Status"</dt><dd><RunStatusBadge status=facts.status/></dd>
            {rows}
        </dl>
    }
}
