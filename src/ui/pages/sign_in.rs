//! The sign-in page: email first. An email whose domain an organization's single sign-on
//! covers continues to that identity provider (with no password typed, or always when the
//! organization requires SSO); other accounts sign in with their password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::paths::is_local_path;
use crate::ui::forms::SignInForm;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query
        .read_untracked()
        .get("next")
        .filter(|n| is_local_path(n))
        .unwrap_or_default();
    let sso_failure = query
        .read_untracked()
        .get("sso_error")
        .and_then(|code| sso_failure_message(&code))
        .map(|message| view! { <div class="form-error" role="alert"><strong>"Single sign-on failed. "</strong>{message}</div> });
    view! {
        <leptos_meta::Title text="Sign in"/>
        <main class="centered">
            <section class="panel narrow sign-in">
                <p class="brand-large">"Meridian"</p>
                <h1>"Sign in"</h1>
                <p class="lead">"Manage where your organization's data lives."</p>
                {sso_failure}
                <SignInForm next/>
            </section>
        </main>
    }
}

/// Why single sign-on failed, worded for the person signing in, by the code the callback
/// sends (`/login?sso_error=...`).
pub fn sso_failure_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "unavailable" => {
            "We could not reach your organization's identity provider. Try again in a moment, or ask your administrator to check the single sign-on settings."
        }
        "misconfigured" => {
            "Single sign-on for your organization is not set up correctly. Ask your administrator to check its settings."
        }
        "expired" => "That sign-in link has already been used or has expired. Start again.",
        "too_many" => "Too many sign-in attempts from your address. Wait a minute, then try again.",
        "cancelled" => "Sign-in was cancelled at the identity provider.",
        "refused" => {
            "The identity provider did not complete the sign-in. Try again, or ask your administrator."
        }
        "unverified" => {
            "The identity provider's answer could not be verified, so you were not signed in. Try again, or ask your administrator."
        }
        "no_email" => {
            "The identity provider did not share a verified email address, which Meridian needs to sign you in."
        }
        "not_covered" => {
            "Your account is not covered by this organization's single sign-on. Ask an administrator to add you."
        }
        _ => return None,
    })
}
