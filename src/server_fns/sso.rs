//! Settings > SSO: an organization's identity provider (organization admins only).

// A server function takes one argument per form field, and the settings form has eight; the
// attribute cannot be put on the function, since the macro generates the client half from it.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::OrgRole;
use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    auth::oidc,
    db, ops,
    ops::sso::SsoInput,
    paths,
    server_fns::context::{Ctx, parse_enabled},
};

/// The saved settings as the page shows them: never the client secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    pub domains: Vec<String>,
    pub default_role: OrgRole,
    pub require_sso: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    pub revision: i32,
}

/// A claimed email domain and what proves it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainView {
    pub domain: String,
    /// When the proof was found; `None` while it is missing.
    #[serde(with = "time::serde::rfc3339::option")]
    pub verified_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<time::OffsetDateTime>,
    /// The TXT record to publish: its name and value.
    pub record_name: String,
    pub record_value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsoData {
    pub meta: PageMeta,
    pub settings: Option<SsoSettings>,
    /// The organization's claimed domains, proven or waiting for their proof.
    pub domains: Vec<DomainView>,
    /// The redirect URI to register at the provider.
    pub callback_url: String,
    /// Where the provider may send users back after signing out.
    pub sign_out_url: String,
    /// Whether this server can store a client secret (an encryption key is configured).
    pub can_store_secrets: bool,
}

#[server(endpoint = "sso/page")]
pub async fn sso_page(organization_id: Uuid) -> Result<SsoData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let settings = db::sso::get(ctx.pool(), organization_id)
        .await?
        .map(|c| SsoSettings {
            issuer: c.issuer,
            client_id: c.client_id,
            domains: c.domains,
            default_role: c.default_role,
            require_sso: c.require_sso,
            updated_at: c.updated_at,
            revision: c.revision,
        });
    let base = ctx.base_url().await;
    let (claims, token) = ops::domains::claims(&ctx.state, organization_id).await?;
    let domains = claims
        .into_iter()
        .map(|c| DomainView {
            record_name: ops::domains::challenge_name(&c.domain),
            record_value: ops::domains::challenge_value(&token),
            domain: c.domain,
            verified_at: c.verified_at,
            checked_at: c.checked_at,
        })
        .collect();
    Ok(SsoData {
        domains,
        meta: PageMeta::load(&ctx, &access, &paths::sso(organization_id)).await?,
        settings,
        callback_url: format!("{base}{}", paths::SSO_CALLBACK),
        sign_out_url: format!("{base}/login"),
        can_store_secrets: ctx.state.secret_box.is_some(),
    })
}

/// Saves the settings. An empty client secret keeps the saved one.
#[server(endpoint = "sso/save")]
pub async fn save_sso(
    organization_id: Uuid,
    revision: Option<i32>,
    issuer: String,
    client_id: String,
    client_secret: String,
    domains: String,
    default_role: String,
    require_sso: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [
        ("issuer", issuer.as_str()),
        ("client_id", client_id.as_str()),
        ("domains", domains.as_str()),
    ];
    let parsed_issuer = oidc::parse_issuer(&issuer, ctx.state.oidc.allow_local())
        .map_err(|m| AppError::invalid("issuer", m));
    let parsed_client = match client_id.trim() {
        "" => Err(AppError::invalid("client_id", "Enter the client ID.")),
        id if id.len() > 255 => Err(AppError::invalid("client_id", "At most 255 characters.")),
        id => Ok(id.to_owned()),
    };
    let parsed_secret = match client_secret.trim() {
        s if s.len() > 1024 => Err(AppError::invalid(
            "client_secret",
            "At most 1024 characters.",
        )),
        "" => Ok(None),
        s => Ok(Some(s.to_owned())),
    };
    let parsed_domains = ops::domains::parse(&domains).map_err(|m| AppError::invalid("domains", m));
    let parsed_role =
        OrgRole::parse(&default_role).map_err(|m| AppError::invalid("default_role", m));
    let parsed_require = parse_enabled(require_sso.as_deref());
    let input = match (
        parsed_issuer,
        parsed_client,
        parsed_secret,
        parsed_domains,
        parsed_role,
        parsed_require,
    ) {
        (
            Ok(issuer),
            Ok(client_id),
            Ok(client_secret),
            Ok(domains),
            Ok(default_role),
            Ok(require),
        ) => SsoInput {
            issuer,
            client_id,
            client_secret,
            domains,
            default_role,
            require_sso: require.unwrap_or(false),
        },
        (a, b, c, d, e, f) => {
            let merged = AppError::merge(
                [a.err(), b.err(), c.err(), d.err(), e.err(), f.err()]
                    .into_iter()
                    .flatten(),
            )
            .unwrap_or_else(AppError::internal);
            return Err(merged.with_input(echo));
        }
    };
    ops::sso::save(&ctx.state, &access, input, revision)
        .await
        .map_err(|e| e.with_input(echo))?;
    ctx.redirect_with_notice(
        &paths::sso(organization_id),
        "Single sign-on settings saved.",
    )
    .await
}

/// Fetches the provider's discovery document and keys now, and says what is wrong if that
/// fails.
#[server(endpoint = "sso/test")]
pub async fn test_sso(organization_id: Uuid, issuer: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [("issuer", issuer.as_str())];
    let parsed = oidc::parse_issuer(&issuer, ctx.state.oidc.allow_local())
        .map_err(|m| AppError::invalid("issuer", m).with_input(echo))?;
    let metadata = ctx
        .state
        .oidc
        .discover(&parsed)
        .await
        .map_err(|m| AppError::invalid("issuer", m).with_input(echo))?;
    let keys = metadata.jwks().keys().len();
    if keys == 0 {
        return Err(AppError::invalid(
            "issuer",
            "The provider publishes no signing keys, so its ID tokens cannot be verified.",
        )
        .with_input(echo));
    }
    if metadata.token_endpoint().is_none() {
        return Err(
            AppError::invalid("issuer", "The provider announces no token endpoint.")
                .with_input(echo),
        );
    }
    let sign_out = if metadata
        .additional_metadata()
        .end_session_endpoint
        .is_some()
    {
        "signing out there too"
    } else {
        "no sign-out endpoint, so signing out ends only the Meridian session"
    };
    ctx.redirect_with_notice(
        &paths::sso(organization_id),
        format!(
            "Connection works: {parsed} answered with its discovery document and {keys} signing key{}; {sign_out}.",
            if keys == 1 { "" } else { "s" }
        ),
    )
    .await
}

/// Turns single sign-on off for the organization.
#[server(endpoint = "sso/delete")]
pub async fn delete_sso(organization_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    ops::sso::delete(&ctx.state, &access).await?;
    ctx.redirect_with_notice(
        &paths::sso(organization_id),
        "Single sign-on turned off. Members sign in with their passwords.",
    )
    .await
}

/// Looks for a claimed domain's DNS proof now.
#[server(endpoint = "sso/verify-domain")]
pub async fn verify_domain(organization_id: Uuid, domain: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let notice = match ops::domains::verify(&ctx.state, &access, domain.trim()).await? {
        ops::domains::Proof::Found(_) => format!(
            "{domain} is verified: your identity provider may now sign in people with addresses there."
        ),
        ops::domains::Proof::Missing { name, value } => {
            return Err(AppError::new(
                crate::error::ErrorKind::Invalid,
                format!(
                    "No TXT record {name} with the value {value} was found yet. DNS changes can take a few minutes to appear."
                ),
            ));
        }
    };
    ctx.redirect_with_notice(&paths::sso(organization_id), notice)
        .await
}
