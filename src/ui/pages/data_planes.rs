//! Data plane pages: the credentials shown once after creation, and the confirmations for
//! disabling and deleting a data plane.

use leptos::prelude::*;

use crate::domain::{DataPlane, Region};
use crate::error::AppError;
use crate::paths;
use crate::server_fns::data_planes::{NewCredentials, reveal_credentials};
use crate::server_fns::regions::{RegionData, region_page};
use crate::ui::components::{
    CredentialsGone, CredentialsOnce, PageHeader, loaded, path_resource, use_id_param,
};
use crate::ui::forms::{DeleteDataPlaneForm, SetDataPlaneEnabledForm};

/// The data plane named by the path, with its region.
fn data_plane_resource() -> Resource<Result<(Region, DataPlane), AppError>> {
    path_resource(
        ["org", "region", "dataplane"],
        "data plane",
        || (),
        |[org, region, plane], ()| async move {
            let RegionData { overview, .. } = region_page(org, region).await?;
            let found = overview.data_planes.into_iter().find(|d| d.id == plane);
            found
                .map(|d| (overview.region, d))
                .ok_or_else(|| AppError::not_found("data plane"))
        },
    )
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
    view! {
        {loaded(data, move |credentials: Option<NewCredentials>| match credentials {
            Some(c) => view! { <SecretCard credentials=c back=back()/> }.into_any(),
            None => view! {
                <CredentialsGone
                    title="Credentials no longer shown"
                    lead="A data plane's client secret is shown exactly once, right after it is created."
                    remedy="If it was lost, delete the data plane and create a new one."
                    back=back()
                    back_label="Back to the region"
                />
            }
            .into_any(),
        })}
    }
}

/// The client id and secret of a new data plane, with what to paste into the agent's
/// environment.
#[component]
fn SecretCard(credentials: NewCredentials, back: String) -> impl IntoView {
    let NewCredentials {
        data_plane_name,
        region_name,
        client_id,
        client_secret,
        public_url,
        ..
    } = credentials;
    let snippet = format!(
        "MERIDIAN_URL={public_url}\nDATAPLANE_CLIENT_ID={client_id}\nDATAPLANE_CLIENT_SECRET={client_secret}"
    );
    view! {
        <PageHeader title=format!("Data plane {data_plane_name} created") lead=format!("In region {region_name}. Configure its agent with these credentials.")/>
        <CredentialsOnce client_id client_secret snippet_title="Agent environment" snippet back>
            "Paste into the environment of " <code>"meridian-dataplane"</code> " on the data plane's host."
        </CredentialsOnce>
    }
}

#[component]
pub fn DisableDataPlanePage() -> impl IntoView {
    let data = data_plane_resource();
    view! {
        {loaded(data, move |(region, plane): (Region, DataPlane)| {
            let org = region.organization_id;
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
        {loaded(data, move |(region, plane): (Region, DataPlane)| {
            let org = region.organization_id;
            view! {
                <PageHeader title=format!("Delete data plane {}?", plane.name) lead="This cannot be undone."/>
                <section class="panel confirm">
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
