//! Single sign-on, the rules half: saving an organization's provider settings (admins only,
//! the client secret encrypted), turning SSO off, and deciding who a verified ID token makes
//! the user (just-in-time accounts and memberships, identity linking), only within the email
//! domains the organization proved it controls (see `ops::domains`).

use uuid::Uuid;

use crate::auth::oidc::Verified;
use crate::auth::{OrgAccess, session::SignedIn};
use crate::db::{self, audit::Actor, audit::Event, sso::SsoChange};
use crate::domain::{Action, Email, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Settings as an admin submits them, parsed.
pub struct SsoInput {
    pub issuer: String,
    pub client_id: String,
    /// `None` keeps the stored secret.
    pub client_secret: Option<String>,
    pub domains: Vec<String>,
    pub default_role: OrgRole,
    pub require_sso: bool,
}

/// The settings as the audit trail records them: never the secret itself.
fn snapshot(config: &db::sso::SsoConfig) -> serde_json::Value {
    serde_json::json!({
        "issuer": config.issuer,
        "clientId": config.client_id,
        "domains": config.domains,
        "defaultRole": config.default_role,
        "requireSso": config.require_sso,
    })
}

/// Creates or updates an organization's SSO settings.
pub async fn save(
    state: &AppState,
    access: &OrgAccess,
    input: SsoInput,
    revision: Option<i32>,
) -> AppResult<db::sso::SsoConfig> {
    access.require(OrgRole::Admin)?;
    let sealed = match &input.client_secret {
        Some(secret) => Some(super::seal_for_organization(
            state,
            access.organization_id,
            "client_secret",
            secret.as_bytes(),
        )?),
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    let before = db::sso::get(&mut *tx, access.organization_id).await?;
    // The stored secret goes only to the provider and client it was entered for: pointing the
    // settings elsewhere must not send it there.
    if sealed.is_none()
        && before
            .as_ref()
            .is_some_and(|c| c.issuer != input.issuer || c.client_id != input.client_id)
    {
        return Err(AppError::invalid(
            "client_secret",
            "Enter the client secret again: the issuer or client ID changed.",
        ));
    }
    let taken =
        db::domains::proven_elsewhere(&mut *tx, access.organization_id, &input.domains).await?;
    if !taken.is_empty() {
        return Err(AppError::conflict(
            Some("domains"),
            format!(
                "Another organization has already proven it controls {}.",
                taken.join(", ")
            ),
        ));
    }
    let change = SsoChange {
        issuer: &input.issuer,
        client_id: &input.client_id,
        client_secret_encrypted: sealed.as_deref(),
        default_role: input.default_role,
        require_sso: input.require_sso,
    };
    match &before {
        None => {
            let sealed = sealed
                .as_deref()
                .ok_or_else(|| AppError::invalid("client_secret", "Enter the client secret."))?;
            db::sso::insert(&mut *tx, access.organization_id, &change, sealed).await?;
        }
        Some(current) => {
            let revision = revision.unwrap_or(current.revision);
            if !db::sso::update(&mut *tx, access.organization_id, &change, revision).await? {
                return Err(AppError::stale("single sign-on setting"));
            }
        }
    }
    // Claims of domains kept keep their proof; new ones wait for theirs (see `ops::domains`).
    db::domains::set(&mut tx, access.organization_id, &input.domains).await?;
    let after = db::sso::get(&mut *tx, access.organization_id)
        .await?
        .ok_or_else(AppError::internal)?;
    let mut event = super::event(
        access,
        if before.is_some() {
            Action::SsoUpdate
        } else {
            Action::SsoCreate
        },
        access.organization_id,
        &after.issuer,
    );
    let mut recorded = snapshot(&after);
    recorded["clientSecretChanged"] = serde_json::Value::Bool(input.client_secret.is_some());
    event = event.after(&recorded);
    if let Some(before) = &before {
        event = event.before(&snapshot(before));
    }
    super::record(&mut tx, access, event).await?;
    tx.commit().await?;
    Ok(after)
}

/// Turns SSO off: members sign in with passwords again (those who have one).
pub async fn delete(state: &AppState, access: &OrgAccess) -> AppResult<()> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = db::sso::get(&mut *tx, access.organization_id)
        .await?
        .ok_or_else(|| AppError::not_found("single sign-on setting"))?;
    db::sso::delete(&mut *tx, access.organization_id).await?;
    super::record(
        &mut tx,
        access,
        super::event(
            access,
            Action::SsoDelete,
            access.organization_id,
            &before.issuer,
        )
        .before(&snapshot(&before)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organization whose single sign-on an address signs in with: the one with SSO that
/// proved it controls the address's domain. Instance admins always keep their password (it is
/// the way in when SSO breaks), so they are never sent there.
pub async fn organization_for(
    state: &AppState,
    email: &Email,
) -> AppResult<Option<db::sso::DomainClaim>> {
    let Some(claim) = db::sso::for_domain(&state.pool, email.domain()).await? else {
        return Ok(None);
    };
    let instance_admin = db::users::find_by_email(&state.pool, email)
        .await?
        .is_some_and(|u| u.is_instance_admin);
    Ok((!instance_admin).then_some(claim))
}

/// Why a verified identity was not let in; each maps to a message on the sign-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The provider shared no usable email address.
    NoEmail,
    /// The provider says the address is not verified.
    Unverified,
    /// The address is not of a domain the organization proved it controls (and the account
    /// was not created by this provider), or it is an instance admin's.
    NotCovered,
}

/// Lets a verified identity in. A provider speaks only for addresses of the domains its
/// organization proved it controls, and for accounts it created itself; never for an instance
/// admin, and never for any other address, whatever it says of `email_verified`. So it finds
/// its user (by identity, else by a proven address the provider vouches for) or creates one
/// (just in time, for a proven domain), makes them a member (with the role of their pending
/// invitation, or the configured one) and records the sign-in.
pub async fn admit(
    state: &AppState,
    config: &db::sso::SsoConfig,
    verified: &Verified,
    source_ip: Option<String>,
) -> AppResult<Result<SignedIn, Refusal>> {
    let org = config.organization_id;
    let Some(email) = verified.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
        return Ok(Err(Refusal::NoEmail));
    };
    if verified.email_verified == Some(false) {
        return Ok(Err(Refusal::Unverified));
    }
    let proven = |address: &str| {
        Email::parse(address)
            .map(|e| config.proven_domains.iter().any(|d| d == e.domain()))
            .unwrap_or(false)
    };
    let mut tx = state.pool.begin().await?;
    let identity = db::sso::identity(&mut *tx, &verified.issuer, &verified.subject).await?;
    let user = match identity {
        Some(identity) => {
            // Checked at every sign-in, not only the first: the account may have become an
            // instance admin, or the organization may have given up the domain, since.
            let user = db::users::get(&mut *tx, identity.user_id)
                .await?
                .ok_or_else(AppError::internal)?;
            // An account the provider created stays its own, until another organization proves
            // it controls the address's domain: from then on that organization's provider
            // speaks for it.
            let created_and_still_ours = identity.created_user && {
                let domain = Email::parse(&user.email)
                    .map(|e| e.domain().to_owned())
                    .unwrap_or_default();
                db::domains::owner(&mut *tx, &domain)
                    .await?
                    .is_none_or(|owner| owner == org)
            };
            if user.is_instance_admin || !(created_and_still_ours || proven(&user.email)) {
                return Ok(Err(Refusal::NotCovered));
            }
            user
        }
        None => match db::users::find_by_email(&mut *tx, &email).await? {
            // Linking an existing account: only for an address of a proven domain that the
            // provider vouches for.
            Some(user) => {
                if user.is_instance_admin
                    || !proven(&user.email)
                    || verified.email_verified != Some(true)
                {
                    return Ok(Err(Refusal::NotCovered));
                }
                db::sso::link_identity(
                    &mut *tx,
                    &verified.issuer,
                    &verified.subject,
                    user.id,
                    false,
                )
                .await?;
                user
            }
            None if proven(email.as_str()) => {
                let name = verified.name.as_deref().unwrap_or("");
                let id = db::users::create(&mut *tx, &email, name, None, false).await?;
                db::sso::link_identity(&mut *tx, &verified.issuer, &verified.subject, id, true)
                    .await?;
                db::users::get(&mut *tx, id)
                    .await?
                    .ok_or_else(AppError::internal)?
            }
            None => return Ok(Err(Refusal::NotCovered)),
        },
    };
    let actor = Actor::user(user.id, email.as_str(), source_ip);
    if db::organizations::member(&mut *tx, org, user.id)
        .await?
        .is_none()
    {
        match db::invitations::lock_pending_for(&mut tx, org, &user.email).await? {
            Some(invitation) if invitation.is_open_at(time::OffsetDateTime::now_utc()) => {
                super::invitations::accept_in(&mut tx, &actor, &invitation, user.id, "sso").await?;
            }
            _ if proven(&user.email) => {
                db::organizations::add_member(&mut *tx, org, user.id, config.default_role).await?;
                let added = serde_json::json!({"role": config.default_role, "via": "sso"});
                let event = Event::new(Some(org), Action::MemberAdd, Some(user.id), email.as_str());
                db::audit::record(&mut tx, &actor, event.after(&added)).await?;
            }
            _ => return Ok(Err(Refusal::NotCovered)),
        }
    }
    db::users::record_sign_in(&mut *tx, user.id).await?;
    db::audit::record(
        &mut tx,
        &actor,
        Event::new(None, Action::UserSignIn, Some(user.id), email.as_str())
            .after(&serde_json::json!({"method": "sso", "issuer": verified.issuer})),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(SignedIn {
        user_id: user.id,
        credentials_epoch: user.credentials_epoch,
    }))
}

/// Records a failed SSO sign-in in the organization's trail. `who` is what is known of the
/// person (an email, or the provider's subject).
pub async fn record_failure(
    state: &AppState,
    organization_id: Uuid,
    who: &str,
    reason: &str,
    source_ip: Option<String>,
) -> AppResult<()> {
    let mut tx = state.pool.begin().await?;
    db::audit::record(
        &mut tx,
        &Actor::anonymous(who, source_ip),
        Event::new(Some(organization_id), Action::UserSignInFailed, None, who)
            .after(&serde_json::json!({"method": "sso", "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
