//! Single sign-on, the rules half: saving an organization's provider settings (admins only,
//! the client secret encrypted), turning SSO off, and deciding who a verified ID token makes
//! the user (just-in-time accounts and memberships, identity linking).

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::auth::oidc::Verified;
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

/// Email domains as typed: separated by commas, spaces or new lines, `@` prefixes allowed.
pub fn parse_domains(raw: &str) -> Result<Vec<String>, String> {
    let mut domains: Vec<String> = Vec::new();
    for part in raw.split([',', ' ', '\n', '\r', '\t', ';']) {
        let domain = part.trim().trim_start_matches('@').to_ascii_lowercase();
        if domain.is_empty() {
            continue;
        }
        let valid = domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !valid {
            return Err(format!(
                "'{domain}' is not an email domain like example.com."
            ));
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    if domains.is_empty() {
        return Err("Enter at least one email domain, e.g. example.com.".into());
    }
    if domains.len() > 50 {
        return Err("At most 50 domains.".into());
    }
    Ok(domains)
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
        Some(secret) => Some(
            state
                .secret_box
                .as_deref()
                .ok_or_else(|| {
                    AppError::invalid(
                        "client_secret",
                        "This server has no encryption key for stored secrets: set MERIDIAN_ENCRYPTION_KEY first.",
                    )
                })?
                .seal(secret.as_bytes(), access.organization_id.as_bytes()),
        ),
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
    let taken = db::sso::domains_taken(&mut *tx, access.organization_id, &input.domains).await?;
    if !taken.is_empty() {
        return Err(AppError::conflict(
            Some("domains"),
            format!(
                "Another organization's single sign-on already covers {}.",
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
    // A domain claimed by another organization since the check is a conflict on `domains`.
    db::sso::set_domains(&mut tx, access.organization_id, &input.domains).await?;
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

/// Whether organization `org`'s identity provider may speak for an existing account: never
/// for an instance admin (their password is the way in when SSO breaks), and only for an
/// account that belongs to `org` alone or to no organization. An organization admin controls
/// their provider and its claims, so it must never reach accounts other organizations count
/// as theirs.
pub async fn speaks_for(
    conn: &mut sqlx::PgConnection,
    org: Uuid,
    user: &db::users::User,
) -> AppResult<bool> {
    if user.is_instance_admin {
        return Ok(false);
    }
    let memberships = db::organizations::memberships(&mut *conn, user.id).await?;
    Ok(memberships.iter().all(|m| m.organization_id == org))
}

/// The organization whose SSO an address signs in with: the one whose domains cover it, when
/// its provider may speak for the account (a new person, or see [`speaks_for`]).
pub async fn organization_for(
    state: &AppState,
    email: &Email,
) -> AppResult<Option<db::sso::DomainClaim>> {
    let Some(claim) = db::sso::for_domain(&state.pool, email.domain()).await? else {
        return Ok(None);
    };
    let Some(user) = db::users::find_by_email(&state.pool, email).await? else {
        return Ok(Some(claim));
    };
    let mut conn = state.pool.acquire().await?;
    let speaks = speaks_for(&mut conn, claim.organization_id, &user).await?;
    Ok(speaks.then_some(claim))
}

/// Why a verified identity was not let in; each maps to a message on the sign-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The provider shared no usable email address.
    NoEmail,
    /// The provider says the address is not verified.
    Unverified,
    /// The address is outside the organization's SSO domains and not a member's.
    NotCovered,
}

/// Lets a verified identity in: finds its user (by identity, else by email) or creates one,
/// makes them a member with the configured role when their domain is covered, records the
/// sign-in. Returns the user's id.
pub async fn admit(
    state: &AppState,
    config: &db::sso::SsoConfig,
    verified: &Verified,
    source_ip: Option<String>,
) -> AppResult<Result<Uuid, Refusal>> {
    let org = config.organization_id;
    let Some(email) = verified.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
        return Ok(Err(Refusal::NoEmail));
    };
    if verified.email_verified == Some(false) {
        return Ok(Err(Refusal::Unverified));
    }
    let covered = config.domains.iter().any(|d| d == email.domain());
    let mut tx = state.pool.begin().await?;
    let linked = db::sso::identity_user(&mut *tx, &verified.issuer, &verified.subject).await?;
    let user_id = match linked {
        Some(id) => {
            // Checked on every sign-in, not only the first: the account may have become an
            // instance admin or joined another organization since.
            let user = db::users::get(&mut *tx, id)
                .await?
                .ok_or_else(AppError::internal)?;
            if !speaks_for(&mut tx, org, &user).await? {
                return Ok(Err(Refusal::NotCovered));
            }
            id
        }
        None => match db::users::find_by_email(&mut *tx, &email).await? {
            Some(user) => {
                // Linking an existing account: only one this provider may speak for, with an
                // address the provider vouches for, that this organization already counts as
                // its own or whose domain it covers.
                let member = db::organizations::member(&mut *tx, org, user.id)
                    .await?
                    .is_some();
                if verified.email_verified != Some(true)
                    || !(member || covered)
                    || !speaks_for(&mut tx, org, &user).await?
                {
                    return Ok(Err(Refusal::NotCovered));
                }
                db::sso::link_identity(&mut *tx, &verified.issuer, &verified.subject, user.id)
                    .await?;
                user.id
            }
            None if covered => {
                let name = verified.name.as_deref().unwrap_or("");
                let id = db::users::create(&mut *tx, &email, name, None, false).await?;
                db::sso::link_identity(&mut *tx, &verified.issuer, &verified.subject, id).await?;
                id
            }
            None => return Ok(Err(Refusal::NotCovered)),
        },
    };
    let actor = Actor::user(user_id, email.as_str(), source_ip);
    if db::organizations::member(&mut *tx, org, user_id)
        .await?
        .is_none()
    {
        if !covered {
            return Ok(Err(Refusal::NotCovered));
        }
        db::organizations::add_member(&mut *tx, org, user_id, config.default_role).await?;
        db::audit::record(
            &mut tx,
            &actor,
            Event::new(Some(org), Action::MemberAdd, Some(user_id), email.as_str())
                .after(&serde_json::json!({"role": config.default_role, "via": "sso"})),
        )
        .await?;
    }
    db::users::record_sign_in(&mut *tx, user_id).await?;
    db::audit::record(
        &mut tx,
        &actor,
        Event::new(None, Action::UserSignIn, Some(user_id), email.as_str())
            .after(&serde_json::json!({"method": "sso", "issuer": verified.issuer})),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(user_id))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_parsed_lowercased_and_deduplicated() {
        assert_eq!(
            parse_domains("Example.com, @corp.example.org\nexample.com").unwrap(),
            vec!["example.com", "corp.example.org"]
        );
        assert!(parse_domains("").is_err());
        assert!(parse_domains("localhost").is_err());
        assert!(parse_domains("-bad.example.com").is_err());
        assert!(parse_domains("bad_char.example.com").is_err());
    }
}
