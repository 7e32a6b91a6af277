//! Settings > Members: the organization's people with their role and last sign-in; admins
//! add members by email, change roles and remove members.

use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::OrgRole;
use crate::paths;
use crate::server_fns::members::{MembersData, members_page};
use crate::ui::components::{
    Notice, PageHeader, RelativeTime, loaded, path_resource, use_id_param,
};
use crate::ui::forms::{AddMemberForm, RemoveMemberForm, SetMemberRoleForm};

#[component]
pub fn MembersPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| members_page(org),
    );
    view! {
        <PageHeader title="Members" lead="People of this organization. Admins manage regions, data planes, workspaces and members; members may look."/>
        {loaded(data, move |d: MembersData| view! { <Members data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Members(data: MembersData, org: Uuid) -> impl IntoView {
    let now = data.meta.now;
    let manage = data.meta.can_manage;
    let rows = data
        .members
        .iter()
        .map(|m| {
            let you = (m.user_id == data.me).then(|| view! { <span class="muted small">" (you)"</span> });
            let last = match m.last_sign_in_at {
                Some(at) => view! { <RelativeTime at now/> }.into_any(),
                None => view! { <span class="muted">"Never"</span> }.into_any(),
            };
            let actions = manage.then(|| {
                let (role, label) = match m.role {
                    OrgRole::Admin => ("member", "Make member"),
                    OrgRole::Member => ("admin", "Make admin"),
                };
                view! {
                    <SetMemberRoleForm organization_id=org user_id=m.user_id role=role.into() label=label.into()/>
                    <a href=paths::member_remove(org, m.user_id) class="danger-link">"Remove"</a>
                }
            });
            view! {
                <tr>
                    <td>{m.email.clone()}{you}</td>
                    <td>{m.name.clone()}</td>
                    <td><span class="badge badge-unknown">{m.role.to_string()}</span></td>
                    <td>{last}</td>
                    <td class="row-actions">{actions}</td>
                </tr>
            }
        })
        .collect_view();
    let add = manage.then(|| {
        view! {
            <section class="panel" aria-labelledby="add-member-heading">
                <h2 id="add-member-heading">"Add a member"</h2>
                <AddMemberForm organization_id=org/>
            </section>
        }
    });
    view! {
        <Notice notice=data.meta.notice/>
        {add}
        <section class="panel" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
pub fn RemoveMemberPage() -> impl IntoView {
    let org = use_id_param("org");
    let user = use_id_param("user");
    let data = path_resource(
        ["org"],
        "organization",
        || (),
        |[org], ()| members_page(org),
    );
    view! {
        {loaded(data, move |d: MembersData| {
            let org = org.get().unwrap_or_default();
            let back = paths::members(org);
            let Some(m) = d.members.iter().find(|m| Some(m.user_id) == user.get_untracked()).cloned() else {
                return view! {
                    <PageHeader title="Not a member" lead="This person is not a member of the organization (any more)."/>
                    <p><a class="button" href=back>"Back to members"</a></p>
                }.into_any();
            };
            view! {
                <PageHeader title=format!("Remove {} from the organization?", m.email) lead="They keep their account; they lose access to this organization."/>
                <section class="panel confirm">
                    <ul class="consequences">
                        <li>"They can no longer see or change this organization's regions, data planes and workspaces."</li>
                        <li>"Their API applications stop working for this organization within a second."</li>
                    </ul>
                    <RemoveMemberForm organization_id=org user_id=m.user_id cancel=back/>
                </section>
            }.into_any()
        })}
    }
}
