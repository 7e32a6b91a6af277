//! The invited person's pages: their open invitations, and signing up through a one-time link.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::server_fns::invitations::{InvitationsData, SignUpData, my_invitations, sign_up_page};
use crate::ui::components::{EmptyState, Notice, PageHeader, RelativeTime, loaded};
use crate::ui::forms::{AcceptInvitationForm, DeclineInvitationForm, SignUpForm};

#[component]
pub fn MyInvitationsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_invitations());
    view! {
        <PageHeader title="Invitations" lead="Organizations that invited you. You join one by accepting its invitation."/>
        {loaded(data, |d: InvitationsData| {
            let now = d.now;
            let list = if d.invitations.is_empty() {
                view! {
                    <EmptyState
                        title="No open invitations"
                        hint=format!("Invitations to {} appear here. Ask an admin of your organization to invite you.", d.email)
                    />
                }
                .into_any()
            } else {
                let rows = d
                    .invitations
                    .into_iter()
                    .map(|i| view! {
                        <tr>
                            <td>{i.organization_name.clone()}</td>
                            <td>{i.role.to_string()}</td>
                            <td>{i.invited_by.clone().unwrap_or_default()}</td>
                            <td><RelativeTime at=i.expires_at now/></td>
                            <td class="row-actions">
                                <AcceptInvitationForm invitation_id=i.id/>
                                <DeclineInvitationForm invitation_id=i.id/>
                            </td>
                        </tr>
                    })
                    .collect_view();
                view! {
                    <section class="panel" aria-labelledby="my-invitations-heading">
                        <h2 id="my-invitations-heading">{format!("Invitations to {}", d.email)}</h2>
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Organization"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Invited by"</th>
                                    <th scope="col">"Expires"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </section>
                }
                .into_any()
            };
            view! {
                <Notice notice=d.notice/>
                {list}
            }
        })}
    }
}

/// Signing up through a one-time link an operator issued for an invitation.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let data = Resource::new(token, sign_up_page);
    view! {
        <leptos_meta::Title text="Join"/>
        <main class="centered">
            <section class="panel narrow sign-in">
                <p class="brand-large">"Meridian"</p>
                {move || {
                    let token = token();
                    loaded(data, move |found: Option<SignUpData>| match found {
                        Some(d) => view! {
                            <h1>{format!("Join {}", d.organization_name)}</h1>
                            <p class="lead">{format!("You were invited as {} with {}. Choose a password for your new account.", d.role, d.email)}</p>
                            <SignUpForm token=token.clone()/>
                        }
                        .into_any(),
                        None => view! {
                            <h1>"This link no longer works"</h1>
                            <p class="lead">"A sign-up link works once, until its invitation expires or is revoked. Ask for a new invitation, or sign in if you already have an account."</p>
                            <p><a class="button" href="/login" rel="external">"Sign in"</a></p>
                        }
                        .into_any(),
                    })
                }}
            </section>
        </main>
    }
}
