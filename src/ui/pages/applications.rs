//! Settings > Applications: the user's API applications, the secret of a new one (shown
//! once), and the confirmation for deleting one.

use leptos::prelude::*;
use uuid::Uuid;

use crate::paths;
use crate::server_fns::applications::{
    ApplicationData, ApplicationsData, NewApplication, application_page, applications_page,
    reveal_application,
};
use crate::ui::components::{
    CredentialsGone, CredentialsOnce, EmptyState, Notice, PageHeader, RelativeTime, loaded,
    path_resource, use_id_param,
};
use crate::ui::forms::{CreateApplicationForm, DeleteApplicationForm};

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| applications_page(org),
    );
    view! {
        <PageHeader title="Applications" lead="Client credentials for scripts and tools using the public API. A token from an application acts with your permissions."/>
        {loaded(data, move |d: ApplicationsData| view! { <Applications data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Applications(data: ApplicationsData, org: Uuid) -> impl IntoView {
    let now = data.meta.now;
    let list = if data.applications.is_empty() {
        view! { <EmptyState title="No applications yet" hint="Create one to get a client id and secret for the API."/> }.into_any()
    } else {
        let rows = data
            .applications
            .into_iter()
            .map(|a| {
                let last_used = match a.last_used_at {
                    Some(at) => view! { <RelativeTime at now/> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                };
                view! {
                    <tr>
                        <td>{a.name}</td>
                        <td><code>{a.client_id}</code></td>
                        <td><RelativeTime at=a.created_at now/></td>
                        <td>{last_used}</td>
                        <td class="row-actions">
                            <a href=paths::application_delete(org, a.id) class="danger-link">"Delete"</a>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="panel" aria-labelledby="applications-heading">
                <h2 id="applications-heading">"Your applications"</h2>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Client ID"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
        .into_any()
    };
    let docs = format!("{}/api/public/docs", data.public_url);
    view! {
        <Notice notice=data.meta.notice/>
        <section class="panel" aria-labelledby="create-application-heading">
            <h2 id="create-application-heading">"Create an application"</h2>
            <p class="lead">"You will see its client secret once, on the next page."</p>
            <CreateApplicationForm organization_id=org/>
        </section>
        {list}
        <p class="help">
            "Exchange an application's credentials for a token at "
            <code>"POST /api/public/v1/applications/token"</code>
            ". The "<a href=docs rel="external">"API reference"</a>" lists every endpoint."
        </p>
    }
}

#[component]
pub fn ApplicationSecretPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org", "application"],
        "application",
        || (),
        |[org, app], ()| reveal_application(org, app),
    );
    let back = move || paths::applications(org.get().unwrap_or_default());
    view! {
        {loaded(data, move |revealed: Option<NewApplication>| match revealed {
            Some(a) => view! { <SecretCard application=a back=back()/> }.into_any(),
            None => view! {
                <CredentialsGone
                    title="Secret no longer shown"
                    lead="An application's client secret is shown exactly once, right after it is created."
                    remedy="If it was lost, delete the application and create a new one."
                    back=back()
                    back_label="Back to applications"
                />
            }
            .into_any(),
        })}
    }
}

/// The client id and secret of a new application, with the token exchange to try them.
#[component]
fn SecretCard(application: NewApplication, back: String) -> impl IntoView {
    let NewApplication {
        name,
        client_id,
        client_secret,
        public_url,
        ..
    } = application;
    let snippet = format!(
        "curl --request POST \\\n  --url {public_url}/api/public/v1/applications/token \\\n  --header 'content-type: application/json' \\\n  --data '{{\"client_id\": \"{client_id}\", \"client_secret\": \"{client_secret}\", \"grant_type\": \"client_credentials\"}}'"
    );
    view! {
        <PageHeader title=format!("Application {name} created") lead="Use these credentials to get access tokens for the public API."/>
        <CredentialsOnce client_id client_secret snippet_title="Get a token" snippet back>
            "Tokens last 15 minutes; exchange the credentials again for a new one."
        </CredentialsOnce>
    }
}

#[component]
pub fn DeleteApplicationPage() -> impl IntoView {
    let data = path_resource(
        ["org", "application"],
        "application",
        || (),
        |[org, app], ()| application_page(org, app),
    );
    let org = use_id_param("org");
    view! {
        {loaded(data, move |d: ApplicationData| {
            let org = org.get().unwrap_or_default();
            let a = d.application;
            view! {
                <PageHeader title=format!("Delete application {}?", a.name) lead="This cannot be undone." crumbs=vec![("Applications".to_owned(), paths::applications(org))]/>
                <section class="panel confirm">
                    <ul class="consequences">
                        <li>"Its client credentials stop working at once: token requests with them are refused."</li>
                        <li>"Tokens already issued to it stop working within a second."</li>
                        <li>"Scripts and tools using it must be given another application's credentials."</li>
                    </ul>
                    <DeleteApplicationForm organization_id=org application_id=a.id cancel=paths::applications(org)/>
                </section>
            }
        })}
    }
}
