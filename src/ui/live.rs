//! Parts of a page that keep themselves current: a region's data planes with their health,
//! refreshed every few seconds while the page is hydrated, whether a new credential's agent
//! has connected yet, and how a workspace's runs are going. Without JavaScript the server
//! renders the same view, current as of the page load.

use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::{DataPlane, Health};
use crate::paths;
use crate::read::regions::{Liveness, SPARKLINE_WINDOW};
use crate::server_fns::data_planes::{ConnectionStatus, agent_connection};
use crate::server_fns::regions::region_liveness;
use crate::server_fns::work::{LiveFragment, runs_fragment};
use crate::ui::components::{EmptyState, EnabledBadge, relative};

/// How often a hydrated page asks for fresh health.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

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
pub fn rollup(planes: &[&DataPlane], liveness: &Liveness) -> String {
    let healthy = planes
        .iter()
        .filter(|p| p.health_at(liveness.now, &liveness.thresholds) == Health::Healthy)
        .count();
    format!("{healthy} of {} healthy", planes.len())
}

/// A region's data planes (or `only` one of them) with health, version, host, last heartbeat
/// and activity, kept current while hydrated. `manage` shows the admin's links.
#[island]
pub fn RegionDataPlanes(
    organization_id: Uuid,
    region_id: Uuid,
    liveness: Liveness,
    only: Option<Uuid>,
    manage: bool,
) -> impl IntoView {
    let (live, set_live) = signal(liveness);
    // Effects run only in the browser: the server renders once, the page then polls.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = region_liveness(organization_id, region_id).await {
                        set_live.set(fresh);
                    }
                });
            },
            REFRESH_EVERY,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    move || {
        let l = live.get();
        let planes: Vec<&DataPlane> = l
            .planes
            .iter()
            .filter(|p| p.region_id == region_id && only.is_none_or(|id| id == p.id))
            .collect();
        if planes.is_empty() {
            return view! { <EmptyState title="No data planes" hint="Add a data plane to this region so its workspaces have somewhere to run."/> }.into_any();
        }
        let summary = rollup(&planes, &l);
        let rows = planes
            .iter()
            .map(|d| plane_row(d, &l, organization_id, manage))
            .collect_view();
        view! {
            <p class="rollup" aria-live="polite">{summary}</p>
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
        }
        .into_any()
    }
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

/// How often the credentials page asks whether the agent has connected.
const CONNECTION_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// On a credentials page: "Waiting for the agent to connect…" until an agent first uses the
/// credential shown, then "Connected" with the version and host it reported; kept current
/// while hydrated. The link to the data plane's page is the way to check without JavaScript.
#[island]
pub fn AgentConnectionStatus(
    organization_id: Uuid,
    region_id: Uuid,
    data_plane_id: Uuid,
    credential_id: Uuid,
) -> impl IntoView {
    let (status, set_status) = signal(ConnectionStatus::default());
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if status.get_untracked().connected {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) =
                        agent_connection(organization_id, data_plane_id, credential_id).await
                    {
                        set_status.set(fresh);
                    }
                });
            },
            CONNECTION_EVERY,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    let page = paths::data_plane(organization_id, region_id, data_plane_id);
    view! {
        <div class="agent-connection" aria-live="polite" id="agent-connection">
            {move || {
                let s = status.get();
                if s.connected {
                    let agent = match (s.version, s.hostname) {
                        (Some(v), Some(h)) => format!("version {v} on {h}"),
                        (Some(v), None) => format!("version {v}"),
                        _ => "the agent reported in".to_owned(),
                    };
                    view! { <p><HealthBadge health=Health::Healthy/> " Connected: " {agent} "."</p> }.into_any()
                } else {
                    view! { <p><HealthBadge health=Health::Unknown/> " Waiting for the agent to connect…"</p> }.into_any()
                }
            }}
        </div>
        <p class="help">
            "Once the agent runs it connects within seconds. "
            <a href=page>"Open the data plane's page"</a>
            " to see its health (without JavaScript this page does not update by itself)."
        </p>
    }
}

/// How often a hydrated page asks how its runs are doing while any is unfinished.
const RUNS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs (a table of a workspace's or a job's latest runs, or one run's facts), kept current
/// while any of them is queued or running. The server renders the fragment, the first time
/// and at every refresh: the browser only swaps it in, so this island stays tiny. Without
/// JavaScript it is as of the page load.
#[island]
pub fn LiveRuns(
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Option<Uuid>,
    run_id: Option<Uuid>,
    fragment: LiveFragment,
) -> impl IntoView {
    let (fragment, set_fragment) = signal(fragment);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if fragment.with_untracked(|f| f.done) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) =
                        runs_fragment(organization_id, workspace_id, job_id, run_id).await
                    {
                        set_fragment.set(fresh);
                    }
                });
            },
            RUNS_EVERY,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! { <div class="live-runs" aria-live="polite" inner_html=move || fragment.get().html></div> }
}
