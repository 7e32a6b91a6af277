//! The sign-in page.
//!
//! Email and password for local accounts. SSO slots in here: the email decides whether the
//! user continues to their organization's identity provider or types a password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::server_fns::session::{SignIn, is_local_path};
use crate::ui::components::{FormError, TextField, email_rule, failure};

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = failure(action);
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .filter(|n| is_local_path(n))
            .unwrap_or_default()
    };
    view! {
        <leptos_meta::Title text="Sign in"/>
        <main class="centered">
            <section class="panel narrow sign-in">
                <p class="brand-large">"Meridian"</p>
                <h1>"Sign in"</h1>
                <p class="lead">"Manage where your organization's data lives."</p>
                <ActionForm action>
                    <FormError error/>
                    <input type="hidden" name="next" value=next/>
                    <TextField name="email" check=email_rule id="sign-in-email".into() label="Email" kind="email" autocomplete="username" required=true autofocus=true error/>
                    <TextField name="password" id="sign-in-password".into() label="Password" kind="password" autocomplete="current-password" required=true error/>
                    <button type="submit" class="button primary wide">"Sign in"</button>
                </ActionForm>
            </section>
        </main>
    }
}
