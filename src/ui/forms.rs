//! Every form of the dashboard, each an island: the only parts of a page that are hydrated in
//! the browser. The rest of a page is plain server-rendered HTML, which keeps the WebAssembly
//! bundle small. Without JavaScript each form is an ordinary HTML form posting to its server
//! function; hydrated, it posts with fetch, shows errors in place and follows the redirect.
//!
//! Props are serialized into the page, so they are plain ids, revisions and strings.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Name;
use crate::server_fns::applications::{CreateApplication, DeleteApplication};
use crate::server_fns::data_planes::{
    CreateDataPlane, DeleteDataPlane, RevokeSecret, RotateSecret, UpdateDataPlane,
};
use crate::server_fns::general::{CreateOrganization, RenameOrganization};
use crate::server_fns::members::{AddMember, RemoveMember, SetMemberRole};
use crate::server_fns::regions::{CreateRegion, DeleteRegion, UpdateRegion};
use crate::server_fns::session::{SignIn, SignOut};
use crate::server_fns::sso::{DeleteSso, SaveSso, TestSso};
use crate::server_fns::workspaces::{
    CreateWorkspace, DeleteWorkspace, GrantWorkspaceRole, MemberChoice, MoveWorkspace,
    RenameWorkspace, RevokeWorkspaceRole, SetWorkspaceRole,
};
use crate::ui::components::{FieldMessage, FormError, TextField, email_rule, failure, name_rule};

/// Marks the page hydrated. Placed last on the page: islands hydrate in document order, so
/// when this one runs every form before it is interactive. Browser tests wait for the mark.
#[island]
pub fn HydrationMark() -> impl IntoView {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

#[island]
pub fn SignInForm(next: String) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="next" value=next/>
            <TextField name="email" check=email_rule id="sign-in-email".into() label="Email" kind="email" autocomplete="username" required=true autofocus=true error/>
            <TextField name="password" id="sign-in-password".into() label="Password" kind="password" autocomplete="current-password" help="Leave empty if your organization signs in with single sign-on." error/>
            <button type="submit" class="button primary wide">"Sign in"</button>
        </ActionForm>
    }
}

#[island]
pub fn SignOutForm() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    view! {
        <ActionForm action attr:class="inline">
            <button type="submit" class="button-link">"Sign out"</button>
        </ActionForm>
    }
}

#[island]
pub fn CreateOrganizationForm() -> impl IntoView {
    let action = ServerAction::<CreateOrganization>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <TextField name="name" check=name_rule id="org-name".into() label="Organization name" help=Name::RULES required=true autofocus=true error/>
            <p class="help">"It starts with region auto and a default workspace; you become its admin."</p>
            <div class="form-actions">
                <a href="/" class="button">"Cancel"</a>
                <button type="submit" class="button primary">"Create organization"</button>
            </div>
        </ActionForm>
    }
}

#[island]
pub fn RenameOrganizationForm(organization_id: Uuid, revision: i32, name: String) -> impl IntoView {
    let action = ServerAction::<RenameOrganization>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <TextField name="name" check=name_rule id="organization-name".into() label="Organization name" value=name help=Name::RULES required=true error/>
            <button type="submit" class="button">"Save name"</button>
        </ActionForm>
    }
}

#[island]
pub fn CreateRegionForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<CreateRegion>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <TextField name="name" check=name_rule id="new-region-name".into() label="Region name" help="Often the cloud region it runs in, e.g. aws-eu-west-1. 1 to 64 characters: letters, digits, spaces, '-', '_' and '.'." required=true error/>
            <button type="submit" class="button primary">"Create region"</button>
        </ActionForm>
    }
}

#[island]
pub fn RenameRegionForm(
    organization_id: Uuid,
    region_id: Uuid,
    revision: i32,
    name: String,
) -> impl IntoView {
    let action = ServerAction::<UpdateRegion>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="region_id" value=region_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <TextField name="name" check=name_rule id="region-name".into() label="Region name" value=name help=Name::RULES required=true error/>
            <button type="submit" class="button">"Rename"</button>
        </ActionForm>
    }
}

/// Turns a region on or off. Turning it off goes through a confirmation page first, whose
/// button is this form too.
#[island]
pub fn SetRegionEnabledForm(
    organization_id: Uuid,
    region_id: Uuid,
    revision: i32,
    enabled: bool,
    label: String,
    /// Where "Cancel" goes; no cancel button when empty.
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<UpdateRegion>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="region_id" value=region_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <input type="hidden" name="enabled" value=enabled.to_string()/>
            <ConfirmButtons cancel label danger=!enabled/>
        </ActionForm>
    }
}

#[island]
pub fn DeleteRegionForm(organization_id: Uuid, region_id: Uuid, cancel: String) -> impl IntoView {
    let action = ServerAction::<DeleteRegion>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="region_id" value=region_id.to_string()/>
            <ConfirmButtons cancel label="Delete region".into() danger=true/>
        </ActionForm>
    }
}

#[island]
pub fn CreateDataPlaneForm(organization_id: Uuid, region_id: Uuid) -> impl IntoView {
    let action = ServerAction::<CreateDataPlane>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="region_id" value=region_id.to_string()/>
            <TextField name="name" check=name_rule id="new-plane-name".into() label="Data plane name" help="Unique in this region, e.g. eu-west-1-dp-1. 1 to 64 characters: letters, digits, spaces, '-', '_' and '.'." required=true error/>
            <button type="submit" class="button primary">"Create data plane"</button>
        </ActionForm>
    }
}

#[island]
pub fn SetDataPlaneEnabledForm(
    organization_id: Uuid,
    data_plane_id: Uuid,
    revision: i32,
    enabled: bool,
    label: String,
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<UpdateDataPlane>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="data_plane_id" value=data_plane_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <input type="hidden" name="enabled" value=enabled.to_string()/>
            <ConfirmButtons cancel label danger=!enabled/>
        </ActionForm>
    }
}

#[island]
pub fn DeleteDataPlaneForm(
    organization_id: Uuid,
    data_plane_id: Uuid,
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<DeleteDataPlane>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="data_plane_id" value=data_plane_id.to_string()/>
            <ConfirmButtons cancel label="Delete data plane".into() danger=true/>
        </ActionForm>
    }
}

/// Issues a second secret for a data plane; the next page shows it once.
#[island]
pub fn RotateSecretForm(organization_id: Uuid, data_plane_id: Uuid) -> impl IntoView {
    let action = ServerAction::<RotateSecret>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="data_plane_id" value=data_plane_id.to_string()/>
            <button type="submit" class="button">"Rotate secret"</button>
        </ActionForm>
    }
}

#[island]
pub fn RevokeSecretForm(
    organization_id: Uuid,
    data_plane_id: Uuid,
    secret_id: Uuid,
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<RevokeSecret>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="data_plane_id" value=data_plane_id.to_string()/>
            <input type="hidden" name="secret_id" value=secret_id.to_string()/>
            <ConfirmButtons cancel label="Revoke secret".into() danger=true/>
        </ActionForm>
    }
}

#[island]
pub fn AddMemberForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<AddMember>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <TextField name="email" check=email_rule id="new-member-email".into() label="Email" kind="email" help="They can sign in once they have a password or SSO is set up." required=true error/>
            <div class="field">
                <label for="new-member-role">"Role"</label>
                <select id="new-member-role" name="role">
                    <option value="member" selected=true>"Member: may look"</option>
                    <option value="admin">"Admin: may change everything"</option>
                </select>
                <FieldMessage name="role" id="new-member-role-error".into() error/>
            </div>
            <button type="submit" class="button primary">"Add member"</button>
        </ActionForm>
    }
}

/// Makes a member an admin or a member: one button, the other role.
#[island]
pub fn SetMemberRoleForm(
    organization_id: Uuid,
    user_id: Uuid,
    role: String,
    label: String,
) -> impl IntoView {
    let action = ServerAction::<SetMemberRole>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <input type="hidden" name="role" value=role/>
            <button type="submit" class="button small">{label}</button>
        </ActionForm>
    }
}

#[island]
pub fn RemoveMemberForm(organization_id: Uuid, user_id: Uuid, cancel: String) -> impl IntoView {
    let action = ServerAction::<RemoveMember>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <ConfirmButtons cancel label="Remove member".into() danger=true/>
        </ActionForm>
    }
}

/// A region offered in a picker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionChoice {
    pub id: Uuid,
    pub label: String,
}

#[island]
pub fn CreateWorkspaceForm(organization_id: Uuid, regions: Vec<RegionChoice>) -> impl IntoView {
    let action = ServerAction::<CreateWorkspace>::new();
    let error = failure(action);
    let selected = move || {
        error
            .get()
            .and_then(|e| e.input("region_id").map(str::to_owned))
    };
    let has_regions = !regions.is_empty();
    let options = move || {
        regions
            .iter()
            .map(|r| {
                let id = r.id.to_string();
                let is_selected = selected().as_deref() == Some(id.as_str());
                view! { <option value=id selected=is_selected>{r.label.clone()}</option> }
            })
            .collect_view()
    };
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <TextField name="name" check=name_rule id="new-workspace-name".into() label="Workspace name" help=Name::RULES required=true error/>
            <div class="field" class:invalid=move || error.get().is_some_and(|e| e.field("region_id").is_some())>
                <label for="new-workspace-region">"Region"</label>
                <select id="new-workspace-region" name="region_id" required=true aria-describedby="new-workspace-region-help">
                    {options}
                </select>
                <p class="help" id="new-workspace-region-help">"Disabled regions are not offered. The region decides where the workspace's data is processed."</p>
                <FieldMessage name="region_id" id="new-workspace-region-error".into() error/>
            </div>
            <button type="submit" class="button primary" disabled=!has_regions>"Create workspace"</button>
        </ActionForm>
    }
}

#[island]
pub fn RenameWorkspaceForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    name: String,
) -> impl IntoView {
    let action = ServerAction::<RenameWorkspace>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <TextField name="name" check=name_rule id="workspace-name".into() label="Workspace name" value=name help=Name::RULES required=true error/>
            <button type="submit" class="button">"Rename"</button>
        </ActionForm>
    }
}

#[island]
pub fn MoveWorkspaceForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    region_id: Uuid,
    label: String,
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<MoveWorkspace>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <input type="hidden" name="region_id" value=region_id.to_string()/>
            <ConfirmButtons cancel label danger=false/>
        </ActionForm>
    }
}

/// The workspace roles as pickers offer them.
const WORKSPACE_ROLE_OPTIONS: [(&str, &str); 3] = [
    ("reader", "Reader: may look"),
    ("editor", "Editor: may also rename"),
    ("admin", "Admin: may also move, delete and share"),
];

/// Gives a member of the organization a role on a workspace.
#[island]
pub fn GrantWorkspaceRoleForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    members: Vec<MemberChoice>,
) -> impl IntoView {
    let action = ServerAction::<GrantWorkspaceRole>::new();
    let error = failure(action);
    let options = members
        .into_iter()
        .map(|m| view! { <option value=m.user_id.to_string()>{m.email}</option> })
        .collect_view();
    let roles = WORKSPACE_ROLE_OPTIONS
        .iter()
        .map(|(value, label)| view! { <option value=*value selected=*value == "editor">{*label}</option> })
        .collect_view();
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <div class="field">
                <label for="grant-member">"Member"</label>
                <select id="grant-member" name="user_id">{options}</select>
                <FieldMessage name="user_id" id="grant-member-error".into() error/>
            </div>
            <div class="field">
                <label for="grant-role">"Workspace role"</label>
                <select id="grant-role" name="role">{roles}</select>
                <FieldMessage name="role" id="grant-role-error".into() error/>
            </div>
            <button type="submit" class="button primary">"Give access"</button>
        </ActionForm>
    }
}

/// Changes the role one workspace permission gives: a picker and a button.
#[island]
pub fn SetWorkspaceRoleForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    permission_id: Uuid,
    role: String,
    email: String,
) -> impl IntoView {
    let action = ServerAction::<SetWorkspaceRole>::new();
    let error = failure(action);
    let id = format!("role-{permission_id}");
    let roles = WORKSPACE_ROLE_OPTIONS
        .iter()
        .map(|(value, label)| view! { <option value=*value selected=*value == role>{*label}</option> })
        .collect_view();
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <input type="hidden" name="permission_id" value=permission_id.to_string()/>
            <label for=id.clone() class="visually-hidden">{format!("Role of {email}")}</label>
            <select id=id name="role">{roles}</select>
            " "
            <button type="submit" class="button small">"Change"</button>
        </ActionForm>
    }
}

/// Takes a workspace permission away (the member keeps reading, as every member does).
#[island]
pub fn RevokeWorkspaceRoleForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    permission_id: Uuid,
    email: String,
) -> impl IntoView {
    let action = ServerAction::<RevokeWorkspaceRole>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <input type="hidden" name="permission_id" value=permission_id.to_string()/>
            <button type="submit" class="button small" aria-label=format!("Remove access of {email}")>"Remove"</button>
        </ActionForm>
    }
}

#[island]
pub fn DeleteWorkspaceForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<DeleteWorkspace>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <input type="hidden" name="revision" value=revision.to_string()/>
            <ConfirmButtons cancel label="Delete workspace".into() danger=true/>
        </ActionForm>
    }
}

#[island]
pub fn CreateApplicationForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<CreateApplication>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <TextField name="name" check=name_rule id="new-application-name".into() label="Application name" help="What uses it, e.g. terraform-ci. 1 to 64 characters: letters, digits, spaces, '-', '_' and '.'." required=true error/>
            <button type="submit" class="button primary">"Create application"</button>
        </ActionForm>
    }
}

#[island]
pub fn DeleteApplicationForm(
    organization_id: Uuid,
    application_id: Uuid,
    cancel: String,
) -> impl IntoView {
    let action = ServerAction::<DeleteApplication>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <input type="hidden" name="application_id" value=application_id.to_string()/>
            <ConfirmButtons cancel label="Delete application".into() danger=true/>
        </ActionForm>
    }
}

/// "Cancel" (a link back, when given) and the button that does it, primary button last.
#[component]
fn ConfirmButtons(cancel: String, label: String, danger: bool) -> impl IntoView {
    let class = if danger {
        "button danger"
    } else {
        "button primary"
    };
    let cancel = (!cancel.is_empty()).then(|| view! { <a class="button" href=cancel>"Cancel"</a> });
    view! {
        <div class="form-actions">
            {cancel}
            <button type="submit" class=class>{label}</button>
        </div>
    }
}

/// An organization's single sign-on settings. `revision` 0 means nothing is saved yet; the
/// client secret field is empty either way (a saved secret is never sent back).
#[island]
pub fn SsoSettingsForm(
    organization_id: Uuid,
    revision: i32,
    issuer: String,
    client_id: String,
    domains: String,
    default_role: String,
    require_sso: bool,
) -> impl IntoView {
    let action = ServerAction::<SaveSso>::new();
    let error = failure(action);
    let saved = revision > 0;
    let secret_help = if saved {
        "Saved and encrypted; it is never shown again. Leave empty to keep it."
    } else {
        "From the provider's application registration. Stored encrypted, never shown again."
    };
    let roles = [("member", "Member: may look"), ("admin", "Admin: may change everything")]
        .into_iter()
        .map(|(value, label)| view! { <option value=value selected=value == default_role>{label}</option> })
        .collect_view();
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            {saved.then(|| view! { <input type="hidden" name="revision" value=revision.to_string()/> })}
            <TextField name="issuer" id="sso-issuer".into() label="Issuer URL" kind="url" value=issuer help="Exactly as the provider states it, e.g. https://example.okta.com or https://login.microsoftonline.com/<tenant>/v2.0." required=true error/>
            <TextField name="client_id" id="sso-client-id".into() label="Client ID" value=client_id required=true error/>
            <TextField name="client_secret" id="sso-client-secret".into() label="Client secret" kind="password" autocomplete="new-password" help=secret_help required=!saved error/>
            <TextField name="domains" id="sso-domains".into() label="Email domains" value=domains help="Whose addresses sign in here, separated by commas, e.g. example.com, example.org." required=true error/>
            <div class="field">
                <label for="sso-default-role">"Role for new users"</label>
                <select id="sso-default-role" name="default_role">{roles}</select>
                <FieldMessage name="default_role" id="sso-default-role-error".into() error/>
            </div>
            <div class="field checkbox">
                <input type="checkbox" id="sso-require" name="require_sso" value="true" checked=require_sso/>
                <label for="sso-require">"Require single sign-on (members cannot sign in with a password)"</label>
            </div>
            <button type="submit" class="button primary">"Save"</button>
        </ActionForm>
    }
}

/// Checks that the provider answers with a usable discovery document.
#[island]
pub fn TestSsoForm(organization_id: Uuid, issuer: String) -> impl IntoView {
    let action = ServerAction::<TestSso>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <TextField name="issuer" id="sso-test-issuer".into() label="Issuer URL to test" kind="url" value=issuer required=true error/>
            <button type="submit" class="button">"Test connection"</button>
        </ActionForm>
    }
}

#[island]
pub fn DeleteSsoForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<DeleteSso>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <input type="hidden" name="organization_id" value=organization_id.to_string()/>
            <button type="submit" class="button danger">"Turn off single sign-on"</button>
        </ActionForm>
    }
}
