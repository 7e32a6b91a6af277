//! The signed-in person's own account: password and sessions.

use leptos::prelude::*;

use crate::server_fns::account::{AccountData, account_page};
use crate::ui::components::{Notice, PageHeader, loaded};
use crate::ui::forms::{ChangePasswordForm, SignOutEverywhereForm};

#[component]
pub fn AccountPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| account_page());
    view! {
        <PageHeader title="Your account" lead="Your password and where you are signed in."/>
        {loaded(data, |d: AccountData| {
            let password = if d.has_password {
                view! {
                    <section class="panel" aria-labelledby="password-heading">
                        <h2 id="password-heading">"Change your password"</h2>
                        <ChangePasswordForm/>
                    </section>
                }
                .into_any()
            } else {
                view! {
                    <section class="panel">
                        <h2>"Password"</h2>
                        <p>"You sign in through your organization's single sign-on; your account has no password here."</p>
                    </section>
                }
                .into_any()
            };
            view! {
                <Notice notice=d.notice/>
                <section class="panel">
                    <dl class="facts">
                        <dt>"Email"</dt><dd>{d.email}</dd>
                        <dt>"Name"</dt><dd>{d.name}</dd>
                    </dl>
                </section>
                {password}
                <section class="panel" aria-labelledby="sessions-heading">
                    <h2 id="sessions-heading">"Sign out everywhere"</h2>
                    <p>"Ends every session of yours, this one included, and stops your API tokens (your applications can exchange their credentials again). Use it when a device was lost or shared."</p>
                    <SignOutEverywhereForm/>
                </section>
            }
        })}
    }
}
