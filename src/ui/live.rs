//! Parts of a page that keep themselves current: a region's data planes with their health,
//! refreshed every few seconds while the page is hydrated, whether a new credential's agent
//! has connected yet, and how a workspace's runs are going. Without JavaScript the server
//! renders the same view, current as of the page load.

use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::{DataPlane, Health, Run};
use crate::paths;
use crate::read::regions::{Liveness, SPARKLINE_WINDOW};
use crate::server_fns::data_planes::{ConnectionStatus, agent_connection};
use crate::server_fns::regions::region_liveness;
use crate::server_fns::work::{recent_runs, run_state};
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

/// "12 s", "3 min 4 s", "1 h 2 min".
pub fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// A workspace's latest runs (or one job's), kept current while any is queued or running.
/// Without JavaScript the table is as of the page load (the page says so).
#[island]
pub fn LiveRuns(
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Option<Uuid>,
    runs: Vec<Run>,
    now: time::OffsetDateTime,
) -> impl IntoView {
    let (runs, set_runs) = signal(runs);
    let (now, set_now) = signal(now);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if runs.with_untracked(|r| r.iter().all(|r| r.status().is_final())) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = recent_runs(organization_id, workspace_id, job_id).await {
                        set_now.set(fresh.now);
                        set_runs.set(fresh.runs);
                    }
                });
            },
            RUNS_EVERY,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        {move || {
            let rows = runs.get();
            if rows.is_empty() {
                return view! { <EmptyState title="No runs yet" hint="Run a job now, or give it a schedule."/> }.into_any();
            }
            let now = now.get();
            let rows = rows
                .into_iter()
                .map(|r| {
                    let href = paths::run(organization_id, workspace_id, r.id);
                    let took = r.duration_seconds(now).map(duration).unwrap_or_default();
                    let outcome = match (r.exit_code, &r.reason) {
                        (_, Some(reason)) => reason.clone(),
                        (Some(code), None) => format!("Exit code {code}"),
                        _ => String::new(),
                    };
                    let plane = r.data_plane_name.clone().unwrap_or_default();
                    view! {
                        <tr>
                            <td><a href=href>{r.job_name.clone()}</a><span class="muted">{format!(" #{}", r.attempt)}</span></td>
                            <td><RunStatusBadge status=r.status.clone()/></td>
                            <td>{relative(r.queued_at, now)}</td>
                            <td>{took}</td>
                            <td>{plane}</td>
                            <td class="wrap">{outcome}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-scroll">
                    <table class="table" id="runs" aria-live="polite">
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
        }}
    }
}

/// A run's facts, kept current while it is queued or running.
#[island]
pub fn LiveRun(
    organization_id: Uuid,
    workspace_id: Uuid,
    run: Run,
    now: time::OffsetDateTime,
) -> impl IntoView {
    let (run, set_run) = signal(run);
    let (now, set_now) = signal(now);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if run.with_untracked(|r| r.status().is_final()) {
                    return;
                }
                let id = run.with_untracked(|r| r.id);
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = run_state(organization_id, workspace_id, id).await
                        && let Some(latest) = fresh.runs.into_iter().next()
                    {
                        set_now.set(fresh.now);
                        set_run.set(latest);
                    }
                });
            },
            RUNS_EVERY,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        {move || {
            let r = run.get();
            let now = now.get();
            let at = |t: Option<time::OffsetDateTime>| t.map(|t| relative(t, now)).unwrap_or_else(|| "—".to_owned());
            let version = r.deployment_version.map(|v| format!(" version {v}")).unwrap_or_default();
            view! {
                <dl class="facts" id="run-facts" aria-live="polite">
                    <dt>"Status"</dt><dd><RunStatusBadge status=r.status.clone()/></dd>
                    {r.reason.clone().map(|reason| view! { <dt>"Why"</dt><dd>{reason}</dd> })}
                    <dt>"Deployment"</dt><dd><code>{format!("{}{version}", r.deployment)}</code></dd>
                    <dt>"Attempt"</dt><dd>{format!("{} ({})", r.attempt, r.trigger)}</dd>
                    <dt>"Data plane"</dt><dd>{r.data_plane_name.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Queued"</dt><dd>{relative(r.queued_at, now)}</dd>
                    <dt>"Started"</dt><dd>{at(r.started_at)}</dd>
                    <dt>"Ended"</dt><dd>{at(r.ended_at)}</dd>
                    <dt>"Duration"</dt><dd>{r.duration_seconds(now).map(duration).unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Exit code"</dt><dd>{r.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Output"</dt><dd>{r.output_bytes.map(|b| format!("{b} bytes, kept in the region")).unwrap_or_else(|| "—".to_owned())}</dd>
                </dl>
            }
        }}
    }
}
