//! Settings > Regions: the list with each region's data planes, one region's page, and the
//! confirmations for disabling and deleting a region.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::fragments::{LiveFragment, LiveSource};
use crate::paths;
use crate::read::regions::RegionOverview;
use crate::server_fns::regions::{RegionData, RegionsData, region_page, regions_page};
use crate::ui::components::{
    EmptyState, EnabledBadge, ListSearch, Notice, PageHeader, Pager, PlaceSuggestions,
    PlaceSummary, RefusedAction, RelativeTime, WorkspaceLinks, loaded, path_resource, use_id_param,
    use_list_query,
};
use crate::ui::forms::{
    CreateDataPlaneForm, CreateRegionForm, DefaultRegionForm, DeleteRegionForm, RegionPlaceForm,
    RenameRegionForm, SetRegionEnabledForm,
};
use crate::ui::live::Live;
use leptos_router::hooks::use_query_map;

/// The data of the region named by the path.
fn region_resource() -> Resource<Result<RegionData, AppError>> {
    path_resource(
        ["org", "region"],
        "region",
        || (),
        |[org, region], ()| region_page(org, region),
    )
}

#[component]
pub fn RegionsPage() -> impl IntoView {
    let org = use_id_param("org");
    let list = use_list_query();
    let query = use_query_map();
    let key = move || {
        let (search, page) = list();
        let jurisdiction = query.read().get("jurisdiction").unwrap_or_default();
        (search, jurisdiction, page)
    };
    let data = path_resource(
        ["org"],
        "organization",
        key,
        |[org], (search, jurisdiction, page)| regions_page(org, search, jurisdiction, page),
    );
    view! {
        <PageHeader title="Regions" lead="Where your data may be processed. Each workspace runs on the data planes of its region."/>
        {loaded(data, move |d: RegionsData| view! { <Regions data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Regions(data: RegionsData, org: Uuid) -> impl IntoView {
    let now = data.meta.now;
    let filtered = !data.search.trim().is_empty() || !data.jurisdiction.trim().is_empty();
    let base = paths::regions(org);
    let query = vec![
        ("search", data.search.clone()),
        ("jurisdiction", data.jurisdiction.clone()),
    ];
    let shown = data.regions.len();
    let list = if data.regions.is_empty() && filtered {
        view! { <EmptyState title="No region matches" hint="Try another part of the name or another jurisdiction." action=Some(("Clear the search".to_owned(), base.clone()))/> }.into_any()
    } else if data.regions.is_empty() {
        view! { <EmptyState title="No regions yet" hint="Create a region, then add a data plane to it."/> }.into_any()
    } else {
        data.regions
            .into_iter()
            .map(|overview| {
                let planes = LiveFragment::data_planes(
                    org,
                    overview.region.id,
                    None,
                    &data.liveness,
                    data.meta.can_manage && !overview.region.is_borrowed_by(org),
                );
                view! { <RegionCard overview org now planes/> }
            })
            .collect_view()
            .into_any()
    };
    let form = data.meta.can_manage.then(|| {
        view! {
            <section class="panel" aria-labelledby="create-region-heading">
                <h2 id="create-region-heading">"Create a region"</h2>
                <CreateRegionForm organization_id=org operator=data.can_operate/>
                <PlaceSuggestions/>
            </section>
        }
    });
    let wanted = data.jurisdiction.trim().to_uppercase();
    let jurisdiction_options = data
        .jurisdictions
        .iter()
        .map(|j| view! { <option value=j.clone() selected=*j == wanted>{j.clone()}</option> })
        .collect_view();
    view! {
        <Notice notice=data.meta.notice/>
        {form}
        <ListSearch action=base.clone() label="Search regions by name" value=data.search.clone() filtered>
            <div class="field">
                <label for="jurisdiction-filter">"Jurisdiction"</label>
                <select id="jurisdiction-filter" name="jurisdiction">
                    <option value="">"All jurisdictions"</option>
                    {jurisdiction_options}
                </select>
            </div>
        </ListSearch>
        <div class="region-list">{list}</div>
        <Pager base query paging=data.paging rows=shown noun="region"/>
    }
}

#[component]
fn RegionCard(
    overview: RegionOverview,
    org: Uuid,
    now: time::OffsetDateTime,
    /// Its data planes, rendered.
    planes: LiveFragment,
) -> impl IntoView {
    let RegionOverview {
        region,
        workspace_count,
        ..
    } = overview;
    let href = paths::region(org, region.id);
    let noun = if workspace_count == 1 {
        "workspace"
    } else {
        "workspaces"
    };
    view! {
        <section class="panel region" aria-label=format!("Region {}", region.name)>
            <header class="region-header">
                <h2><a href=href>{region.name.clone()}</a></h2>
                <EnabledBadge enabled=region.enabled/>
                <ManagedBadge region=region.clone()/>
                <PlaceSummary region=region.clone()/>
                <span class="muted">{format!("{workspace_count} {noun}")}</span>
                <span class="muted">"Created " <RelativeTime at=region.created_at now/></span>
            </header>
            <Live source=LiveSource::DataPlanes { organization_id: org, region_id: region.id, only: None } fragment=planes id=format!("planes-{}", region.id)/>
        </section>
    }
}

#[component]
pub fn RegionPage() -> impl IntoView {
    // The organization whose settings these are: a managed region belongs to another.
    let viewer = use_id_param("org");
    let data = region_resource();
    view! {
        {loaded(data, move |d: RegionData| {
            let org = viewer.get().unwrap_or(d.overview.region.organization_id);
            view! { <Region data=d org/> }
        })}
    }
}

#[component]
fn Region(data: RegionData, org: Uuid) -> impl IntoView {
    let RegionOverview {
        region,
        workspace_count,
        ..
    } = data.overview;
    let planes =
        LiveFragment::data_planes(org, region.id, None, &data.liveness, data.meta.can_manage);
    let now = data.meta.now;
    let noun = if workspace_count == 1 {
        "workspace uses"
    } else {
        "workspaces use"
    };
    let title = format!("Region {}", region.name);
    let place = region.clone();
    let borrowed = region.is_borrowed_by(org).then(|| view! {
        <p class="help" id="managed-note">"A managed region: the instance's operators run its data planes and every organization may use it. You may assign workspaces to it; only the operators change it."</p>
    });
    let default_form = (data.can_operate && region.managed).then(|| view! {
        <section class="panel" aria-labelledby="default-heading">
            <h2 id="default-heading">"New workspaces"</h2>
            <p class="help">{if region.default_for_new_workspaces {
                "New workspaces of every organization go here when no region is named (through the API)."
            } else {
                "Make this where new workspaces of every organization go when no region is named (through the API), instead of each organization's own region auto."
            }}</p>
            <DefaultRegionForm organization_id=org region_id=region.id is_default=region.default_for_new_workspaces/>
        </section>
    });
    let manage = data.meta.can_manage.then(|| {
        let toggle = if region.enabled {
            view! { <a class="button" href=format!("{}/disable", paths::region(org, region.id))>"Disable region…"</a> }.into_any()
        } else {
            view! {
                <SetRegionEnabledForm organization_id=org region_id=region.id revision=region.revision enabled=true label="Enable region".into() cancel=String::new()/>
            }
            .into_any()
        };
        view! {
            <section class="panel" aria-labelledby="create-plane-heading">
                <h2 id="create-plane-heading">"Add a data plane"</h2>
                <p class="lead">"You will see its client credentials once, on the next page."</p>
                <CreateDataPlaneForm organization_id=org region_id=region.id/>
            </section>
            <section class="panel" aria-labelledby="region-settings-heading">
                <h2 id="region-settings-heading">"Settings"</h2>
                <RenameRegionForm organization_id=org region_id=region.id revision=region.revision name=region.name.clone()/>
            </section>
            <section class="panel" aria-labelledby="region-place-heading">
                <h2 id="region-place-heading">"Location"</h2>
                <p class="help">"Where the region's data planes run. Residency policies allow or refuse workspaces here by its jurisdiction and country."</p>
                <RegionPlaceForm organization_id=org region_id=region.id revision=region.revision provider=region.provider.clone().unwrap_or_default() location=region.location.clone().unwrap_or_default() jurisdiction=region.jurisdiction.clone().unwrap_or_default()/>
                <PlaceSuggestions/>
            </section>
            <section class="panel danger-zone" aria-labelledby="danger-heading">
                <h2 id="danger-heading">"Danger zone"</h2>
                <p class="help">"Disabling stops the region's work; deleting removes it and its data planes, and is refused while workspaces live in it."</p>
                <div class="button-row">
                    {toggle}
                    <a class="button danger" href=format!("{}/delete", paths::region(org, region.id))>"Delete region…"</a>
                </div>
            </section>
        }
    });
    view! {
        <PageHeader title lead=format!("{workspace_count} {noun} this region.") crumbs=vec![("Regions".to_owned(), paths::regions(org))]>
            <EnabledBadge enabled=region.enabled/>
            <ManagedBadge region=place.clone()/>
            <PlaceSummary region=place/>
        </PageHeader>
        {borrowed}
        <Notice notice=data.meta.notice/>
        <section class="panel" aria-labelledby="planes-heading">
            <header class="region-header">
                <h2 id="planes-heading">"Data planes"</h2>
                <span class="muted">"Region created " <RelativeTime at=region.created_at now/></span>
            </header>
            <Live source=LiveSource::DataPlanes { organization_id: org, region_id: region.id, only: None } fragment=planes id="data-planes".into()/>
        </section>
        {default_form}
        {manage}
    }
}

/// "Managed" (run by the instance's operators for every organization), or nothing.
#[component]
fn ManagedBadge(region: crate::domain::Region) -> impl IntoView {
    region.managed.then(|| {
        let title = if region.default_for_new_workspaces {
            "Managed: run by the instance's operators; where new workspaces go by default"
        } else {
            "Managed: run by the instance's operators for every organization"
        };
        view! { <span class="badge badge-place" title=title>{if region.default_for_new_workspaces { "Managed · default" } else { "Managed" }}</span> }
    })
}

#[component]
pub fn DisableRegionPage() -> impl IntoView {
    let data = region_resource();
    view! {
        {loaded(data, move |d: RegionData| {
            let RegionOverview { region, data_planes, workspace_count } = d.overview;
            let org = region.organization_id;
            let in_use = (workspace_count > 0).then(|| {
                let noun = if workspace_count == 1 { "workspace lives" } else { "workspaces live" };
                view! {
                    <div class="warning" role="note">
                        <strong>{format!("{workspace_count} {noun} in this region.")}</strong>
                        " Their work stops being taken while it is disabled: nothing runs until you enable it again or "
                        <a href=paths::workspaces(org)>"move them"</a>" to another region."
                    </div>
                }
            });
            view! {
                <PageHeader title=format!("Disable region {}?", region.name) lead="Disabling stops new residency in this region." crumbs=vec![("Regions".to_owned(), paths::regions(org)), (region.name.clone(), paths::region(org, region.id))]/>
                <section class="panel confirm">
                    {in_use}
                    <ul class="consequences">
                        <li>"No workspace can be created in or moved to " <strong>{region.name.clone()}</strong> " while it is disabled."</li>
                        <li>{format!("Its {} data plane(s) answer \"disabled\" at their next heartbeat and stop taking work.", data_planes.len())}</li>
                        <li>{format!("The {workspace_count} workspace(s) assigned to it stay assigned; move them if they must keep running.")}</li>
                        <li>"You can enable it again at any time."</li>
                    </ul>
                    <SetRegionEnabledForm organization_id=org region_id=region.id revision=region.revision enabled=false label="Disable region".into() cancel=paths::region(org, region.id)/>
                </section>
            }
        })}
    }
}

#[component]
pub fn DeleteRegionPage() -> impl IntoView {
    let data = region_resource();
    view! {
        {loaded(data, move |d: RegionData| {
            let RegionOverview { region, data_planes, workspace_count } = d.overview;
            let org = region.organization_id;
            let cancel = paths::region(org, region.id);
            let blocked = (workspace_count > 0).then(|| {
                let noun = if workspace_count == 1 { "workspace lives" } else { "workspaces live" };
                view! {
                    <div class="warning" role="note" id="delete-blocked">
                        <strong>{format!("{workspace_count} {noun} in this region.")}</strong>
                        " A region is deleted only once no workspace lives in it: move these to another region first."
                        <WorkspaceLinks org workspaces=d.workspaces.clone() total=workspace_count moving=true/>
                    </div>
                }
            });
            // Refused for sure while workspaces live in it: the button says so by being off.
            let form = if workspace_count > 0 {
                view! { <RefusedAction cancel label="Delete region" reason="delete-blocked"/> }.into_any()
            } else {
                view! { <DeleteRegionForm organization_id=org region_id=region.id cancel/> }.into_any()
            };
            view! {
                <PageHeader title=format!("Delete region {}?", region.name) lead="This cannot be undone." crumbs=vec![("Regions".to_owned(), paths::regions(org)), (region.name.clone(), paths::region(org, region.id))]/>
                <section class="panel confirm">
                    {blocked}
                    <ul class="consequences">
                        <li>"The region " <strong>{region.name.clone()}</strong> " is deleted."</li>
                        <li>{format!("Its {} data plane(s) are deleted and their credentials stop working.", data_planes.len())}</li>
                    </ul>
                    {form}
                </section>
            }
        })}
    }
}
