//! Pages outside any one organization: creating one (instance admins), and the page for a
//! user who belongs to none.

use leptos::prelude::*;

use crate::domain::Name;
use crate::server_fns::general::CreateOrganization;
use crate::ui::components::{FormError, PageHeader, TextField, failure, name_rule};

#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    let action = ServerAction::<CreateOrganization>::new();
    let error = failure(action);
    view! {
        <PageHeader title="New organization" lead="An organization has its own regions, data planes, workspaces and members."/>
        <section class="panel">
            <ActionForm action>
                <FormError error/>
                <TextField name="name" check=name_rule id="org-name".into() label="Organization name" help=Name::RULES required=true autofocus=true error/>
                <p class="help">"It starts with region auto and a default workspace; you become its admin."</p>
                <div class="form-actions">
                    <a href="/" class="button">"Cancel"</a>
                    <button type="submit" class="button primary">"Create organization"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn NoOrganizationPage() -> impl IntoView {
    view! {
        <PageHeader title="No organization yet" lead="Your account does not belong to any organization."/>
        <section class="panel">
            <p>"Ask an administrator of your organization to add you as a member, then sign in again."</p>
        </section>
    }
}
