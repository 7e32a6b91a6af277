//! The sign-in page.
//!
//! Email and password for local accounts. SSO slots in here: the email decides whether the
//! user continues to their organization's identity provider or types a password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::server_fns::session::is_local_path;
use crate::ui::forms::SignInForm;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query
        .read_untracked()
        .get("next")
        .filter(|n| is_local_path(n))
        .unwrap_or_default();
    view! {
        <leptos_meta::Title text="Sign in"/>
        <main class="centered">
            <section class="panel narrow sign-in">
                <p class="brand-large">"Meridian"</p>
                <h1>"Sign in"</h1>
                <p class="lead">"Manage where your organization's data lives."</p>
                <SignInForm next/>
            </section>
        </main>
    }
}
