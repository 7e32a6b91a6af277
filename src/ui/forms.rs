//! Every form of the dashboard, each an island: the only parts of a page that are hydrated in
//! the browser. The rest of a page is plain server-rendered HTML, which keeps the WebAssembly
//! bundle small. Without JavaScript each form is an ordinary HTML form posting to its server
//! function; hydrated, it posts with fetch, shows errors in place and follows the redirect.
//!
//! Props are serialized into the page, so they are plain ids, revisions and strings.
//!
//! Forms an operator or admin uses rarely and with nothing to check as one types (a region's
//! location, a workspace's classifications, the default managed region, the audit trail's
//! retention and bucket) are plain components instead: the same `ActionForm`, posted natively with or without JavaScript and
//! answered with a redirect, which keeps the bundle under its budget.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Classification, Location, Name, RULE_LINE_RULES};
use crate::error::{AppError, FORM_INPUT};
use crate::server_fns::account::{ChangePassword, SignOutEverywhere};
use crate::server_fns::applications::{CreateApplication, DeleteApplication};
use crate::server_fns::audit_storage::{RemoveAuditBucket, SaveAuditBucket, SetAuditRetention};
use crate::server_fns::data_planes::{
    CreateDataPlane, DeleteDataPlane, RevokeSecret, RotateSecret, UpdateDataPlane,
};
use crate::server_fns::general::{CreateOrganization, RenameOrganization};
use crate::server_fns::invitations::{AcceptInvitation, DeclineInvitation, SignUp};
use crate::server_fns::members::{
    InviteMember, IssueSignUpLink, RemoveMember, RevokeInvitation, SetMemberRole, SignOutMember,
};
use crate::server_fns::regions::{
    CreateRegion, DeleteRegion, SetDefaultRegion, SetRegionPlace, UpdateRegion,
};
use crate::server_fns::residency::SaveResidencyPolicy;
use crate::server_fns::session::{SignIn, SignOut};
use crate::server_fns::sso::{DeleteSso, SaveSso, TestSso, VerifyDomain};
use crate::server_fns::webhooks::{CreateWebhook, DeleteWebhook, SendTestEvent};
use crate::server_fns::work::{CancelRun, DeleteJob, RunJob, SaveJob};
use crate::server_fns::workspaces::{
    ClassifyWorkspace, CreateWorkspace, DeleteWorkspace, GrantWorkspaceRole, LockWorkspace,
    MemberChoice, MoveWorkspace, RenameWorkspace, RevokeWorkspaceRole, SetWorkspaceRole,
};
use crate::ui::components::{
    FieldMessage, FormError, TextField, email_rule, failure, failure_of, name_rule,
};

/// Marks the page hydrated. Placed last on the page: islands hydrate in document order, so
/// when this one runs every form before it is interactive. Browser tests wait for the mark.
/// `fields![organization_id, region_id]`: variables as (name, value) pairs for [`Hidden`].
macro_rules! fields {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), $name.to_string())),*]
    };
}

/// A form that is one button doing one thing at once (revoke, accept, verify), with the
/// values it acts on as hidden fields; `class` defaults to a small button.
macro_rules! button_form {
    ($island:ident($($id:ident: $ty:ty),*) => $server_fn:ty, $label:literal) => {
        button_form!($island($($id: $ty),*) => $server_fn, $label, "button small");
    };
    ($island:ident($($id:ident: $ty:ty),*) => $server_fn:ty, $label:literal, $class:literal) => {
        button_form!(@island $island($($id: $ty),*) => $server_fn, $label, $class);
    };
    (@$kind:ident $island:ident($($id:ident: $ty:ty),*) => $server_fn:ty, $label:literal, $class:literal) => {
        #[$kind]
        pub fn $island($($id: $ty),*) -> impl IntoView {
            let action = ServerAction::<$server_fn>::new();
            let form = form_name(stringify!($island), &[$($id.to_string()),*]);
            let error = failure_of(action, form.clone());
            view! {
                <ActionForm action attr:class="inline">
                    <FormError error/>
                    <FormName name=form/>
                    <Hidden fields=fields![$($id),*]/>
                    <button type="submit" class=$class>{$label}</button>
                </ActionForm>
            }
        }
    };
}

/// A form that does one irreversible thing once the user confirmed on the page around it:
/// the ids it acts on as hidden fields, "Cancel" back to `cancel`, and the danger button.
macro_rules! confirm_form {
    ($island:ident($($id:ident: $ty:ty),*) => $server_fn:ty, $label:literal) => {
        confirm_form!(@island $island($($id: $ty),*) => $server_fn, $label);
    };
    (@$kind:ident $island:ident($($id:ident: $ty:ty),*) => $server_fn:ty, $label:literal) => {
        #[$kind]
        pub fn $island($($id: $ty,)* cancel: String) -> impl IntoView {
            let action = ServerAction::<$server_fn>::new();
            let form = form_name(stringify!($island), &[$($id.to_string()),*]);
            let error = failure_of(action, form.clone());
            view! {
                <ActionForm action>
                    <FormError error/>
                    <FormName name=form/>
                    <Hidden fields=fields![$($id),*]/>
                    <ConfirmButtons cancel label=$label.into() danger=true/>
                </ActionForm>
            }
        }
    };
}

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
            <Hidden fields=fields![next]/>
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
            <Hidden fields=fields![organization_id, revision]/>
            <TextField name="name" check=name_rule id="organization-name".into() label="Organization name" value=name help=Name::RULES required=true error/>
            <button type="submit" class="button">"Save name"</button>
        </ActionForm>
    }
}

#[island]
pub fn CreateRegionForm(organization_id: Uuid, operator: bool) -> impl IntoView {
    let action = ServerAction::<CreateRegion>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
            <TextField name="name" check=name_rule id="new-region-name".into() label="Region name" help=format!("Often the cloud region it runs in, e.g. aws-eu-west-1. {}", Name::RULES) required=true error/>
            // Beside the name, where an error appearing under a field cannot move it away from
            // the pointer about to click it.
            <button type="submit" class="button primary">"Create region"</button>
            // Optional, so folded away; open again when one of them was refused.
            <details class="more-fields" open=move || error.get().is_some_and(|e| ["provider", "location", "jurisdiction"].iter().any(|f| e.field(f).is_some()))>
                <summary>"Location and jurisdiction (optional)"</summary>
                <div class="inline-form">
                    <PlaceFields provider=String::new() location=String::new() jurisdiction=String::new() error/>
                </div>
                {operator.then(|| view! {
                    <div class="field checkbox">
                        <input type="checkbox" id="new-region-managed" name="managed" value="true"/>
                        <label for="new-region-managed">"Managed: every organization may use it (you run its data planes)"</label>
                    </div>
                })}
            </details>
        </ActionForm>
    }
}

/// Makes a managed region the default for new workspaces, or (`is_default`) stops that.
#[component]
pub fn DefaultRegionForm(
    organization_id: Uuid,
    region_id: Uuid,
    is_default: bool,
) -> impl IntoView {
    let action = ServerAction::<SetDefaultRegion>::new();
    let error = failure(action);
    let clear = is_default;
    let label = if is_default {
        "Stop being the default"
    } else {
        "Make the default for new workspaces"
    };
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <Hidden fields=fields![organization_id, region_id, clear]/>
            <button type="submit" class="button">{label}</button>
        </ActionForm>
    }
}

/// The fields saying where a region is, each optional; suggestions come from datalists the
/// page renders (see `PlaceSuggestions`), so they stay out of the browser's bundle.
#[component]
fn PlaceFields(
    provider: String,
    location: String,
    jurisdiction: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <TextField name="provider" id="region-provider".into() label="Cloud provider" value=provider help="Optional: AWS, Google Cloud, On-premises…" list="known-providers" error/>
        <TextField name="location" id="region-location".into() label="Location" value=location help=format!("Optional. {}", Location::RULES) error/>
        <TextField name="jurisdiction" id="region-jurisdiction".into() label="Jurisdiction" value=jurisdiction help="The law its data is under (EU, US, CA…), what residency policies check. Left empty: the location's, EU for a member state." list="known-jurisdictions" error/>
    }
}

/// Says where a region is: provider, location, jurisdiction.
#[component]
pub fn RegionPlaceForm(
    organization_id: Uuid,
    region_id: Uuid,
    revision: i32,
    provider: String,
    location: String,
    jurisdiction: String,
) -> impl IntoView {
    let action = ServerAction::<SetRegionPlace>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id, region_id, revision]/>
            <PlaceFields provider location jurisdiction error/>
            <button type="submit" class="button">"Save location"</button>
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
    let form = String::from("rename-region");
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, region_id, revision]/>
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
    let form = String::from("region-enabled");
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, region_id, revision, enabled]/>
            <ConfirmButtons cancel label danger=!enabled/>
        </ActionForm>
    }
}

confirm_form!(DeleteRegionForm(organization_id: Uuid, region_id: Uuid) => DeleteRegion, "Delete region");

#[island]
pub fn CreateDataPlaneForm(organization_id: Uuid, region_id: Uuid) -> impl IntoView {
    let action = ServerAction::<CreateDataPlane>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id, region_id]/>
            <TextField name="name" check=name_rule id="new-plane-name".into() label="Data plane name" help=format!("Unique in this region, e.g. eu-west-1-dp-1. {}", Name::RULES) required=true error/>
            <button type="submit" class="button primary">"Create data plane"</button>
        </ActionForm>
    }
}

#[island]
pub fn RenameDataPlaneForm(
    organization_id: Uuid,
    data_plane_id: Uuid,
    revision: i32,
    name: String,
) -> impl IntoView {
    // The data plane's update function, shared with the enable and drain forms.
    let action = ServerAction::<UpdateDataPlane>::new();
    let form = String::from("rename-data-plane");
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, data_plane_id, revision]/>
            <TextField name="name" check=name_rule id="data-plane-name".into() label="Data plane name" value=name help=Name::RULES required=true error/>
            <button type="submit" class="button">"Rename"</button>
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
    let form = String::from("data-plane-enabled");
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action>
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, data_plane_id, revision, enabled]/>
            <ConfirmButtons cancel label danger=!enabled/>
        </ActionForm>
    }
}

/// Drains a data plane (it finishes its runs, takes no new ones) or brings it back to work.
#[island]
pub fn SetDrainingForm(
    organization_id: Uuid,
    data_plane_id: Uuid,
    revision: i32,
    draining: bool,
    label: String,
) -> impl IntoView {
    // The data plane's update function: its action is in the browser's code already.
    let action = ServerAction::<UpdateDataPlane>::new();
    let form = String::from("data-plane-draining");
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, data_plane_id, revision, draining]/>
            <button type="submit" class="button">{label}</button>
        </ActionForm>
    }
}

confirm_form!(DeleteDataPlaneForm(organization_id: Uuid, data_plane_id: Uuid) => DeleteDataPlane, "Delete data plane");

/// Issues a second secret for a data plane; the next page shows it once.
#[island]
pub fn RotateSecretForm(organization_id: Uuid, data_plane_id: Uuid) -> impl IntoView {
    let action = ServerAction::<RotateSecret>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <Hidden fields=fields![organization_id, data_plane_id]/>
            <button type="submit" class="button">"Rotate secret"</button>
        </ActionForm>
    }
}

confirm_form!(RevokeSecretForm(organization_id: Uuid, data_plane_id: Uuid, secret_id: Uuid) => RevokeSecret, "Revoke secret");

#[island]
pub fn InviteMemberForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<InviteMember>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
            <TextField name="email" check=email_rule id="invite-email".into() label="Email" kind="email" help="They become a member once they accept, after signing in." required=true error/>
            <div class="field">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">
                    <option value="member" selected=true>"Member: may look"</option>
                    <option value="admin">"Admin: may change everything"</option>
                </select>
                <FieldMessage name="role" id="invite-role-error".into() error/>
            </div>
            <button type="submit" class="button primary">"Invite"</button>
        </ActionForm>
    }
}

button_form!(RevokeInvitationForm(organization_id: Uuid, invitation_id: Uuid) => RevokeInvitation, "Revoke");
button_form!(IssueSignUpLinkForm(organization_id: Uuid, invitation_id: Uuid) => IssueSignUpLink, "Sign-up link");
button_form!(SignOutMemberForm(organization_id: Uuid, user_id: Uuid) => SignOutMember, "Sign out everywhere");
button_form!(AcceptInvitationForm(invitation_id: Uuid) => AcceptInvitation, "Accept", "button small primary");
button_form!(DeclineInvitationForm(invitation_id: Uuid) => DeclineInvitation, "Decline");
button_form!(VerifyDomainForm(organization_id: Uuid, domain: String) => VerifyDomain, "Verify now");
button_form!(SendTestEventForm(organization_id: Uuid, webhook_id: Uuid) => SendTestEvent, "Send test event");
button_form!(DeleteWebhookForm(organization_id: Uuid, webhook_id: Uuid) => DeleteWebhook, "Remove", "button small danger");

/// Registers a webhook endpoint for health alerts: its address and the events it takes (all
/// ticked to begin with).
#[island]
pub fn CreateWebhookForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<CreateWebhook>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
            <TextField name="url" id="webhook-url".into() label="Endpoint URL" help="Where events are posted, over https. Each request is signed with the endpoint's secret (see below)." required=true error/>
            <fieldset class="choices" aria-describedby="webhook-events-error">
                <legend>"Events"</legend>
                <div class="field checkbox">
                    <input type="checkbox" id="webhook-dp" name="dataplane_health_changed" value="true" checked=true/>
                    <label for="webhook-dp">"A data plane's health changes"</label>
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="webhook-down" name="region_unhealthy" value="true" checked=true/>
                    <label for="webhook-down">"A region has no healthy data plane left"</label>
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="webhook-up" name="region_recovered" value="true" checked=true/>
                    <label for="webhook-up">"A region has a healthy data plane again"</label>
                </div>
                <FieldMessage name="events" id="webhook-events-error".into() error/>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button primary">"Add endpoint"</button>
            </div>
        </ActionForm>
    }
}

/// Sets the password of an account created through a sign-up link.
#[island]
pub fn SignUpForm(token: String) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <Hidden fields=fields![token]/>
            <TextField name="name" id="sign-up-name".into() label="Your name" autocomplete="name" error/>
            <TextField name="password" id="sign-up-password".into() label="Password" kind="password" autocomplete="new-password" help="At least 12 characters." required=true error/>
            <TextField name="password_again" id="sign-up-password-again".into() label="Password, again" kind="password" autocomplete="new-password" required=true error/>
            <button type="submit" class="button primary wide">"Create account and join"</button>
        </ActionForm>
    }
}

#[island]
pub fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <TextField name="current_password" id="current-password".into() label="Current password" kind="password" autocomplete="current-password" required=true error/>
            <TextField name="new_password" id="new-password".into() label="New password" kind="password" autocomplete="new-password" help="At least 12 characters. Your other sessions end and your API tokens stop working." required=true error/>
            <TextField name="new_password_again" id="new-password-again".into() label="New password, again" kind="password" autocomplete="new-password" required=true error/>
            <button type="submit" class="button primary">"Change password"</button>
        </ActionForm>
    }
}

#[island]
pub fn SignOutEverywhereForm() -> impl IntoView {
    let action = ServerAction::<SignOutEverywhere>::new();
    let error = failure(action);
    view! {
        <ActionForm action>
            <FormError error/>
            <button type="submit" class="button danger">"Sign out everywhere"</button>
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
    let form = form_name("member-role", &[user_id.to_string()]);
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, user_id, role]/>
            <button type="submit" class="button small">{label}</button>
        </ActionForm>
    }
}

confirm_form!(RemoveMemberForm(organization_id: Uuid, user_id: Uuid) => RemoveMember, "Remove member");

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
            <Hidden fields=fields![organization_id]/>
            <TextField name="name" check=name_rule id="new-workspace-name".into() label="Workspace name" help=Name::RULES required=true error/>
            <TextField name="classifications" id="new-workspace-classifications".into() label="Classifications" help=format!("Optional: the kinds of data it holds, comma-separated. {}", Classification::RULES) error/>
            <div class="field" class:invalid=move || error.get().is_some_and(|e| e.field("region_id").is_some())>
                <label for="new-workspace-region">"Region"</label>
                <select id="new-workspace-region" name="region_id" required=true aria-describedby="new-workspace-region-help">
                    // No silent preselection: where data lives is a choice to make.
                    <option value="" selected=move || selected().is_none()>"Choose a region…"</option>
                    {options}
                </select>
                <p class="help" id="new-workspace-region-help">"Where the workspace's data is processed and kept; disabled regions are not offered. A region whose data planes are not healthy takes the workspace, but its work waits until one reports in."</p>
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
            <Hidden fields=fields![organization_id, workspace_id, revision]/>
            <TextField name="name" check=name_rule id="workspace-name".into() label="Workspace name" value=name help=Name::RULES required=true error/>
            <button type="submit" class="button">"Rename"</button>
        </ActionForm>
    }
}

/// Says what kinds of data a workspace holds.
#[component]
pub fn ClassifyWorkspaceForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    classifications: String,
) -> impl IntoView {
    let action = ServerAction::<ClassifyWorkspace>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id, workspace_id, revision]/>
            <TextField name="classifications" id="workspace-classifications".into() label="Classifications" value=classifications help=format!("Comma-separated; empty for none. {}", Classification::RULES) error/>
            <button type="submit" class="button">"Save classifications"</button>
        </ActionForm>
    }
}

/// Locks a workspace to its region (`locked`) or unlocks it.
#[island]
pub fn LockWorkspaceForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    locked: bool,
) -> impl IntoView {
    let action = ServerAction::<LockWorkspace>::new();
    let error = failure(action);
    let label = if locked {
        "Lock to this region"
    } else {
        "Unlock"
    };
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <Hidden fields=fields![organization_id, workspace_id, revision, locked]/>
            <button type="submit" class="button">{label}</button>
        </ActionForm>
    }
}

/// The organization's residency policy: where every workspace may live, and rules per
/// classification one per line.
#[island]
pub fn ResidencyPolicyForm(
    organization_id: Uuid,
    revision: i32,
    allowed_jurisdictions: String,
    rules: String,
) -> impl IntoView {
    let action = ServerAction::<SaveResidencyPolicy>::new();
    let error = failure(action);
    let typed = move |field: &'static str, saved: &str| {
        error
            .get()
            .and_then(|e| e.input(field).map(str::to_owned))
            .unwrap_or_else(|| saved.to_owned())
    };
    let rules_typed = move || typed("rules", &rules);
    // What the textarea shows: the saved rules, or what was typed when saving failed.
    view! {
        <ActionForm action>
            <FormError error/>
            <Hidden fields=fields![organization_id, revision]/>
            <TextField name="allowed_jurisdictions" id="policy-allowed".into() label="Every workspace only in" value=allowed_jurisdictions help="Jurisdictions or countries, comma-separated (EU, CH); empty: anywhere." list="known-jurisdictions" error/>
            <div class="field" class:invalid=move || error.get().is_some_and(|e| e.field("rules").is_some())>
                <label for="policy-rules">"Rules by classification"</label>
                <textarea id="policy-rules" name="rules" rows="4" aria-describedby="policy-rules-help policy-rules-error">{rules_typed}</textarea>
                <p class="help" id="policy-rules-help">{RULE_LINE_RULES}" Empty: no rule."</p>
                <FieldMessage name="rules" id="policy-rules-error".into() error/>
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary">"Save policy"</button>
            </div>
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
            <Hidden fields=fields![organization_id, workspace_id, revision, region_id]/>
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
            <Hidden fields=fields![organization_id, workspace_id]/>
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
    let form = form_name("workspace-role", &[permission_id.to_string()]);
    let error = failure_of(action, form.clone());
    let id = format!("role-{permission_id}");
    let roles = WORKSPACE_ROLE_OPTIONS
        .iter()
        .map(|(value, label)| view! { <option value=*value selected=*value == role>{*label}</option> })
        .collect_view();
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, workspace_id, permission_id]/>
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
    let form = form_name("revoke-workspace-role", &[permission_id.to_string()]);
    let error = failure_of(action, form.clone());
    view! {
        <ActionForm action attr:class="inline">
            <FormError error/>
            <FormName name=form/>
            <Hidden fields=fields![organization_id, workspace_id, permission_id]/>
            <button type="submit" class="button small" aria-label=format!("Remove access of {email}")>"Remove"</button>
        </ActionForm>
    }
}

confirm_form!(DeleteWorkspaceForm(organization_id: Uuid, workspace_id: Uuid, revision: i32) => DeleteWorkspace, "Delete workspace");

#[island]
pub fn CreateApplicationForm(organization_id: Uuid) -> impl IntoView {
    let action = ServerAction::<CreateApplication>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
            <TextField name="name" check=name_rule id="new-application-name".into() label="Application name" help=format!("What uses it, e.g. terraform-ci. {}", Name::RULES) required=true error/>
            <button type="submit" class="button primary">"Create application"</button>
        </ActionForm>
    }
}

confirm_form!(DeleteApplicationForm(organization_id: Uuid, application_id: Uuid) => DeleteApplication, "Delete application");

/// The values a form acts on, as hidden fields named like the server function's arguments.
#[component]
fn Hidden(fields: Vec<(&'static str, String)>) -> impl IntoView {
    fields
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view()
}

/// The name of one form among others of the same server function: `kind` and the ids it acts on.
fn form_name(kind: &str, ids: &[String]) -> String {
    std::iter::once(kind.to_owned())
        .chain(ids.iter().cloned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Names the form, so that an error carried back without JavaScript shows beside it only
/// (see [`failure_of`]).
#[component]
fn FormName(name: String) -> impl IntoView {
    view! { <input type="hidden" name=FORM_INPUT value=name/> }
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
            <Hidden fields=fields![organization_id]/>
            {saved.then(|| view! { <input type="hidden" name="revision" value=revision.to_string()/> })}
            <TextField name="issuer" id="sso-issuer".into() label="Issuer URL" kind="url" value=issuer help="Exactly as the provider states it, e.g. https://example.okta.com or https://login.microsoftonline.com/<tenant>/v2.0." required=true error/>
            <TextField name="client_id" id="sso-client-id".into() label="Client ID" value=client_id required=true error/>
            <TextField name="client_secret" id="sso-client-secret".into() label="Client secret" kind="password" autocomplete="new-password" help=secret_help required=!saved error/>
            <TextField name="domains" id="sso-domains".into() label="Email domains" value=domains help="Whose addresses sign in here, separated by commas, e.g. example.com, example.org. Each domain counts once verified in its DNS (see Domain verification)." required=true error/>
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

/// How long the organization keeps audit events here; empty keeps them forever.
#[component]
pub fn AuditRetentionForm(organization_id: Uuid, retention_days: String) -> impl IntoView {
    let action = ServerAction::<SetAuditRetention>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
            <TextField name="retention_days" id="audit-retention".into() label="Keep events for (days)" value=retention_days help="From 30 to 36500. Empty: forever. Events not yet written to your bucket are kept until they are." error/>
            <button type="submit" class="button">"Save retention"</button>
        </ActionForm>
    }
}

/// The organization's own bucket for its audit trail. The secret is never sent back: empty
/// keeps the stored one once there is one.
#[component]
pub fn AuditBucketForm(
    organization_id: Uuid,
    saved: bool,
    endpoint: String,
    region: String,
    bucket: String,
    prefix: String,
    access_key_id: String,
) -> impl IntoView {
    let action = ServerAction::<SaveAuditBucket>::new();
    let error = failure(action);
    let secret_help = if saved {
        "Saved and encrypted; it is never shown again. Leave empty to keep it."
    } else {
        "Stored encrypted, never shown again. Give a key that may only write (s3:PutObject) under the prefix."
    };
    view! {
        <ActionForm action>
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
            <TextField name="endpoint" id="bucket-endpoint".into() label="Endpoint" kind="url" value=endpoint help="https://s3.<region>.amazonaws.com, or your S3-compatible store's address." required=true error/>
            <TextField name="region" id="bucket-region".into() label="Region" value=region help="e.g. eu-central-1 (us-east-1 for most S3-compatible stores)." required=true error/>
            <TextField name="bucket" id="bucket-name".into() label="Bucket" value=bucket required=true error/>
            <TextField name="prefix" id="bucket-prefix".into() label="Prefix" value=prefix help="Optional folder for the objects, e.g. meridian/audit/." error/>
            <TextField name="access_key_id" id="bucket-key-id".into() label="Access key ID" value=access_key_id required=true error/>
            <TextField name="secret_access_key" id="bucket-secret".into() label="Secret access key" kind="password" autocomplete="new-password" help=secret_help required=!saved error/>
            <button type="submit" class="button primary">"Save bucket"</button>
        </ActionForm>
    }
}

button_form!(@component RemoveAuditBucketForm(organization_id: Uuid) => RemoveAuditBucket, "Stop writing to this bucket", "button small danger");

/// Checks that the provider answers with a usable discovery document.
#[island]
pub fn TestSsoForm(organization_id: Uuid, issuer: String) -> impl IntoView {
    let action = ServerAction::<TestSso>::new();
    let error = failure(action);
    view! {
        <ActionForm action attr:class="inline-form">
            <FormError error/>
            <Hidden fields=fields![organization_id]/>
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
            <Hidden fields=fields![organization_id]/>
            <button type="submit" class="button danger">"Turn off single sign-on"</button>
        </ActionForm>
    }
}

button_form!(RunJobForm(organization_id: Uuid, workspace_id: Uuid, job_id: Uuid) => RunJob, "Run now", "button primary");
button_form!(CancelRunForm(organization_id: Uuid, workspace_id: Uuid, run_id: Uuid) => CancelRun, "Cancel run", "button danger");
confirm_form!(DeleteJobForm(organization_id: Uuid, workspace_id: Uuid, job_id: Uuid, revision: i32) => DeleteJob, "Delete job");

/// A job's fields as a form shows them (a new job's are empty but for the defaults).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobFieldValues {
    pub name: String,
    pub deployment: String,
    pub schedule: String,
    pub timeout_seconds: String,
    pub retries: String,
}

/// The fields every job form has, ids prefixed with `prefix`.
#[component]
fn JobFields(
    prefix: String,
    values: JobFieldValues,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    // The schedule is checked by the server only: its calendar stays out of the browser's code.
    let deployment_rule = |raw: &str| crate::domain::DeploymentName::parse(raw).err();
    view! {
        <div class="form-grid">
            <TextField name="name" check=name_rule id=format!("{prefix}-name") label="Name" value=values.name help=Name::RULES required=true error/>
            <TextField name="deployment" check=deployment_rule id=format!("{prefix}-deployment") label="Deployment" value=values.deployment help="The name code is uploaded under to the region's data planes (meridian deploy NAME PATH). Each run executes its latest version." required=true error/>
            <TextField name="schedule" id=format!("{prefix}-schedule") label="Schedule (optional)" value=values.schedule help=crate::domain::Schedule::RULES error/>
            <TextField name="timeout_seconds" id=format!("{prefix}-timeout") label="Time limit (seconds)" kind="number" value=values.timeout_seconds help="1 to 86400; 3600 when empty. A run over it is stopped and fails." error/>
            <TextField name="retries" id=format!("{prefix}-retries") label="Retries" kind="number" value=values.retries help="0 to 10: how many times a failed or lost run is tried again." error/>
        </div>
    }
}

/// Creates a job (no `job_id`) or saves one; ids of its fields start with `prefix`.
#[island]
pub fn JobForm(
    organization_id: Uuid,
    workspace_id: Uuid,
    job_id: Option<Uuid>,
    revision: Option<i32>,
    values: JobFieldValues,
    prefix: String,
    label: String,
) -> impl IntoView {
    let action = ServerAction::<SaveJob>::new();
    let error = failure(action);
    let mut hidden = fields![organization_id, workspace_id];
    if let (Some(job_id), Some(revision)) = (job_id, revision) {
        hidden.extend(fields![job_id, revision]);
    }
    let class = if job_id.is_some() {
        "button"
    } else {
        "button primary"
    };
    view! {
        <ActionForm action>
            <FormError error/>
            <Hidden fields=hidden/>
            <JobFields prefix values error/>
            <button type="submit" class=class>{label}</button>
        </ActionForm>
    }
}
