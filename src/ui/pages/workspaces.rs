//! Settings > Workspaces: the list and create form, one workspace's page (rename, move,
//! delete, who has which role on it), and the confirmations for moving and deleting. What a
//! page offers follows the caller's role on each workspace.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::domain::{Health, ResidencyPolicy, Workspace, WorkspaceRole};
use crate::error::AppError;
use crate::paths;
use crate::read::regions::RegionOverview;
use crate::server_fns::PageMeta;
use crate::server_fns::workspaces::{
    GrantView, MemberChoice, RegionalConsole, WorkspaceData, WorkspacesData, workspace_page,
    workspaces_page,
};
use crate::ui::components::{
    Classifications, EmptyState, ListSearch, Notice, PageHeader, Pager, RefusedAction, RegionAlert,
    RelativeTime, loaded, path_resource, use_id_param, use_list_query,
};
use crate::ui::forms::{
    ClassifyWorkspaceForm, CreateWorkspaceForm, DeleteWorkspaceForm, GrantWorkspaceRoleForm,
    LockWorkspaceForm, MoveWorkspaceForm, RegionChoice, RenameWorkspaceForm,
    RevokeWorkspaceRoleForm, SetWorkspaceRoleForm,
};

/// Data planes of a region that can take work.
fn usable_planes(region: &RegionOverview) -> usize {
    region
        .data_planes
        .iter()
        .filter(|d| d.is_usable(&region.region))
        .count()
}

/// What a region picker offers: enabled regions only (but `exclude`), each saying whether
/// its workspaces' work would run now (`auto` saying what it is).
fn region_choices(
    regions: &[RegionOverview],
    exclude: Option<Uuid>,
    meta: &PageMeta,
    // The policy and the classifications of the workspace moving, to flag forbidden targets.
    policy: Option<(&ResidencyPolicy, &[String])>,
) -> Vec<RegionChoice> {
    regions
        .iter()
        .filter(|r| r.region.enabled && Some(r.region.id) != exclude)
        .map(|r| {
            let name = if r.region.name == "auto" {
                "auto (the region every organization starts with)".to_owned()
            } else {
                r.region.name.clone()
            };
            let breach = policy.and_then(|(p, classes)| p.breach(classes, &r.region));
            let label = if let Some(breach) = breach {
                format!(
                    "{name}: not allowed by the residency policy ({})",
                    breach.rule
                )
            } else if usable_planes(r) == 0 {
                format!("{name}: no enabled data plane, work would wait")
            } else if r.healthy_planes(meta.now, &meta.thresholds) == 0 {
                format!("{name}: no healthy data plane right now, work would wait")
            } else {
                name
            };
            RegionChoice {
                id: r.region.id,
                label,
            }
        })
        .collect()
}

/// Why no region can take a workspace from `current`: none other exists, or all others are
/// disabled.
fn no_target_reason(regions: &[RegionOverview], current: Uuid) -> String {
    let others: Vec<&str> = regions
        .iter()
        .filter(|r| r.region.id != current)
        .map(|r| r.region.name.as_str())
        .collect();
    match others.as_slice() {
        [] => "No other region to move it to: this organization has only this one. Create another region first.".to_owned(),
        [one] => format!("No region to move it to: the only other region, {one}, is disabled. Enable it first."),
        many => format!("No region to move it to: every other region ({}) is disabled. Enable one first.", many.join(", ")),
    }
}

/// The "Move to region" picker, a plain GET form leading to the confirmation page; without
/// choices, why there are none and where to fix that.
#[component]
fn MoveTargetPicker(
    org: Uuid,
    action: String,
    choices: Vec<RegionChoice>,
    cancel: Option<String>,
    /// What to say when there is no choice.
    empty: String,
) -> impl IntoView {
    let cancel = cancel.map(|href| view! { <a class="button" href=href>"Cancel"</a> });
    if choices.is_empty() {
        return view! {
            <p id="no-move-target">{empty}" "<a href=paths::regions(org)>"Go to Regions"</a></p>
            {cancel.map(|c| view! { <div class="form-actions">{c}</div> })}
        }
        .into_any();
    }
    let options = choices
        .into_iter()
        .map(|c| view! { <option value=c.id.to_string()>{c.label}</option> })
        .collect_view();
    view! {
        <form method="get" action=action class="inline-form">
            <div class="field">
                <label for="move-target">"Move to region"</label>
                <select id="move-target" name="to" required=true>{options}</select>
            </div>
            <div class="form-actions">
                {cancel}
                <button type="submit" class="button">"Review move…"</button>
            </div>
        </form>
    }
    .into_any()
}

/// The data of the workspace named by the path; with `regional`, also a scoped token for the
/// region's data plane console (only the page that shows it asks: every token is audited).
fn workspace_resource(regional: bool) -> Resource<Result<WorkspaceData, AppError>> {
    path_resource(
        ["org", "workspace"],
        "workspace",
        || (),
        move |[org, workspace], ()| workspace_page(org, workspace, regional),
    )
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let org = use_id_param("org");
    let list = use_list_query();
    let query = use_query_map();
    let key = move || {
        let (search, page) = list();
        let region = query
            .read()
            .get("region")
            .and_then(|r| Uuid::parse_str(&r).ok());
        (search, region, page)
    };
    let data = path_resource(
        ["org"],
        "organization",
        key,
        |[org], (search, region, page)| workspaces_page(org, search, region, page),
    );
    view! {
        <PageHeader title="Workspaces" lead="Each workspace lives in exactly one region; its data is processed only there."/>
        {loaded(data, move |d: WorkspacesData| view! { <Workspaces data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Workspaces(data: WorkspacesData, org: Uuid) -> impl IntoView {
    let now = data.meta.now;
    let form = data.meta.can_manage.then(|| {
        let regions = region_choices(&data.regions, None, &data.meta, None);
        view! {
            <section class="panel" aria-labelledby="create-workspace-heading">
                <h2 id="create-workspace-heading">"Create a workspace"</h2>
                <CreateWorkspaceForm organization_id=org regions/>
            </section>
        }
    });
    // Healthy data planes per region, to flag workspaces whose work cannot run.
    let healthy: std::collections::HashMap<Uuid, usize> = data
        .regions
        .iter()
        .map(|r| (r.region.id, r.healthy_planes(now, &data.meta.thresholds)))
        .collect();
    let filtered = !data.search.trim().is_empty() || data.region.is_some();
    let base = paths::workspaces(org);
    let query = vec![
        ("search", data.search.clone()),
        (
            "region",
            data.region.map(|r| r.to_string()).unwrap_or_default(),
        ),
    ];
    let region_options = data
        .regions
        .iter()
        .map(|r| {
            let selected = Some(r.region.id) == data.region;
            view! { <option value=r.region.id.to_string() selected=selected>{r.region.name.clone()}</option> }
        })
        .collect_view();
    let search = view! {
        <ListSearch action=base.clone() label="Search workspaces by name" value=data.search.clone() filtered>
            <div class="field">
                <label for="region-filter">"In region"</label>
                <select id="region-filter" name="region">
                    <option value="">"All regions"</option>
                    {region_options}
                </select>
            </div>
        </ListSearch>
    };
    let rows_shown = data.workspaces.len();
    let table = if data.workspaces.is_empty() && filtered {
        view! { <EmptyState title="No workspace matches" hint="Try another part of the name or another region." action=Some(("Clear the search".to_owned(), base.clone()))/> }.into_any()
    } else if data.workspaces.is_empty() {
        view! { <EmptyState title="No workspaces yet" hint="Create a workspace and choose the region its data must stay in."/> }.into_any()
    } else {
        let rows = data
            .workspaces
            .into_iter()
            .zip(data.roles)
            .map(|(w, role)| {
                let href = paths::workspace(org, w.id);
                let edit = (role >= WorkspaceRole::Editor)
                    .then(|| view! { <a href=href.clone()>"Edit"</a> });
                let move_link = (role == WorkspaceRole::Admin)
                    .then(|| view! { <a href=format!("{href}/move")>"Move"</a> });
                let actions = view! { {edit} {move_link} };
                let alert = healthy
                    .get(&w.region_id)
                    .map(|n| view! { <RegionAlert enabled=w.region_enabled healthy_planes=*n/> });
                let lock = w.locked.then(|| view! { " "<span class="badge badge-locked" title="Locked to its region">"Locked"</span> });
                view! {
                    <tr>
                        <td>
                            <a href=href.clone()>{w.name.clone()}</a>
                            {lock}
                            <Classifications words=w.classifications.clone()/>
                        </td>
                        <td>
                            <span class="region-name">{w.region_name.clone()}</span>
                            " "{alert}
                        </td>
                        <td><RelativeTime at=w.created_at now/></td>
                        <td class="row-actions">{actions}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table" id="workspaces">
                <thead>
                    <tr>
                        <th scope="col">"Workspace"</th>
                        <th scope="col">"Region"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <Notice notice=data.meta.notice/>
        {form}
        <section class="panel" aria-label="Workspaces">
            {search}
            {table}
            <Pager base query paging=data.paging rows=rows_shown noun="workspace"/>
        </section>
    }
}

#[component]
pub fn WorkspacePage() -> impl IntoView {
    let data = workspace_resource(true);
    view! {
        {loaded(data, move |d: WorkspaceData| view! { <WorkspaceDetail data=d/> })}
    }
}

#[component]
fn WorkspaceDetail(data: WorkspaceData) -> impl IntoView {
    let w: Workspace = data.workspace;
    let org = w.organization_id;
    let now = data.meta.now;
    let title = format!("Workspace {}", w.name);
    let lead = format!("In region {}.", w.region_name);
    let residency = w.data_residency();
    let role = data.role;
    let rename = (role >= WorkspaceRole::Editor).then(|| {
        view! {
            <section class="panel" aria-labelledby="rename-heading">
                <h2 id="rename-heading">"Name"</h2>
                <RenameWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision name=w.name.clone()/>
            </section>
        }
    });
    let access = workspace_access(org, w.id, role, data.grants, data.grantable);
    let regional = regional_section(data.regional);
    let org_admin = data.meta.can_manage;
    let manage = (role == WorkspaceRole::Admin).then(|| {
        let choices = region_choices(
            &data.regions,
            Some(w.region_id),
            &data.meta,
            Some((&data.policy, &w.classifications)),
        );
        let classes = w.classifications.join(", ");
        // A locked workspace offers no move, only (to organization admins) the unlock.
        let region = if w.locked {
            let unlock = org_admin.then(|| view! {
                <LockWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision locked=false/>
            });
            let who = if org_admin { "Unlock it to move it." } else { "An organization admin must unlock it before it can move." };
            view! {
                <p id="workspace-locked"><span class="badge badge-locked">"Locked"</span>" It stays in region " <strong>{w.region_name.clone()}</strong> ". " {who}</p>
                {unlock}
            }.into_any()
        } else {
            let lock = org_admin.then(|| view! {
                <p class="help">"Locking keeps it in this region: moving it then needs an explicit unlock first, and both are recorded in the audit log."</p>
                <LockWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision locked=true/>
            });
            view! {
                <p>"This workspace runs in region " <strong>{w.region_name.clone()}</strong> "."</p>
                <MoveTargetPicker org action=format!("{}/move", paths::workspace(org, w.id)) choices cancel=None empty=no_target_reason(&data.regions, w.region_id)/>
                {lock}
            }.into_any()
        };
        view! {
            <section class="panel" aria-labelledby="classify-heading">
                <h2 id="classify-heading">"Classifications"</h2>
                <p class="help">"The kinds of data this workspace holds. The residency policy may allow some only in certain jurisdictions."</p>
                <ClassifyWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision classifications=classes/>
            </section>
            <section class="panel" aria-labelledby="move-heading">
                <h2 id="move-heading">"Region"</h2>
                {region}
            </section>
            <section class="panel danger-zone" aria-labelledby="delete-heading">
                <h2 id="delete-heading">"Delete"</h2>
                <a class="button danger" href=format!("{}/delete", paths::workspace(org, w.id))>"Delete workspace…"</a>
            </section>
        }
    });
    view! {
        <PageHeader title lead crumbs=vec![("Workspaces".to_owned(), paths::workspaces(org))]/>
        <Notice notice=data.meta.notice/>
        <section class="panel">
            <dl class="facts">
                <dt>"Workspace ID"</dt><dd><code>{w.id.to_string()}</code></dd>
                <dt>"Region"</dt><dd>{w.region_name.clone()}</dd>
                <dt>"Data residency"</dt><dd><code>{residency}</code>{w.locked.then(|| view! { " "<span class="badge badge-locked">"Locked"</span> })}</dd>
                <dt>"Classifications"</dt><dd><Classifications words=w.classifications.clone()/>{w.classifications.is_empty().then_some("None")}</dd>
                <dt>"Created"</dt><dd><RelativeTime at=w.created_at now/></dd>
                <dt>"Your role"</dt><dd>{role.as_str()}</dd>
            </dl>
            <a class="button" href=paths::jobs(org, w.id)>"Jobs and runs"</a>
        </section>
        {regional}
        {rename}
        {manage}
        {access}
    }
}

/// "Secrets and configuration": the region's data plane console in a frame. The browser loads
/// it from the data plane with the page's scoped token, and its forms post there, so what is
/// typed into it never reaches the control plane (JavaScript or not).
fn regional_section(console: Option<RegionalConsole>) -> Option<impl IntoView + use<>> {
    let console = console?;
    let heading = format!(
        "Secrets and configuration (stored in region {})",
        console.region_name
    );
    let body = match (console.console_url, console.dataplane_url) {
        (Some(src), Some(at)) => {
            let note = if console.can_write {
                "Set and delete secrets and configuration below. Your browser sends them straight to the region's data plane; Meridian's control plane never receives them."
            } else {
                "Your role on this workspace may list secret names and read configuration."
            };
            view! {
                <p class="muted">{note}</p>
                <iframe class="regional-console" src=src title="Secrets and configuration, served by the region's data plane" sandbox="allow-forms allow-same-origin" referrerpolicy="no-referrer"></iframe>
                <p class="help">"Served by " <code>{at}</code> ". If the frame shows an error, your browser cannot reach the region's data plane from where you are. The frame's access lasts 5 minutes: reload the page for more."</p>
            }
            .into_any()
        }
        _ => view! {
            <p class="warning">"No data plane of region " <strong>{console.region_name.clone()}</strong> " is reachable right now: none has reported in lately with a regional API address. Secrets and configuration stay in the region, so they cannot be shown or changed until one is back."</p>
        }
        .into_any(),
    };
    Some(view! {
        <section class="panel" aria-labelledby="regional-heading">
            <h2 id="regional-heading">{heading}</h2>
            {body}
        </section>
    })
}

/// Who may act on the workspace beyond reading it, and (for its admins) the forms to change
/// that.
fn workspace_access(
    org: Uuid,
    workspace_id: Uuid,
    role: WorkspaceRole,
    grants: Vec<GrantView>,
    grantable: Vec<MemberChoice>,
) -> impl IntoView {
    let admin = role == WorkspaceRole::Admin;
    let has_grants = !grants.is_empty();
    let rows = grants
        .into_iter()
        .map(|g| {
            let cell = if admin {
                view! {
                    <td><SetWorkspaceRoleForm organization_id=org workspace_id permission_id=g.permission_id role=g.role.as_str().to_owned() email=g.email.clone()/></td>
                    <td class="row-actions"><RevokeWorkspaceRoleForm organization_id=org workspace_id permission_id=g.permission_id email=g.email.clone()/></td>
                }
                .into_any()
            } else {
                view! { <td>{g.role.as_str()}</td><td></td> }.into_any()
            };
            view! { <tr><td>{g.email.clone()}</td>{cell}</tr> }
        })
        .collect_view();
    let granted = if has_grants {
        view! {
            <table class="table" id="workspace-access">
                <thead>
                    <tr>
                        <th scope="col">"Member"</th>
                        <th scope="col">"Workspace role"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    } else {
        view! { <EmptyState title="Nobody has a role here yet" hint="Organization admins administer it and members may read it until someone is given a role."/> }.into_any()
    };
    let grant = admin.then(|| {
        if grantable.is_empty() {
            view! {
                <p class="muted" id="nobody-to-grant">
                    "Every member is an organization admin or has a role here already. "
                    <a href=paths::members(org)>"Invite someone"</a>
                    " to give them one."
                </p>
            }
            .into_any()
        } else {
            view! { <GrantWorkspaceRoleForm organization_id=org workspace_id members=grantable/> }
                .into_any()
        }
    });
    view! {
        <section class="panel" aria-labelledby="access-heading">
            <h2 id="access-heading">"Access"</h2>
            <p class="muted">"Organization admins administer every workspace; other members may read it. Give a member a role to let them do more here."</p>
            {granted}
            {grant}
        </section>
    }
}

#[component]
pub fn MoveWorkspacePage() -> impl IntoView {
    let data = workspace_resource(false);
    let query = use_query_map();
    view! {
        {loaded(data, move |d: WorkspaceData| {
            let w = d.workspace;
            let org = w.organization_id;
            let wanted = query.read_untracked().get("to").and_then(|t| Uuid::parse_str(&t).ok());
            // Without a target yet (or a bad one), ask for one first.
            let target = wanted.and_then(|id| d.regions.iter().find(|r| r.region.id == id && r.region.enabled && id != w.region_id).cloned());
            let crumbs = vec![("Workspaces".to_owned(), paths::workspaces(org)), (w.name.clone(), paths::workspace(org, w.id))];
            if w.locked {
                let unlock = d.meta.can_manage.then(|| view! {
                    <LockWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision locked=false/>
                });
                return view! {
                    <PageHeader title=format!("Move workspace {}", w.name) lead=format!("It runs in region {} now.", w.region_name) crumbs/>
                    <section class="panel confirm">
                        <div class="warning" role="note" id="move-refused">
                            <strong>{format!("Workspace {} is locked to region {}.", w.name, w.region_name)}</strong>
                            " It can move only after an organization admin unlocks it; both are recorded in the audit log."
                        </div>
                        {unlock}
                        <RefusedAction cancel=paths::workspace(org, w.id) label="Move" reason="move-refused"/>
                    </section>
                }.into_any();
            }
            let Some(target) = target else {
                let choices = region_choices(&d.regions, Some(w.region_id), &d.meta, Some((&d.policy, &w.classifications)));
                let here = format!("{}/move", paths::workspace(org, w.id));
                return view! {
                    <PageHeader title=format!("Move workspace {}", w.name) lead=format!("It runs in region {} now.", w.region_name) crumbs/>
                    <section class="panel">
                        <MoveTargetPicker org action=here choices cancel=Some(paths::workspace(org, w.id)) empty=no_target_reason(&d.regions, w.region_id)/>
                    </section>
                }.into_any();
            };
            let healthy = target
                .data_planes
                .iter()
                .filter(|p| p.enabled && p.health_at(d.meta.now, &d.meta.thresholds) == Health::Healthy)
                .count();
            let no_plane = if usable_planes(&target) == 0 {
                Some(view! {
                    <div class="warning" role="note">
                        <strong>{format!("Region {} has no enabled data plane.", target.region.name)}</strong>
                        " The workspace's work will wait until a data plane in that region is added or enabled."
                    </div>
                }.into_any())
            } else if healthy == 0 {
                Some(view! {
                    <div class="warning" role="note">
                        <strong>{format!("Region {} has no healthy data plane right now.", target.region.name)}</strong>
                        " None of its data planes has reported in recently; the workspace's work will wait until one does."
                    </div>
                }.into_any())
            } else {
                None
            };
            // What the server would refuse is said here first, with the button off.
            let breach = d.policy.breach(&w.classifications, &target.region);
            let refused = breach.as_ref().map(|b| view! {
                <div class="warning" role="note" id="move-refused">
                    <strong>{format!("The residency policy does not allow this move: {}.", b.rule)}</strong>
                    " " {b.message.clone()} " "
                    <a href=paths::residency_policy(org)>"See the policy"</a>
                </div>
            });
            let form = if breach.is_some() {
                view! { <RefusedAction cancel=paths::workspace(org, w.id) label="Move" reason="move-refused"/> }.into_any()
            } else {
                view! { <MoveWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision region_id=target.region.id label=format!("Move to {}", target.region.name) cancel=paths::workspace(org, w.id)/> }.into_any()
            };
            view! {
                <PageHeader title=format!("Move workspace {}?", w.name) lead="This changes where the workspace's data is processed." crumbs/>
                <section class="panel confirm">
                    {refused}
                    {no_plane}
                    <ul class="consequences">
                        <li>"From region " <strong>{w.region_name.clone()}</strong> " to region " <strong>{target.region.name.clone()}</strong> "."</li>
                        <li>{format!("From now on its data is processed only by the data planes of {}; those of {} stop receiving its work.", target.region.name, w.region_name)}</li>
                        <li>{format!("Its data residency becomes \"{}\".", target.region.name.to_lowercase())}</li>
                    </ul>
                    {form}
                </section>
            }.into_any()
        })}
    }
}

#[component]
pub fn DeleteWorkspacePage() -> impl IntoView {
    let data = workspace_resource(false);
    view! {
        {loaded(data, move |d: WorkspaceData| {
            let w = d.workspace;
            let org = w.organization_id;
            view! {
                <PageHeader title=format!("Delete workspace {}?", w.name) lead="This cannot be undone." crumbs=vec![("Workspaces".to_owned(), paths::workspaces(org)), (w.name.clone(), paths::workspace(org, w.id))]/>
                <section class="panel confirm">
                    <ul class="consequences">
                        <li>"The workspace " <strong>{w.name.clone()}</strong> " and its assignment to region " {w.region_name.clone()} " are deleted."</li>
                    </ul>
                    <DeleteWorkspaceForm organization_id=org workspace_id=w.id revision=w.revision cancel=paths::workspace(org, w.id)/>
                </section>
            }
        })}
    }
}
