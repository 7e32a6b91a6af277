//! Settings > Data residency: what stays in the organization's regions, and every table and
//! column the control plane keeps, why, and whether it can hold personal data. Generated from
//! the inventory the schema is checked against, so it cannot drift from what is stored.

use leptos::prelude::*;

use crate::domain::inventory::{CONTROL_PLANE, IN_DATA_PLANES, Scope, StoredTable};
use crate::server_fns::residency::{ResidencyData, data_residency_page};
use crate::ui::components::{PageHeader, loaded, path_resource, use_id_param};

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
