//! The frame around pages: top bar with the organization switcher and the signed-in user,
//! and the settings sidebar.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use uuid::Uuid;

use crate::server_fns::session::{Viewer, current_viewer};
use crate::ui::components::use_id_param;
use crate::ui::forms::SignOutForm;

/// Settings pages of one organization: top bar, sidebar, content.
#[component]
pub fn SettingsFrame() -> impl IntoView {
    let org = use_id_param("org");
    view! {
        <div class="app">
            <SignedInBar current=org/>
            <div class="body">
                <nav class="sidebar" aria-label="Settings">
                    <p class="sidebar-title">"Settings"</p>
                    {move || org.get().map(|org| {
                        let link = move |page: &str| format!("/orgs/{org}/settings/{page}");
                        view! {
                            <ul>
                                <li><A href=link("general")>"General"</A></li>
                                <li><A href=link("workspaces")>"Workspaces"</A></li>
                                <li><A href=link("regions")>"Regions"</A></li>
                                <li><A href=link("members")>"Members"</A></li>
                                <li><A href=link("sso")>"SSO"</A></li>
                                <li><A href=link("applications")>"Applications"</A></li>
                                <li><A href=link("webhooks")>"Webhooks"</A></li>
                                <li><A href=link("audit-log")>"Audit log"</A></li>
                                <li><A href=link("audit-storage")>"Audit storage"</A></li>
                                <li><A href=link("residency-policy")>"Residency policy"</A></li>
                                <li><A href=link("data-residency")>"Data residency"</A></li>
                            </ul>
                        }
                    })}
                </nav>
                <main id="content">
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

/// Pages outside an organization (creating one, having none): top bar and content.
#[component]
pub fn StandaloneFrame() -> impl IntoView {
    view! {
        <div class="app">
            <SignedInBar current=Signal::stored(None)/>
            <main id="content" class="standalone">
                <Outlet/>
            </main>
        </div>
    }
}

/// The top bar for whoever is signed in, with `current` as the organization shown.
#[component]
fn SignedInBar(#[prop(into)] current: Signal<Option<Uuid>>) -> impl IntoView {
    let me = Resource::new(|| (), |_| current_viewer());
    view! {
        <Suspense fallback=|| view! { <TopBarPlaceholder/> }>
            {move || Suspend::new(async move {
                let viewer = me.await.ok().flatten();
                view! { <TopBar viewer current=current.get()/> }
            })}
        </Suspense>
    }
}

#[component]
fn TopBarPlaceholder() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Meridian"</a>
        </header>
    }
}

#[component]
fn TopBar(viewer: Option<Viewer>, current: Option<Uuid>) -> impl IntoView {
    let Some(viewer) = viewer else {
        return view! { <TopBarPlaceholder/> }.into_any();
    };
    let current_org = current.and_then(|id| {
        viewer
            .memberships
            .iter()
            .find(|m| m.organization_id == id)
            .cloned()
    });
    let current_name = current_org
        .as_ref()
        .map(|m| m.organization_name.clone())
        .unwrap_or_else(|| "Organizations".to_owned());
    // The switcher is only worth showing when there is somewhere to switch to.
    let switcher = (viewer.memberships.len() > 1 || viewer.is_instance_admin).then(|| {
        let items = viewer
            .memberships
            .iter()
            .map(|m| {
                let is_current = Some(m.organization_id) == current;
                view! {
                    <li>
                        <a
                            href=crate::paths::general(m.organization_id)
                            aria-current=is_current.then_some("true")
                        >
                            {m.organization_name.clone()}
                            <span class="role">{m.role.to_string()}</span>
                        </a>
                    </li>
                }
            })
            .collect_view();
        let create = viewer
            .is_instance_admin
            .then(|| view! { <li class="separator"><a href="/organizations/new">"New organization…"</a></li> });
        view! {
            <details class="switcher">
                // Named by what it shows (a label that differs from the visible text misleads
                // speech input); the hidden words say what it is for.
                <summary><span class="visually-hidden">"Organization: "</span>{current_name.clone()}</summary>
                <ul class="menu">{items}{create}</ul>
            </details>
        }
        .into_any()
    });
    let single = switcher
        .is_none()
        .then(|| view! { <span class="org-name">{current_name.clone()}</span> });
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Meridian"</a>
            <span class="divider" aria-hidden="true">"/"</span>
            {switcher}
            {single}
            <div class="spacer"></div>
            {(viewer.invitations > 0).then(|| view! {
                <a class="invitations-link" href=crate::paths::INVITATIONS>
                    {format!("Invitations ({})", viewer.invitations)}
                </a>
            })}
            <a class="user" href=crate::paths::ACCOUNT title=format!("Your account: {}", viewer.email)>{viewer.email.clone()}</a>
            <SignOutForm/>
        </header>
    }
    .into_any()
}

/// Any path we do not know.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text="Not found"/>
        <main class="centered">
            <section class="panel narrow">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <p><a href="/">"Go to your organization"</a></p>
            </section>
        </main>
    }
}
