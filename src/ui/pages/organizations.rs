//! Pages outside any one organization: creating one (instance admins), and the page for a
//! user who belongs to none.

use leptos::prelude::*;

use crate::ui::components::PageHeader;
use crate::ui::forms::CreateOrganizationForm;

#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    view! {
        <PageHeader title="New organization" lead="An organization has its own regions, data planes, workspaces and members."/>
        <section class="panel">
            <CreateOrganizationForm/>
        </section>
    }
}

#[component]
pub fn NoOrganizationPage() -> impl IntoView {
    view! {
        <PageHeader title="No organization yet" lead="Your account does not belong to any organization."/>
        <section class="panel">
            <p>"Ask an administrator of your organization to invite you: the invitation appears here, under Invitations, once you sign in again."</p>
        </section>
    }
}
