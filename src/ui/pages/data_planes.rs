//! Data plane pages: the credentials shown once after creation, and the confirmations for
//! disabling and deleting a data plane.

use leptos::prelude::*;

use crate::domain::{DataPlane, Region};
use crate::error::AppError;
use crate::paths;
use crate::server_fns::data_planes::{NewCredentials, reveal_credentials};
use crate::server_fns::regions::{RegionData, region_page};
use crate::ui::components::{PageHeader, loaded, path_resource, use_id_param};
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
                <PageHeader title="Credentials no longer shown" lead="A data plane's client secret is shown exactly once, right after it is created."/>
                <section class="panel">
                    <p>"Meridian keeps only a hash of the secret, so it cannot show it again. If it was lost, delete the data plane and create a new one."</p>
                    <p><a class="button" href=back()>"Back to the region"</a></p>
                </section>
            }
            .into_any(),
        })}
    }
}

/// The client id and secret of a new data plane, with what to paste into the agent's
/// environment. Leaving the page is the only way on.
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
        <section class="panel secret-card" aria-labelledby="secret-heading">
            <h2 id="secret-heading">"Client credentials"</h2>
            <p class="warning" role="note">
                <strong>"Copy the client secret now."</strong>
                " It will not be shown again: Meridian stores only its hash."
            </p>
            <dl class="secret-fields">
                <dt>"Client ID"</dt>
                <dd>
                    <code id="client-id">{client_id}</code>
                    <button type="button" class="button small copy" data-copy="client-id">"Copy"</button>
                </dd>
                <dt>"Client secret"</dt>
                <dd>
                    <code id="client-secret">{client_secret}</code>
                    <button type="button" class="button small copy" data-copy="client-secret">"Copy"</button>
                </dd>
            </dl>
            <h3>"Agent environment"</h3>
            <p class="help">"Paste into the environment of " <code>"meridian-dataplane"</code> " on the data plane's host."</p>
            <div class="snippet">
                <pre id="agent-env">{snippet}</pre>
                <button type="button" class="button small copy" data-copy="agent-env">"Copy"</button>
            </div>
            <p><a class="button primary" href=back>"I have saved the secret"</a></p>
        </section>
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
