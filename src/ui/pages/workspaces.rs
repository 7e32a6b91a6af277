//! Settings > Workspaces: the list and create form, one workspace's page (rename, move,
//! delete), and the confirmations for moving and deleting.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::domain::{Name, Workspace};
use crate::error::AppError;
use crate::paths;
use crate::server_fns::regions::RegionOverview;
use crate::server_fns::workspaces::{
    CreateWorkspace, DeleteWorkspace, MoveWorkspace, RenameWorkspace, WorkspaceData,
    WorkspacesData, workspace_page, workspaces_page,
};
use crate::ui::components::{
    EmptyState, EnabledBadge, FieldMessage, FormError, Notice, PageHeader, RelativeTime, TextField,
    failure, loaded, name_rule, path_resource, use_id_param,
};

/// Data planes of a region that can take work.
fn usable_planes(region: &RegionOverview) -> usize {
    region
        .data_planes
        .iter()
        .filter(|d| d.is_usable(&region.region))
        .count()
}

/// The `<option>`s of a region picker: enabled regions only, each saying whether it has a
/// data plane to run on.
fn region_options(
    regions: &[RegionOverview],
    selected: Option<Uuid>,
    exclude: Option<Uuid>,
) -> impl IntoView + use<> {
    regions
        .iter()
        .filter(|r| r.region.enabled && Some(r.region.id) != exclude)
        .map(|r| {
            let label = if usable_planes(r) == 0 {
                format!("{} (no enabled data plane)", r.region.name)
            } else {
                r.region.name.clone()
            };
            view! { <option value=r.region.id.to_string() selected=Some(r.region.id) == selected>{label}</option> }
        })
        .collect_view()
}

fn workspace_resource(
    versions: impl Fn() -> usize + Send + Sync + 'static,
) -> Resource<Result<WorkspaceData, AppError>> {
    path_resource(
        ["org", "workspace"],
        "workspace",
        versions,
        |[org, workspace], _| workspace_page(org, workspace),
    )
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let org = use_id_param("org");
    let create = ServerAction::<CreateWorkspace>::new();
    let data = path_resource(
        ["org"],
        "organization",
        move || create.version().get(),
        |[org], _| workspaces_page(org),
    );
    view! {
        <PageHeader title="Workspaces" lead="Each workspace lives in exactly one region; its data is processed only there."/>
        {loaded(data, move |d: WorkspacesData| view! { <Workspaces data=d create org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Workspaces(
    data: WorkspacesData,
    create: ServerAction<CreateWorkspace>,
    org: Uuid,
) -> impl IntoView {
    let error = failure(create);
    let now = data.meta.now;
    let selected = move || {
        error
            .get()
            .and_then(|e| e.input("region_id").and_then(|r| Uuid::parse_str(r).ok()))
    };
    let regions = data.regions.clone();
    let form = data.meta.can_manage.then(|| {
        let has_regions = regions.iter().any(|r| r.region.enabled);
        view! {
            <section class="panel" aria-labelledby="create-workspace-heading">
                <h2 id="create-workspace-heading">"Create a workspace"</h2>
                <ActionForm action=create attr:class="inline-form">
                    <FormError error/>
                    <input type="hidden" name="organization_id" value=org.to_string()/>
                    <TextField name="name" check=name_rule id="new-workspace-name".into() label="Workspace name" help=Name::RULES required=true error/>
                    <div class="field" class:invalid=move || error.get().and_then(|e| e.field("region_id").map(|_| ())).is_some()>
                        <label for="new-workspace-region">"Region"</label>
                        <select id="new-workspace-region" name="region_id" required=true aria-describedby="new-workspace-region-help">
                            {move || region_options(&regions, selected(), None)}
                        </select>
                        <p class="help" id="new-workspace-region-help">"Disabled regions are not offered. The region decides where the workspace's data is processed."</p>
                        <FieldMessage name="region_id" id="new-workspace-region-error".into() error/>
                    </div>
                    <button type="submit" class="button primary" disabled=!has_regions>"Create workspace"</button>
                </ActionForm>
            </section>
        }
    });
    let table = if data.workspaces.is_empty() {
        view! { <EmptyState title="No workspaces yet" hint="Create a workspace and choose the region its data must stay in."/> }.into_any()
    } else {
        let can_manage = data.meta.can_manage;
        let rows = data
            .workspaces
            .into_iter()
            .map(|w| {
                let href = paths::workspace(org, w.id);
                let actions = can_manage.then(|| {
                    view! {
                        <a href=href.clone()>"Edit"</a>
                        <a href=format!("{href}/move")>"Move"</a>
                    }
                });
                view! {
                    <tr>
                        <td><a href=href.clone()>{w.name.clone()}</a></td>
                        <td>
                            <span class="region-name">{w.region_name.clone()}</span>
                            " "{(!w.region_enabled).then(|| view! { <EnabledBadge enabled=false/> })}
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
        <section class="panel">{table}</section>
    }
}

#[component]
pub fn WorkspacePage() -> impl IntoView {
    let rename = ServerAction::<RenameWorkspace>::new();
    let data = workspace_resource(move || rename.version().get());
    view! {
        {loaded(data, move |d: WorkspaceData| view! { <WorkspaceDetail data=d rename/> })}
    }
}

#[component]
fn WorkspaceDetail(data: WorkspaceData, rename: ServerAction<RenameWorkspace>) -> impl IntoView {
    let error = failure(rename);
    let w: Workspace = data.workspace;
    let org = w.organization_id;
    let now = data.meta.now;
    let title = format!("Workspace {}", w.name);
    let lead = format!("In region {}.", w.region_name);
    let residency = w.data_residency();
    let manage = data.meta.can_manage.then(|| {
        let options = region_options(&data.regions, None, Some(w.region_id));
        let has_targets = data.regions.iter().any(|r| r.region.enabled && r.region.id != w.region_id);
        view! {
            <section class="panel" aria-labelledby="rename-heading">
                <h2 id="rename-heading">"Name"</h2>
                <ActionForm action=rename attr:class="inline-form">
                    <FormError error/>
                    <input type="hidden" name="organization_id" value=org.to_string()/>
                    <input type="hidden" name="workspace_id" value=w.id.to_string()/>
                    <input type="hidden" name="revision" value=w.revision.to_string()/>
                    <TextField name="name" check=name_rule id="workspace-name".into() label="Workspace name" value=w.name.clone() help=Name::RULES required=true error/>
                    <button type="submit" class="button">"Rename"</button>
                </ActionForm>
            </section>
            <section class="panel" aria-labelledby="move-heading">
                <h2 id="move-heading">"Region"</h2>
                <p>"This workspace runs in region " <strong>{w.region_name.clone()}</strong> "."</p>
                {if has_targets {
                    view! {
                        <form method="get" action=format!("{}/move", paths::workspace(org, w.id)) class="inline-form">
                            <div class="field">
                                <label for="move-target">"Move to region"</label>
                                <select id="move-target" name="to" required=true>{options}</select>
                            </div>
                            <button type="submit" class="button">"Review move…"</button>
                        </form>
                    }.into_any()
                } else {
                    view! { <p class="muted">"There is no other enabled region to move it to."</p> }.into_any()
                }}
            </section>
            <section class="panel danger-zone" aria-labelledby="delete-heading">
                <h2 id="delete-heading">"Delete"</h2>
                <a class="button danger" href=format!("{}/delete", paths::workspace(org, w.id))>"Delete workspace…"</a>
            </section>
        }
    });
    view! {
        <PageHeader title lead>
            <a href=paths::workspaces(org) class="button-link">"← All workspaces"</a>
        </PageHeader>
        <Notice notice=data.meta.notice/>
        <section class="panel">
            <dl class="facts">
                <dt>"Workspace ID"</dt><dd><code>{w.id.to_string()}</code></dd>
                <dt>"Region"</dt><dd>{w.region_name.clone()}</dd>
                <dt>"Data residency"</dt><dd><code>{residency}</code></dd>
                <dt>"Created"</dt><dd><RelativeTime at=w.created_at now/></dd>
            </dl>
        </section>
        {manage}
    }
}

#[component]
pub fn MoveWorkspacePage() -> impl IntoView {
    let action = ServerAction::<MoveWorkspace>::new();
    let data = workspace_resource(|| 0);
    let query = use_query_map();
    view! {
        {loaded(data, move |d: WorkspaceData| {
            let error = failure(action);
            let w = d.workspace;
            let org = w.organization_id;
            let wanted = query.read_untracked().get("to").and_then(|t| Uuid::parse_str(&t).ok());
            // Without a target yet (or a bad one), ask for one first.
            let target = wanted.and_then(|id| d.regions.iter().find(|r| r.region.id == id && r.region.enabled && id != w.region_id).cloned());
            let Some(target) = target else {
                let options = region_options(&d.regions, None, Some(w.region_id));
                return view! {
                    <PageHeader title=format!("Move workspace {}", w.name) lead=format!("It runs in region {} now.", w.region_name)/>
                    <section class="panel">
                        <form method="get" class="inline-form">
                            <div class="field">
                                <label for="move-target">"Move to region"</label>
                                <select id="move-target" name="to" required=true>{options}</select>
                            </div>
                            <div class="form-actions">
                                <a class="button" href=paths::workspace(org, w.id)>"Cancel"</a>
                                <button type="submit" class="button">"Review move…"</button>
                            </div>
                        </form>
                    </section>
                }.into_any();
            };
            let no_plane = (usable_planes(&target) == 0).then(|| view! {
                <div class="warning" role="note">
                    <strong>{format!("Region {} has no enabled data plane.", target.region.name)}</strong>
                    " The workspace's work will wait until a data plane in that region is added or enabled."
                </div>
            });
            view! {
                <PageHeader title=format!("Move workspace {}?", w.name) lead="This changes where the workspace's data is processed."/>
                <section class="panel confirm">
                    {no_plane}
                    <ul class="consequences">
                        <li>"From region " <strong>{w.region_name.clone()}</strong> " to region " <strong>{target.region.name.clone()}</strong> "."</li>
                        <li>{format!("From now on its data is processed only by the data planes of {}; those of {} stop receiving its work.", target.region.name, w.region_name)}</li>
                        <li>{format!("Its data residency becomes \"{}\".", target.region.name.to_lowercase())}</li>
                    </ul>
                    <ActionForm action>
                        <FormError error/>
                        <input type="hidden" name="organization_id" value=org.to_string()/>
                        <input type="hidden" name="workspace_id" value=w.id.to_string()/>
                        <input type="hidden" name="revision" value=w.revision.to_string()/>
                        <input type="hidden" name="region_id" value=target.region.id.to_string()/>
                        <div class="form-actions">
                            <a class="button" href=paths::workspace(org, w.id)>"Cancel"</a>
                            <button type="submit" class="button primary">{format!("Move to {}", target.region.name)}</button>
                        </div>
                    </ActionForm>
                </section>
            }.into_any()
        })}
    }
}

#[component]
pub fn DeleteWorkspacePage() -> impl IntoView {
    let action = ServerAction::<DeleteWorkspace>::new();
    let data = workspace_resource(|| 0);
    view! {
        {loaded(data, move |d: WorkspaceData| {
            let error = failure(action);
            let w = d.workspace;
            let org = w.organization_id;
            view! {
                <PageHeader title=format!("Delete workspace {}?", w.name) lead="This cannot be undone."/>
                <section class="panel confirm">
                    <ul class="consequences">
                        <li>"The workspace " <strong>{w.name.clone()}</strong> " and its assignment to region " {w.region_name.clone()} " are deleted."</li>
                    </ul>
                    <ActionForm action>
                        <FormError error/>
                        <input type="hidden" name="organization_id" value=org.to_string()/>
                        <input type="hidden" name="workspace_id" value=w.id.to_string()/>
                        <input type="hidden" name="revision" value=w.revision.to_string()/>
                        <div class="form-actions">
                            <a class="button" href=paths::workspace(org, w.id)>"Cancel"</a>
                            <button type="submit" class="button danger">"Delete workspace"</button>
                        </div>
                    </ActionForm>
                </section>
            }
        })}
    }
}
