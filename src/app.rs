//! The HTML document and the router: which page answers which path.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::ui::layout::{NotFound, SettingsFrame, StandaloneFrame};
use crate::ui::pages::{
    account, applications, audit, data_planes, general, invitations, jobs, members, organizations,
    regions, residency, sign_in, sso, webhooks, workspaces,
};

/// The document around every page.
pub fn shell(options: leptos::config::LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script src="/copy.js" defer></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page's security policy (see `auth::csp`); a page that frames a data plane's console
/// widens it while it renders (`Ctx::allow_frames_from`).
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = crate::auth::csp::page_policy(&nonce.to_string(), &[]);
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        options.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every route renders with SsrMode::Async: the page waits for its data before answering,
    // so it is complete without JavaScript, and the server can still set cookies (a taken
    // one-shot notice, a revealed secret) and redirects while rendering.
    view! {
        <Stylesheet id="meridian" href="/pkg/meridian.css"/>
        <Title formatter=|title: String| if title.is_empty() { "Meridian".to_owned() } else { format!("{title} · Meridian") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=sign_in::SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/invitations/sign-up/:token") view=invitations::SignUpPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=StandaloneFrame ssr=SsrMode::Async>
                    <Route path=path!("/no-organization") view=organizations::NoOrganizationPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/new") view=organizations::NewOrganizationPage ssr=SsrMode::Async/>
                    <Route path=path!("/invitations") view=invitations::MyInvitationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("/orgs/:org/settings") view=SettingsFrame ssr=SsrMode::Async>
                    <Route path=path!("general") view=general::GeneralPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces") view=workspaces::WorkspacesPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace") view=workspaces::WorkspacePage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace/move") view=workspaces::MoveWorkspacePage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace/delete") view=workspaces::DeleteWorkspacePage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace/jobs") view=jobs::JobsPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace/jobs/:job") view=jobs::JobPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace/jobs/:job/delete") view=jobs::DeleteJobPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:workspace/runs/:run") view=jobs::RunPage ssr=SsrMode::Async/>
                    <Route path=path!("regions") view=regions::RegionsPage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region") view=regions::RegionPage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/disable") view=regions::DisableRegionPage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/delete") view=regions::DeleteRegionPage ssr=SsrMode::Async/>
                    <Route path=path!("applications") view=applications::ApplicationsPage ssr=SsrMode::Async/>
                    <Route path=path!("audit-log") view=audit::AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("audit-storage") view=audit::AuditStoragePage ssr=SsrMode::Async/>
                    <Route path=path!("data-residency") view=residency::DataResidencyPage ssr=SsrMode::Async/>
                    <Route path=path!("residency-policy") view=residency::ResidencyPolicyPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks") view=webhooks::WebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("audit-log/:event") view=audit::AuditEventPage ssr=SsrMode::Async/>
                    <Route path=path!("members") view=members::MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("sso") view=sso::SsoPage ssr=SsrMode::Async/>
                    <Route path=path!("members/:user/remove") view=members::RemoveMemberPage ssr=SsrMode::Async/>
                    <Route path=path!("members/:user/demote") view=members::DemoteYourselfPage ssr=SsrMode::Async/>
                    <Route path=path!("members/invitations/:invitation/link") view=members::SignUpLinkPage ssr=SsrMode::Async/>
                    <Route path=path!("applications/:application/secret") view=applications::ApplicationSecretPage ssr=SsrMode::Async/>
                    <Route path=path!("applications/:application/delete") view=applications::DeleteApplicationPage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/dataplanes/:dataplane") view=data_planes::DataPlanePage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/dataplanes/:dataplane/secrets/:secret/revoke") view=data_planes::RevokeSecretPage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/dataplanes/:dataplane/credentials") view=data_planes::CredentialsPage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/dataplanes/:dataplane/disable") view=data_planes::DisableDataPlanePage ssr=SsrMode::Async/>
                    <Route path=path!("regions/:region/dataplanes/:dataplane/delete") view=data_planes::DeleteDataPlanePage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
        <crate::ui::forms::HydrationMark/>
    }
}
