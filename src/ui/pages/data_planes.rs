//! Data plane pages: a data plane's own page (health, regional API, work and draining,
//! secrets), the credentials shown once after creation, and the confirmations for disabling
//! and deleting a data plane.

use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::{DataPlane, Health, Region};
use crate::error::AppError;
use crate::fragments::{ConnectionStatus, LiveFragment, LiveSource};
use crate::paths;
use crate::server_fns::data_planes::{
    DataPlaneData, HealthHistory, NewCredentials, data_plane_page, reveal_credentials,
};
use crate::server_fns::regions::{RegionData, region_page};
use crate::ui::components::{
    CredentialsGone, CredentialsOnce, EmptyState, EnabledBadge, Notice, PageHeader, RelativeTime,
    Snippet, WorkspaceLinks, loaded, path_resource, use_id_param,
};
use crate::ui::forms::{
    DeleteDataPlaneForm, RenameDataPlaneForm, RevokeSecretForm, RotateSecretForm,
    SetDataPlaneEnabledForm, SetDrainingForm,
};
use crate::ui::live::Live;

/// The data plane named by the path, with its region and what losing it would mean.
fn data_plane_resource() -> Resource<Result<(Region, DataPlane, LastPlane), AppError>> {
    path_resource(
        ["org", "region", "dataplane"],
        "data plane",
        || (),
        |[org, region, plane], ()| async move {
            let RegionData { overview, meta, .. } = region_page(org, region).await?;
            let found = overview.data_planes.iter().find(|d| d.id == plane).cloned();
            let found = found.ok_or_else(|| AppError::not_found("data plane"))?;
            let healthy = overview.healthy_planes(meta.now, &meta.thresholds);
            let this_one_healthy = found.is_usable(&overview.region)
                && found.health_at(meta.now, &meta.thresholds) == Health::Healthy;
            let last = LastPlane {
                is_last: this_one_healthy && healthy == 1,
                workspaces: overview.workspace_count,
            };
            Ok((overview.region, found, last))
        },
    )
}

/// Whether a data plane is the last healthy one of its region, whose workspaces would then
/// have nowhere to run.
#[derive(Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct LastPlane {
    is_last: bool,
    workspaces: i64,
}

/// The warning before disabling or deleting the last healthy data plane of a region.
#[component]
fn LastPlaneWarning(last: LastPlane, plane: String, region: String) -> impl IntoView {
    last.is_last.then(|| {
        let (noun, verb) = if last.workspaces == 1 { ("workspace", "has") } else { ("workspaces", "have") };
        view! {
            <div class="warning" role="note">
                <strong>{format!("{plane} is the last healthy data plane of region {region}.")}</strong>
                {format!(" Without it the region's {} {noun} {verb} nowhere to run: work waits until another data plane of the region reports in.", last.workspaces)}
            </div>
        }
    })
}

#[component]
pub fn CredentialsPage() -> impl IntoView {
    let org = use_id_param("org");
    let region = use_id_param("region");
    let data = path_resource(
        ["org", "dataplane"],
        "data plane",
        || (),
        |[org, plane], ()| reveal_credentials(org, plane),
    );
    let back = move || {
        paths::region(
            org.get().unwrap_or_default(),
            region.get().unwrap_or_default(),
        )
    };
    let plane = use_id_param("dataplane");
    let plane_page = move || {
        paths::data_plane(
            org.get().unwrap_or_default(),
            region.get().unwrap_or_default(),
            plane.get().unwrap_or_default(),
        )
    };
    view! {
        {loaded(data, move |credentials: Option<NewCredentials>| match credentials {
            Some(c) => view! { <SecretCard credentials=c back=back() organization_id=org.get().unwrap_or_default()/> }.into_any(),
            None => view! {
                <CredentialsGone
                    title="Credentials no longer shown"
                    lead="A data plane's client secret is shown exactly once, right after it is created."
                    remedy="If it was lost, use Rotate secret on the data plane's page: a new secret is shown once, and the lost one can then be revoked."
                    back=plane_page()
                    back_label="Rotate secret on the data plane's page"
                />
            }
            .into_any(),
        })}
    }
}

/// The client id and secret of a new data plane, with what to paste into the agent's
/// environment.
#[component]
fn SecretCard(credentials: NewCredentials, back: String, organization_id: Uuid) -> impl IntoView {
    let org = organization_id;
    let NewCredentials {
        data_plane_id: plane,
        credential_id: credential,
        region_id: region,
        data_plane_name,
        region_name,
        client_id,
        client_secret,
        public_url,
        rotated,
        ..
    } = credentials;
    let (title, lead) = if rotated {
        (
            format!("New secret for data plane {data_plane_name}"),
            format!(
                "In region {region_name}. The previous secret keeps working until you revoke it: move the agent over, then revoke the old one."
            ),
        )
    } else {
        (
            format!("Data plane {data_plane_name} created"),
            format!("In region {region_name}. Configure its agent with these credentials."),
        )
    };
    // The regional API lines are commented out: a data plane may only report in, but serving
    // its workspaces' secrets and configuration needs an address clients can reach.
    let snippet = format!(
        "MERIDIAN_URL={public_url}\nDATAPLANE_CLIENT_ID={client_id}\nDATAPLANE_CLIENT_SECRET={client_secret}\n\
         # To serve the region's secrets and configuration (see the README):\n\
         # DATAPLANE_LISTEN=0.0.0.0:4100\n\
         # DATAPLANE_PUBLIC_URL=https://dataplane.example.com:4100"
    );
    view! {
        <PageHeader title lead/>
        <CredentialsOnce client_id client_secret snippet_title="Agent environment" snippet back>
            "Paste into the environment of " <code>"meridian-dataplane"</code> " on the data plane's host."
        </CredentialsOnce>
        <section class="panel" aria-labelledby="run-heading">
            <h2 id="run-heading">"Run the agent"</h2>
            <Snippet
                id="systemd-snippet"
                title="On a host, with systemd"
                help="Save the agent environment above as /etc/meridian-dataplane.env (readable by root only), then:"
                text=SYSTEMD_SNIPPET.to_owned()
            />
            <Snippet
                id="container-snippet"
                title="In a container"
                help="Save the agent environment above as meridian-dataplane.env, then run your image of the agent:"
                text=CONTAINER_SNIPPET.to_owned()
            />
        </section>
        <section class="panel" aria-labelledby="connection-heading">
            <h2 id="connection-heading">"Connection"</h2>
            <Live source=LiveSource::AgentConnection { organization_id: org, data_plane_id: plane, credential_id: credential } fragment=LiveFragment::connection(ConnectionStatus::default()) id="agent-connection".into()/>
            <p class="help">
                "Once the agent runs it connects within seconds. "
                <a href=paths::data_plane(org, region, plane)>"Open the data plane's page"</a>
                " to see its health (without JavaScript this page does not update by itself)."
            </p>
        </section>
    }
}

/// A systemd unit for the agent: restarts it unless its configuration or credentials are what
/// is wrong (exit codes 2 and 3), keeps its store in a state directory of its own.
const SYSTEMD_SNIPPET: &str = r#"sudo tee /etc/systemd/system/meridian-dataplane.service >/dev/null <<'UNIT'
[Unit]
Description=Meridian data plane agent
Wants=network-online.target
After=network-online.target

[Service]
EnvironmentFile=/etc/meridian-dataplane.env
Environment=DATAPLANE_DATA_DIR=/var/lib/meridian-dataplane
StateDirectory=meridian-dataplane
DynamicUser=yes
ExecStart=/usr/local/bin/meridian-dataplane
Restart=on-failure
RestartPreventExitStatus=2 3

[Install]
WantedBy=multi-user.target
UNIT
sudo systemctl daemon-reload && sudo systemctl enable --now meridian-dataplane
journalctl -u meridian-dataplane -f"#;

/// The same in a container: the store on a volume, the regional API published.
const CONTAINER_SNIPPET: &str = r#"docker run -d --name meridian-dataplane --restart unless-stopped \
  --env-file meridian-dataplane.env \
  -e DATAPLANE_DATA_DIR=/data -v meridian-dataplane:/data \
  -p 4100:4100 <your-registry>/meridian-dataplane
docker logs -f meridian-dataplane"#;

#[component]
pub fn DisableDataPlanePage() -> impl IntoView {
    let data = data_plane_resource();
    view! {
        {loaded(data, move |(region, plane, last): (Region, DataPlane, LastPlane)| {
            let org = region.organization_id;
            let warning = plane.enabled.then(|| view! { <LastPlaneWarning last plane=plane.name.clone() region=region.name.clone()/> });
            let (title, lead, consequence, button, enabled) = if plane.enabled {
                (
                    format!("Disable data plane {}?", plane.name),
                    "A disabled data plane stops taking work.",
                    format!("{} answers \"disabled\" at its next heartbeat and stops taking work; other data planes of {} carry on.", plane.name, region.name),
                    "Disable data plane",
                    false,
                )
            } else {
                (
                    format!("Enable data plane {}?", plane.name),
                    "An enabled data plane takes work for its region's workspaces.",
                    format!("{} takes work again from its next heartbeat.", plane.name),
                    "Enable data plane",
                    true,
                )
            };
            view! {
                <PageHeader title lead/>
                <section class="panel confirm">
                    {warning}
                    <ul class="consequences"><li>{consequence}</li></ul>
                    <SetDataPlaneEnabledForm organization_id=org data_plane_id=plane.id revision=plane.revision enabled label=button.into() cancel=paths::region(org, region.id)/>
                </section>
            }
        })}
    }
}

#[component]
pub fn DeleteDataPlanePage() -> impl IntoView {
    let data = data_plane_resource();
    view! {
        {loaded(data, move |(region, plane, last): (Region, DataPlane, LastPlane)| {
            let org = region.organization_id;
            view! {
                <PageHeader title=format!("Delete data plane {}?", plane.name) lead="This cannot be undone." crumbs=vec![("Regions".to_owned(), paths::regions(org)), (region.name.clone(), paths::region(org, region.id)), (plane.name.clone(), paths::data_plane(org, region.id, plane.id))]/>
                <section class="panel confirm">
                    <LastPlaneWarning last plane=plane.name.clone() region=region.name.clone()/>
                    <ul class="consequences">
                        <li>"The data plane " <strong>{plane.name.clone()}</strong> " is removed from region " {region.name.clone()} "."</li>
                        <li>"Its credentials stop working: its agent is refused at its next token exchange."</li>
                    </ul>
                    <DeleteDataPlaneForm organization_id=org data_plane_id=plane.id cancel=paths::region(org, region.id)/>
                </section>
            }
        })}
    }
}

/// A data plane's own page: health, agent, recent heartbeats, and its secrets with rotation.
#[component]
pub fn DataPlanePage() -> impl IntoView {
    // The organization whose settings these are: a managed region belongs to another.
    let viewer = use_id_param("org");
    let data = path_resource(
        ["org", "dataplane"],
        "data plane",
        || (),
        |[org, plane], ()| data_plane_page(org, plane),
    );
    view! {
        {loaded(data, move |d: DataPlaneData| {
            let org = viewer.get().unwrap_or(d.region.organization_id);
            let plane = d.data_plane.clone();
            let region = d.region.clone();
            let manage = d.meta.can_manage;
            let secrets = secrets_table(&d, manage);
            let rotate = manage.then(|| view! {
                <p class="help">"Rotation issues a second secret while the current one keeps working, so the agent can move over without downtime. Revoke the old one afterwards."</p>
                <RotateSecretForm organization_id=org data_plane_id=plane.id/>
            });
            view! {
                <PageHeader title=format!("Data plane {}", plane.name) lead=format!("In region {}.", region.name) crumbs=vec![("Regions".to_owned(), paths::regions(org)), (region.name.clone(), paths::region(org, region.id))]>
                    <EnabledBadge enabled=plane.enabled/>
                </PageHeader>
                <Notice notice=d.meta.notice/>
                <section class="panel" aria-labelledby="health-heading">
                    <h2 id="health-heading">"Health"</h2>
                    <Live source=LiveSource::DataPlanes { organization_id: org, region_id: region.id, only: Some(plane.id) } fragment=LiveFragment::data_planes(org, region.id, Some(plane.id), &d.liveness, false) id="data-plane-health".into()/>
                </section>
                <section class="panel" aria-labelledby="regional-heading">
                    <h2 id="regional-heading">"Regional API"</h2>
                    {match plane.url.clone() {
                        Some(url) => view! {
                            <p>"Clients reach this data plane at " <code>{url}</code> " with a scoped token from the control plane. Secrets and configuration stay in the region there."</p>
                        }.into_any(),
                        None => view! {
                            <p class="muted">"Not reported yet. Set " <code>"DATAPLANE_LISTEN"</code> " and " <code>"DATAPLANE_PUBLIC_URL"</code> " on the agent to serve the region's secrets and configuration."</p>
                        }.into_any(),
                    }}
                </section>
                <section class="panel" aria-labelledby="work-heading">
                    <h2 id="work-heading">"Work"</h2>
                    {work_section(org, &plane, manage)}
                </section>
                <section class="panel" aria-labelledby="history-heading">
                    <h2 id="history-heading">"Last 24 hours"</h2>
                    <HistoryStrip history=d.history.clone()/>
                </section>
                <section class="panel" aria-labelledby="served-heading">
                    <h2 id="served-heading">"Workspaces it serves"</h2>
                    {if d.workspace_count == 0 {
                        view! { <EmptyState title="No workspace lives in this region" hint="Create a workspace in this region, or move one here, and this data plane runs its work."/> }.into_any()
                    } else {
                        view! {
                            <p class="help">{format!("Every data plane of {} runs the work of the region's workspaces.", region.name)}</p>
                            <WorkspaceLinks org workspaces=d.workspaces.clone() total=d.workspace_count/>
                        }.into_any()
                    }}
                </section>
                <section class="panel" aria-labelledby="secrets-heading">
                    <h2 id="secrets-heading">"Secrets"</h2>
                    {secrets}
                    {rotate}
                </section>
                {manage.then(|| {
                    let page = paths::data_plane(org, region.id, plane.id);
                    let toggle = if plane.enabled { "Disable data plane…" } else { "Enable data plane…" };
                    view! {
                        <section class="panel" aria-labelledby="plane-settings-heading">
                            <h2 id="plane-settings-heading">"Settings"</h2>
                            <RenameDataPlaneForm organization_id=org data_plane_id=plane.id revision=plane.revision name=plane.name.clone()/>
                        </section>
                        <section class="panel danger-zone" aria-labelledby="plane-danger-heading">
                            <h2 id="plane-danger-heading">"Danger zone"</h2>
                            <p class="help">"A disabled data plane takes no work; a deleted one's credentials stop working."</p>
                            <div class="button-row">
                                <a class="button" href=format!("{page}/disable")>{toggle}</a>
                                <a class="button danger" href=format!("{page}/delete")>"Delete data plane…"</a>
                            </div>
                        </section>
                    }
                })}
            }
        })}
    }
}

/// A day of heartbeats as a strip of slots (reported, silent, or before the data plane
/// existed), with the same in words: how many slots it reported in, and its latest silences.
#[component]
fn HistoryStrip(history: HealthHistory) -> impl IntoView {
    let slot = time::Duration::minutes(history.slot_minutes);
    let span = |i: usize, n: usize| {
        let start = history.since + slot * i as i32;
        let end = start + slot * n as i32;
        let hm = |t: time::OffsetDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
        (start, format!("{}–{} UTC", hm(start), hm(end)))
    };
    let (reported, existed) = history.reported();
    // Runs of silent slots as (first slot, length), newest first.
    let mut silences = Vec::new();
    let mut start = 0;
    for run in history
        .beats
        .chunk_by(|a, b| (*a == Some(0)) == (*b == Some(0)))
    {
        if run[0] == Some(0) {
            silences.push((start, run.len()));
        }
        start += run.len();
    }
    silences.reverse();
    let summary = match existed {
        0 => "Created moments ago: nothing to show yet.".to_owned(),
        1 => format!(
            "Created in the last quarter-hour: {}.",
            if reported == 1 {
                "it has sent heartbeats"
            } else {
                "no heartbeat yet"
            }
        ),
        _ => format!(
            "Sent heartbeats in {reported} of the {existed} quarter-hours it existed in the last {} hours.",
            HealthHistory::WINDOW_HOURS
        ),
    };
    let slots = history
        .beats
        .iter()
        .enumerate()
        .map(|(i, beats)| {
            let (_, when) = span(i, 1);
            let (class, title) = match beats {
                None => ("slot none", format!("{when}: did not exist yet")),
                Some(0) => ("slot down", format!("{when}: no heartbeat")),
                Some(n) => ("slot up", format!("{when}: {n} heartbeat(s)")),
            };
            view! { <span class=class title=title></span> }
        })
        .collect_view();
    let silent = (!silences.is_empty()).then(|| {
        let items = silences
            .iter()
            .take(5)
            .map(|(start, n)| {
                let (at, when) = span(*start, *n);
                view! { <li><time datetime=at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()>{when}</time></li> }
            })
            .collect_view();
        view! { <p class="help">"Latest silences:"</p><ul class="silences">{items}</ul> }
    });
    view! {
        <p id="history-summary">{summary.clone()}</p>
        <div class="history-strip" role="img" aria-label=summary>{slots}</div>
        <div class="history-axis small muted" aria-hidden="true"><span>"24 h ago"</span><span>"now"</span></div>
        {silent}
    }
}

/// What the data plane runs, whether it is draining, and the button to drain it or bring it
/// back to work.
fn work_section(org: Uuid, plane: &DataPlane, manage: bool) -> impl IntoView + use<> {
    let state = match (plane.draining, plane.running) {
        (true, 0) => {
            "Drained: it runs nothing and takes no new runs. Safe to stop its agent.".to_owned()
        }
        (true, n) => {
            format!("Draining: it finishes its {n} run(s) under way and takes no new ones.")
        }
        (false, 0) => "Taking work: it runs nothing right now.".to_owned(),
        (false, n) => format!("Taking work: {n} run(s) under way."),
    };
    let button = manage.then(|| {
        let label = if plane.draining { "Take work again" } else { "Drain" };
        view! { <SetDrainingForm organization_id=org data_plane_id=plane.id revision=plane.revision draining=!plane.draining label=label.to_owned()/> }
    });
    view! {
        <p id="work-state">{state}</p>
        <p class="help">"Draining lets it finish what it runs before you stop or upgrade it; its agent does the same when it receives SIGTERM."</p>
        {button}
    }
}

fn secrets_table(d: &DataPlaneData, manage: bool) -> impl IntoView + use<> {
    let org = d.region.organization_id;
    let now = d.meta.now;
    if d.secrets.is_empty() {
        return view! { <EmptyState title="No live secret" hint="Rotate to issue one; the agent needs it to report in."/> }.into_any();
    }
    let rows = d
        .secrets
        .iter()
        .map(|s| {
            let last_used = match s.last_used_at {
                Some(at) => view! { <RelativeTime at now/> }.into_any(),
                None => view! { <span class="muted">"Never"</span> }.into_any(),
            };
            let revoke = (manage && !s.local).then(|| {
                let href = paths::revoke_secret(org, d.region.id, d.data_plane.id, s.id);
                view! { <a href=href class="danger-link">"Revoke"</a> }
            });
            let note = s
                .local
                .then(|| view! { <span class="muted small">" (this server's own agent)"</span> });
            let hint = match &s.hint {
                Some(hint) => view! { <code>{hint.clone()}</code> }.into_any(),
                None => view! { <span class="muted">"—"</span> }.into_any(),
            };
            let in_use = s.in_use.then(|| {
                view! { <span class="badge badge-healthy" title="The agent exchanged this secret most recently">"In use"</span> }
            });
            view! {
                <tr>
                    <td><code>{s.client_id.clone()}</code>{note}</td>
                    <td>{hint} " " {in_use}</td>
                    <td><RelativeTime at=s.created_at now/></td>
                    <td>{last_used}</td>
                    <td class="row-actions">{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Client ID"</th>
                    <th scope="col">"Secret"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn RevokeSecretPage() -> impl IntoView {
    let data = path_resource(
        ["org", "dataplane"],
        "data plane",
        || (),
        |[org, plane], ()| data_plane_page(org, plane),
    );
    let secret = use_id_param("secret");
    view! {
        {loaded(data, move |d: DataPlaneData| {
            let org = d.region.organization_id;
            let plane = d.data_plane.clone();
            let back = paths::data_plane(org, d.region.id, plane.id);
            let Some(found) = d.secrets.iter().find(|s| Some(s.id) == secret.get_untracked()).cloned() else {
                return view! {
                    <CredentialsGone title="Secret already revoked" lead="This secret is no longer live." remedy="Nothing is left to revoke." back back_label="Back to the data plane"/>
                }.into_any();
            };
            let others = d.secrets.len() - 1;
            let consequence = if others == 0 {
                format!("{} has no other live secret: its agent stops reporting in until you rotate and configure a new one.", plane.name)
            } else {
                "The other live secret keeps working: make sure the agent already uses it.".to_owned()
            };
            view! {
                <PageHeader title=format!("Revoke a secret of {}?", plane.name) lead="This cannot be undone."/>
                <section class="panel confirm">
                    <ul class="consequences">
                        <li>"An agent using it is refused at its next heartbeat or token exchange, and exits."</li>
                        <li>{consequence}</li>
                    </ul>
                    <RevokeSecretForm organization_id=org data_plane_id=plane.id secret_id=found.id cancel=back/>
                </section>
            }.into_any()
        })}
    }
}
