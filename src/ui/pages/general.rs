//! Settings > General: the organization's name, and which region each workspace uses.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::paths;
use crate::server_fns::general::{GeneralData as Data, WORKSPACES_PER_PAGE, general_page};
use crate::ui::components::{EmptyState, Notice, PageHeader, RegionAlert, loaded, path_resource};
use crate::ui::forms::RenameOrganizationForm;

#[component]
pub fn GeneralPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .map(|p| (p - 1).max(0))
    };
    let data = path_resource(["org"], "organization", page, |[org], page| {
        general_page(org, page)
    });
    view! {
        <PageHeader title="General" lead="Your organization, and which region each of its workspaces uses."/>
        {loaded(data, move |d: Data| view! { <General data=d/> })}
    }
}

#[component]
fn General(data: Data) -> impl IntoView {
    let org = data.organization.clone();
    let name_form = if data.meta.can_manage {
        view! { <RenameOrganizationForm organization_id=org.id revision=org.revision name=org.name.clone()/> }
            .into_any()
    } else {
        view! { <dl class="facts"><dt>"Organization name"</dt><dd>{org.name.clone()}</dd></dl> }
            .into_any()
    };
    let pages = (data.total_workspaces + WORKSPACES_PER_PAGE - 1) / WORKSPACES_PER_PAGE;
    let base = paths::general(org.id);
    let pager = (pages > 1).then(|| {
        let current = data.page + 1;
        let prev = (current > 1).then(
            || view! { <a href=format!("{base}?page={}", current - 1) rel="prev">"← Previous"</a> },
        );
        let next = (current < pages).then(
            || view! { <a href=format!("{base}?page={}", current + 1) rel="next">"Next →"</a> },
        );
        view! {
            <nav class="pager" aria-label="Workspace pages">
                {prev}
                <span>{format!("Page {current} of {pages}")}</span>
                {next}
            </nav>
        }
    });
    let workspaces_link = paths::workspaces(org.id);
    // Healthy data planes per region, to flag workspaces whose work cannot run.
    let healthy: std::collections::HashMap<uuid::Uuid, usize> = data
        .usage
        .iter()
        .map(|u| (u.region_id, u.healthy_planes))
        .collect();
    let table = if data.workspaces.is_empty() {
        view! { <EmptyState title="No workspaces yet" hint="Create a workspace under Workspaces and pick its region." action=Some(("Go to Workspaces".to_owned(), workspaces_link.clone()))/> }.into_any()
    } else {
        let rows = data
            .workspaces
            .into_iter()
            .map(|w| {
                let href = paths::workspace(w.organization_id, w.id);
                let alert = healthy
                    .get(&w.region_id)
                    .map(|n| view! { <RegionAlert enabled=w.region_enabled healthy_planes=*n/> });
                view! {
                    <tr>
                        <td><a href=href>{w.name}</a></td>
                        <td><span class="region-name">{w.region_name}</span>" "{alert}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table" id="workspace-regions">
                <caption class="visually-hidden">"Workspaces and their regions"</caption>
                <thead><tr><th scope="col">"Workspace"</th><th scope="col">"Region"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let usage = data
        .usage
        .into_iter()
        .map(|u| {
            let href = paths::region(org.id, u.region_id);
            let noun = if u.workspace_count == 1 {
                "workspace"
            } else {
                "workspaces"
            };
            view! {
                <li>
                    <a href=href>{u.region_name}</a>
                    " "<RegionAlert enabled=u.enabled healthy_planes=u.healthy_planes/>
                    <span class="count">{format!("{} {noun}", u.workspace_count)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <Notice notice=data.meta.notice/>
        <section class="panel">
            <h2>"Organization"</h2>
            {name_form}
            <dl class="facts">
                <dt>"Organization ID"</dt>
                <dd><code>{org.id.to_string()}</code></dd>
            </dl>
        </section>
        <section class="panel" aria-labelledby="regions-heading">
            <h2 id="regions-heading">"Regions"</h2>
            <p class="lead">
                {match data.total_workspaces {
                    1 => "1 workspace. It runs in exactly one region; move it under ".to_owned(),
                    n => format!("{n} workspaces. Each runs in exactly one region; move them under "),
                }}
                <a href=workspaces_link>"Workspaces"</a>"."
            </p>
            <ul class="usage">{usage}</ul>
            {table}
            {pager}
        </section>
    }
}
