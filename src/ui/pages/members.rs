//! Settings > Members: the organization's people with their role and last sign-in, and who is
//! invited; admins invite by email, revoke invitations, change roles, sign members out
//! everywhere and remove them. Operators also issue sign-up links (shown once).

use leptos::prelude::*;
use uuid::Uuid;

use crate::domain::OrgRole;
use crate::error::AppError;
use crate::paths;
use crate::server_fns::members::{
    InvitationView, MembersData, NewSignUpLink, members_page, reveal_sign_up_link,
};
use crate::ui::components::{
    CredentialsGone, EmptyState, ListSearch, Notice, PageHeader, Pager, RefusedAction,
    RelativeTime, RoleBadge, loaded, path_resource, use_id_param, use_list_query,
};
use crate::ui::forms::{
    InviteMemberForm, IssueSignUpLinkForm, RemoveMemberForm, RevokeInvitationForm,
    SetMemberRoleForm, SignOutMemberForm,
};

#[component]
pub fn MembersPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org"],
        "organization",
        use_list_query(),
        |[org], (search, page)| members_page(org, search, page, None),
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
    let filtered = !data.search.trim().is_empty();
    let base = paths::members(org);
    let query = vec![("search", data.search.clone())];
    let shown = data.members.len();
    let no_rows = shown == 0;
    let empty = no_rows.then(|| view! { <EmptyState title="No member matches" hint="Try another part of the email or name." action=Some(("Clear the search".to_owned(), base.clone()))/> });
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
                // Demoting yourself is confirmed on a page of its own, which says what you lose.
                let change = if m.user_id == data.me && m.role == OrgRole::Admin {
                    view! { <a href=paths::member_demote(org, m.user_id) class="button small">"Make member…"</a> }.into_any()
                } else {
                    view! { <SetMemberRoleForm organization_id=org user_id=m.user_id role=role.into() label=label.into()/> }.into_any()
                };
                view! {
                    {change}
                    <SignOutMemberForm organization_id=org user_id=m.user_id/>
                    <a href=paths::member_remove(org, m.user_id) class="danger-link">"Remove"</a>
                }
            });
            view! {
                <tr>
                    <td>{m.email.clone()}{you}</td>
                    <td>{m.name.clone()}</td>
                    <td><RoleBadge role=m.role/></td>
                    <td>{last}</td>
                    <td class="row-actions">{actions}</td>
                </tr>
            }
        })
        .collect_view();
    let invite = manage.then(|| {
        view! {
            <section class="panel" aria-labelledby="invite-heading">
                <h2 id="invite-heading">"Invite someone"</h2>
                <InviteMemberForm organization_id=org/>
                <p class="help">
                    "Someone with an account accepts after signing in. Someone new signs up through your single sign-on when your verified domain covers their address, or with a one-time sign-up link from your Meridian operator."
                </p>
            </section>
        }
    });
    let invitations = (manage && !data.invitations.is_empty()).then(|| {
        view! { <Invitations invitations=data.invitations.clone() org now is_operator=data.is_operator/> }
    });
    view! {
        <Notice notice=data.meta.notice/>
        {invite}
        {invitations}
        <section class="panel" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <ListSearch action=base.clone() label="Search members by email or name" value=data.search.clone() filtered/>
            {empty}
            <table class="table" hidden=no_rows>
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
            <Pager base query paging=data.paging rows=shown noun="member"/>
        </section>
    }
}

/// Invitations not accepted yet, with what admins (and operators) can do about each.
#[component]
fn Invitations(
    invitations: Vec<InvitationView>,
    org: Uuid,
    now: time::OffsetDateTime,
    is_operator: bool,
) -> impl IntoView {
    let rows = invitations
        .into_iter()
        .map(|i| {
            let expired = i.expires_at <= now;
            let status = if expired {
                view! { <span class="badge badge-unhealthy">"Expired"</span> }.into_any()
            } else {
                view! { <span class="badge badge-unknown">"Pending"</span> }.into_any()
            };
            let link = (is_operator && !expired && !i.has_account)
                .then(|| view! { <IssueSignUpLinkForm organization_id=org invitation_id=i.id/> });
            view! {
                <tr>
                    <td>{i.email.clone()}</td>
                    <td>{i.role.to_string()}</td>
                    <td>{i.invited_by.clone().unwrap_or_default()}</td>
                    <td>{status}" "<span class="small muted">{if expired { "since " } else { "until " }}<RelativeTime at=i.expires_at now/></span></td>
                    <td class="row-actions">{link}<RevokeInvitationForm organization_id=org invitation_id=i.id/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Invitations"</h2>
            <p class="lead">"Invited people are not members until they accept: they hold no role and see nothing."</p>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Invited by"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

/// The member named by the path, for the pages confirming a change to them.
fn member_resource() -> Resource<Result<MembersData, AppError>> {
    path_resource(
        ["org", "user"],
        "member",
        || (),
        |[org, user], ()| members_page(org, String::new(), 0, Some(user)),
    )
}

/// A sign-up link just issued, shown once.
#[component]
pub fn SignUpLinkPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(
        ["org", "invitation"],
        "invitation",
        || (),
        |[org, invitation], ()| reveal_sign_up_link(org, invitation),
    );
    let back = move || paths::members(org.get().unwrap_or_default());
    view! {
        {loaded(data, move |revealed: Option<NewSignUpLink>| match revealed {
            Some(link) => view! {
                <PageHeader title=format!("Sign-up link for {}", link.email) lead="Pass it to this person only, over a channel you trust."/>
                <section class="panel secret-card" aria-labelledby="link-heading">
                    <h2 id="link-heading">"One-time sign-up link"</h2>
                    <p class="warning" role="note">
                        <strong>"Copy the link now."</strong>
                        " It will not be shown again. Whoever opens it chooses the password of the account for this address and joins the organization; it works once, until the invitation expires."
                    </p>
                    <dl class="secret-fields">
                        <dt>"Link"</dt>
                        <dd>
                            <code id="sign-up-link">{link.url}</code>
                            <button type="button" class="button small copy" data-copy="sign-up-link">"Copy"</button>
                        </dd>
                    </dl>
                    <p><a class="button" href=back()>"Back to members"</a></p>
                </section>
            }.into_any(),
            None => view! {
                <CredentialsGone
                    title="Link no longer shown"
                    lead="A sign-up link is shown exactly once, right after it is issued."
                    remedy="If it was lost, issue a new one: the old link stops working."
                    back=back()
                    back_label="Back to members"
                />
            }.into_any(),
        })}
    }
}

#[component]
pub fn RemoveMemberPage() -> impl IntoView {
    let org = use_id_param("org");
    let user = use_id_param("user");
    let data = member_resource();
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
            let yourself = (m.user_id == d.me).then(|| view! {
                <div class="warning" role="note">
                    <strong>"This is you."</strong>
                    " You lose access to this organization at once and are signed out everywhere; only another admin can invite you back."
                </div>
            });
            view! {
                <PageHeader title=format!("Remove {} from the organization?", m.email) lead="They keep their account; they lose access to this organization." crumbs=vec![("Members".to_owned(), back.clone())]/>
                <section class="panel confirm">
                    {yourself}
                    <ul class="consequences">
                        <li>"They can no longer see or change this organization's regions, data planes and workspaces."</li>
                        <li>"Their API applications stop working for this organization within a second."</li>
                        <li>"They are signed out everywhere: their sessions end and their API tokens stop, in every organization."</li>
                    </ul>
                    <RemoveMemberForm organization_id=org user_id=m.user_id cancel=back/>
                </section>
            }.into_any()
        })}
    }
}

/// The confirmation before an admin makes themselves a member: what they lose, and that it is
/// refused while they are the only admin.
#[component]
pub fn DemoteYourselfPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = member_resource();
    view! {
        {loaded(data, move |d: MembersData| {
            let org = org.get().unwrap_or_default();
            let back = paths::members(org);
            let me = d.members.iter().find(|m| m.user_id == d.me && m.role == OrgRole::Admin);
            let Some(me) = me.cloned() else {
                return view! {
                    <PageHeader title="Nothing to change" lead="You are not an admin of this organization."/>
                    <p><a class="button" href=back>"Back to members"</a></p>
                }.into_any();
            };
            let action = if d.admins <= 1 {
                view! {
                    <div class="warning" role="note" id="only-admin">
                        <strong>"You are the only admin."</strong>
                        " An organization always keeps one: make someone else an admin first."
                    </div>
                    <RefusedAction cancel=back.clone() label="Make me a member" reason="only-admin"/>
                }.into_any()
            } else {
                view! {
                    <div class="form-actions">
                        <a class="button" href=back.clone()>"Cancel"</a>
                        <SetMemberRoleForm organization_id=org user_id=me.user_id role="member".into() label="Make me a member".into()/>
                    </div>
                }.into_any()
            };
            view! {
                <PageHeader title="Make yourself a member?" lead="You stay in the organization, with a member's rights." crumbs=vec![("Members".to_owned(), back.clone())]/>
                <section class="panel confirm">
                    <div class="warning" role="note">
                        <strong>"This is you."</strong>
                        " You lose admin rights at once; only another admin can give them back."
                    </div>
                    <ul class="consequences">
                        <li>"You can no longer change regions, data planes, workspaces, members, single sign-on or applications."</li>
                        <li>"You can no longer see the audit log."</li>
                        <li>"Workspaces where you hold a workspace role keep it."</li>
                    </ul>
                    {action}
                </section>
            }.into_any()
        })}
    }
}
