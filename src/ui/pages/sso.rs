//! Settings > SSO: the organization's identity provider, the addresses it covers, the role new
//! users get, and whether passwords are still allowed. Organization admins only.

use leptos::prelude::*;
use uuid::Uuid;

use crate::server_fns::sso::{DomainView, SsoData, sso_page};
use crate::ui::components::{
    Notice, PageHeader, RelativeTime, loaded, path_resource, use_id_param,
};
use crate::ui::forms::{DeleteSsoForm, SsoSettingsForm, TestSsoForm, VerifyDomainForm};

#[component]
pub fn SsoPage() -> impl IntoView {
    let org = use_id_param("org");
    let data = path_resource(["org"], "organization", || (), |[org], ()| sso_page(org));
    view! {
        <PageHeader title="Single sign-on" lead="Members sign in with your company's identity provider over OpenID Connect (Okta, Microsoft Entra ID, Google Workspace, Keycloak, ...)."/>
        {loaded(data, move |d: SsoData| view! { <Sso data=d org=org.get().unwrap_or_default()/> })}
    }
}

#[component]
fn Sso(data: SsoData, org: Uuid) -> impl IntoView {
    let now = data.meta.now;
    let settings = data.settings.clone();
    let status = match &settings {
        Some(s) => view! {
            <p>
                <span class="badge badge-enabled">"On"</span>
                {format!(" for {} · new users become {}{} · saved ", s.domains.join(", "), s.default_role, if s.require_sso { " · passwords refused" } else { "" })}
                <RelativeTime at=s.updated_at now/>
            </p>
        }
        .into_any(),
        None => view! { <p><span class="badge badge-disabled">"Off"</span>" Members sign in with their passwords."</p> }.into_any(),
    };
    let no_key = (!data.can_store_secrets).then(|| view! {
        <div class="warning" role="note">
            <strong>"This server cannot store client secrets yet."</strong>
            " Set MERIDIAN_ENCRYPTION_KEY (32 random bytes, base64) on every replica, then come back."
        </div>
    });
    let (revision, issuer, client_id, domains, role, require) = match &settings {
        Some(s) => (
            s.revision,
            s.issuer.clone(),
            s.client_id.clone(),
            s.domains.join(", "),
            s.default_role.as_str().to_owned(),
            s.require_sso,
        ),
        None => (
            0,
            String::new(),
            String::new(),
            String::new(),
            "member".to_owned(),
            false,
        ),
    };
    let turn_off = settings.is_some().then(|| view! {
        <section class="panel danger-zone" aria-labelledby="sso-off-heading">
            <h2 id="sso-off-heading">"Turn off"</h2>
            <p class="muted">"Members go back to signing in with passwords; those who never had one can't sign in until an operator sets one."</p>
            <DeleteSsoForm organization_id=org/>
        </section>
    });
    view! {
        <Notice notice=data.meta.notice/>
        <section class="panel" aria-labelledby="sso-status-heading">
            <h2 id="sso-status-heading">"Status"</h2>
            {status}
            <dl class="facts">
                <dt>"Redirect URI"</dt><dd><code>{data.callback_url}</code></dd>
                <dt>"Sign-out redirect URI"</dt><dd><code>{data.sign_out_url}</code></dd>
            </dl>
            <p class="muted small">"Register these with the provider for a confidential web application using the authorization code flow with PKCE, scopes openid, email and profile."</p>
        </section>
        {no_key}
        <section class="panel" aria-labelledby="sso-settings-heading">
            <h2 id="sso-settings-heading">"Provider"</h2>
            <SsoSettingsForm organization_id=org revision issuer=issuer.clone() client_id domains default_role=role require_sso=require/>
        </section>
        {(!data.domains.is_empty()).then(|| view! { <Domains domains=data.domains.clone() org now/> })}
        <section class="panel" aria-labelledby="sso-test-heading">
            <h2 id="sso-test-heading">"Test connection"</h2>
            <p class="muted">"Fetches the provider's discovery document and signing keys now."</p>
            <TestSsoForm organization_id=org issuer/>
        </section>
        {turn_off}
    }
}

/// The claimed domains: proven ones count; for the others, the TXT record to publish.
#[component]
fn Domains(domains: Vec<DomainView>, org: Uuid, now: time::OffsetDateTime) -> impl IntoView {
    let rows = domains
        .into_iter()
        .map(|d| {
            let status = match d.verified_at {
                Some(at) => view! {
                    <span class="badge badge-healthy">"Verified"</span>" "<span class="small muted"><RelativeTime at now/></span>
                }
                .into_any(),
                None => view! {
                    <span class="badge badge-degraded">"Not verified"</span>
                    {d.checked_at.map(|at| view! { " "<span class="small muted">"looked "<RelativeTime at now/></span> })}
                }
                .into_any(),
            };
            let proof = d.verified_at.is_none().then(|| view! {
                <div class="small">
                    "TXT "<code>{d.record_name.clone()}</code>" = "<code>{d.record_value.clone()}</code>
                </div>
                <VerifyDomainForm organization_id=org domain=d.domain.clone()/>
            });
            view! {
                <tr>
                    <td>{d.domain.clone()}</td>
                    <td>{status}</td>
                    <td>{proof}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="sso-domains-heading">
            <h2 id="sso-domains-heading">"Domain verification"</h2>
            <p class="muted">"Your provider signs in people of a domain only once you proved you control it: publish the TXT record in the domain's DNS, then verify. A verified domain belongs to this organization alone."</p>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Proof"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
