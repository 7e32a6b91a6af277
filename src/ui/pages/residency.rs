//! Settings > Data residency: what stays in the organization's regions, and every table and
//! column the control plane keeps, why, and whether it can hold personal data. Generated from
//! the inventory the schema is checked against, so it cannot drift from what is stored.
//! Settings > Residency policy: where the organization's workspaces may live, and the
//! workspaces that break it where they are now.

use leptos::prelude::*;

use crate::domain::inventory::{CONTROL_PLANE, IN_DATA_PLANES, Scope, StoredTable};
use crate::server_fns::residency::{
    PolicyData, ResidencyData, data_residency_page, residency_policy_page,
};
use crate::ui::components::{
    Classifications, EmptyState, Notice, PageHeader, PlaceSuggestions, loaded, path_resource,
    use_id_param,
};
use crate::ui::forms::ResidencyPolicyForm;

#[component]
pub fn DataResidencyPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| data_residency_page(org),
    );
    view! {
        <PageHeader title="Data residency" lead="What stays in your regions, and exactly what this control plane keeps about your organization."/>
        {loaded(data, move |_: ResidencyData| {
            let org = org.get().unwrap_or_default();
            let api = format!("{}/organizations/{org}/data-inventory", crate::paths::API_BASE);
            let regional = IN_DATA_PLANES
                .iter()
                .map(|d| view! { <dt>{d.what}</dt><dd>{d.kept}</dd> })
                .collect_view();
            let (ours, instance): (Vec<&StoredTable>, Vec<&StoredTable>) =
                CONTROL_PLANE.iter().partition(|t| t.scope == Scope::Organization);
            view! {
                <section class="panel" aria-labelledby="regional-heading">
                    <h2 id="regional-heading">"Stays in your regions"</h2>
                    <p class="lead">"Kept only by the data planes of each workspace's region, on your infrastructure. Clients reach it there with a short-lived scoped token; the control plane never stores or relays it."</p>
                    <dl class="facts">{regional}</dl>
                </section>
                <section class="panel" aria-labelledby="kept-heading">
                    <h2 id="kept-heading">"Kept by the control plane"</h2>
                    <p class="lead">"Metadata only: names, identifiers, assignments, health, orchestration state and the audit trail. Every table and column, and whether it can hold personal data:"</p>
                    {tables(ours)}
                    <h3>"Shared by the whole instance"</h3>
                    <p class="help">"Keys and short-lived counters of this Meridian instance; they belong to no organization."</p>
                    {tables(instance)}
                    <p class="help">"The same as JSON: " <code>{format!("GET {api}")}</code></p>
                </section>
            }
        })}
    }
}

/// Each table as a disclosure: its name, why it is kept and whether it holds personal data,
/// opening onto its columns.
fn tables(tables: Vec<&'static StoredTable>) -> impl IntoView + use<> {
    tables
        .into_iter()
        .map(|t| {
            let badge = t.personal_data().then(|| {
                view! { <span class="badge badge-unknown">"Personal data"</span> }
            });
            let rows = t
                .columns
                .iter()
                .map(|c| {
                    let personal = if c.personal_data { "Yes" } else { "No" };
                    view! {
                        <tr>
                            <td><code>{c.name}</code></td>
                            <td data-label="Holds">{c.holds}</td>
                            <td data-label="Personal data">{personal}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <details class="stored-table" id=format!("table-{}", t.name)>
                    <summary><code>{t.name}</code>" " {badge} <span class="muted">" " {t.purpose}</span></summary>
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">"Column"</th>
                                <th scope="col">"Holds"</th>
                                <th scope="col">"Personal data"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </details>
            }
        })
        .collect_view()
}

#[component]
pub fn ResidencyPolicyPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| residency_policy_page(org),
    );
    view! {
        <PageHeader title="Residency policy" lead="Where your workspaces may live. Checked on every workspace create, move and classification change, in the dashboard and the API."/>
        {loaded(data, move |d: PolicyData| {
            let org = org.get().unwrap_or_default();
            let policy = d.view.policy;
            let allowed = policy
                .allowed_jurisdictions
                .iter()
                .map(|j| j.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let summary = if policy.is_empty() {
                view! { <p id="policy-summary">"No restriction: workspaces may live in any region."</p> }.into_any()
            } else {
                let everywhere = if allowed.is_empty() {
                    "Every workspace: anywhere.".to_owned()
                } else {
                    format!("Every workspace: only in {allowed}.")
                };
                let rules = policy
                    .rules
                    .iter()
                    .map(|r| {
                        let places = r.allowed_jurisdictions.iter().map(|j| j.as_str()).collect::<Vec<_>>().join(", ");
                        view! { <li><span class="badge badge-class">{r.classification.to_string()}</span>" only in "{places}</li> }
                    })
                    .collect_view();
                view! { <ul id="policy-summary" class="consequences"><li>{everywhere}</li>{rules}</ul> }.into_any()
            };
            let form = d.meta.can_manage.then(|| view! {
                <section class="panel" aria-labelledby="policy-edit-heading">
                    <h2 id="policy-edit-heading">"Change the policy"</h2>
                    <p class="help">"A region is in a place when its jurisdiction or the country of its location is that code; a region that says neither is in none. Saving moves nothing: workspaces the new policy forbids where they are are listed below."</p>
                    <ResidencyPolicyForm organization_id=org revision=d.view.revision allowed_jurisdictions=allowed.clone() rules=policy.rule_lines()/>
                    <PlaceSuggestions/>
                </section>
            });
            let count = d.view.violations.len();
            let violations = if d.view.violations.is_empty() {
                view! { <EmptyState title="Every workspace complies" hint="No workspace lives where the policy forbids it."/> }.into_any()
            } else {
                let rows = d
                    .view
                    .violations
                    .into_iter()
                    .map(|v| {
                        let href = crate::paths::workspace(org, v.workspace_id);
                        view! {
                            <tr>
                                <td><a href=href.clone()>{v.workspace_name}</a><Classifications words=v.classifications/></td>
                                <td><a href=crate::paths::region(org, v.region_id)>{v.region_name}</a></td>
                                <td>{v.breach.rule}</td>
                                <td class="row-actions"><a href=format!("{href}/move")>"Move…"</a></td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="table" id="policy-violations">
                        <thead>
                            <tr>
                                <th scope="col">"Workspace"</th>
                                <th scope="col">"Region"</th>
                                <th scope="col">"Rule broken"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            };
            let api = format!("{}/organizations/{org}/residency-policy", crate::paths::API_BASE);
            view! {
                <Notice notice=d.meta.notice/>
                <section class="panel" aria-labelledby="policy-heading">
                    <h2 id="policy-heading">"Current policy"</h2>
                    {summary}
                    <p class="help">"The same as JSON: " <code>{format!("GET {api}")}</code></p>
                </section>
                {form}
                <section class="panel" aria-labelledby="violations-heading">
                    <h2 id="violations-heading">{format!("Workspaces outside the policy ({count})")}</h2>
                    {violations}
                </section>
            }
        })}
    }
}
