//! Email domains an organization claims for its single sign-on, and their proof: a DNS TXT
//! record `_meridian-challenge.<domain>` holding the organization's token. Until a claim is
//! proven, the organization's identity provider may neither create nor link accounts with that
//! address; once proven, the domain is that organization's alone. Public suffixes (`com`,
//! `co.uk`, `github.io`) are never claimable: nobody controls every address under them.

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, domains::DomainClaim};
use crate::domain::{Action, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The label under a domain where its proof is published.
pub const CHALLENGE_LABEL: &str = "_meridian-challenge";

/// Where `domain`'s proof is published.
pub fn challenge_name(domain: &str) -> String {
    format!("{CHALLENGE_LABEL}.{domain}")
}

/// The TXT value that proves an organization with `token` controls a domain.
pub fn challenge_value(token: &str) -> String {
    format!("meridian-verification={token}")
}

/// Whether `domain` is a public suffix itself (`com`, `co.uk`, `github.io`): no organization
/// controls every address below it. Under a top-level name the list does not know (`.test`,
/// `.internal`), the name below it is an organization's, as under any other.
fn is_public_suffix(domain: &str) -> bool {
    psl::domain(domain.as_bytes()).is_none()
}

/// Email domains as typed: separated by commas, spaces or new lines, `@` prefixes allowed;
/// lower-cased and deduplicated. Public suffixes are refused.
pub fn parse(raw: &str) -> Result<Vec<String>, String> {
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
        if is_public_suffix(&domain) {
            return Err(format!(
                "'{domain}' is a public suffix: nobody controls every address under it. Name your own domain, e.g. example.{domain}."
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

/// What looking for a domain's proof found.
#[derive(Clone, Debug, PartialEq)]
pub enum Proof {
    /// The record is there: the claim counts (from now, or already did).
    Found(DomainClaim),
    /// No record with the organization's token at the challenge name (yet).
    Missing { name: String, value: String },
}

/// Looks for the proof of one of the caller's organization's claims now.
pub async fn verify(state: &AppState, access: &OrgAccess, domain: &str) -> AppResult<Proof> {
    access.require(OrgRole::Admin)?;
    let org = access.organization_id;
    let token = db::domains::token(&state.pool, org)
        .await?
        .ok_or_else(|| AppError::not_found("organization"))?;
    let claims = db::domains::list(&state.pool, org).await?;
    let claim = claims
        .iter()
        .find(|c| c.domain == domain)
        .ok_or_else(|| AppError::not_found("domain"))?;
    if claim.verified_at.is_some() {
        return Ok(Proof::Found(claim.clone()));
    }
    let proven_elsewhere =
        db::domains::proven_elsewhere(&state.pool, org, &[domain.to_owned()]).await?;
    if !proven_elsewhere.is_empty() {
        return Err(AppError::conflict(
            Some("domain"),
            format!("Another organization has already proven it controls {domain}."),
        ));
    }
    let (name, value) = (challenge_name(domain), challenge_value(&token));
    let found = state.dns.txt(&name).await.map_err(|problem| {
        tracing::warn!(%domain, %problem, "looking up a domain proof");
        AppError::new(
            crate::error::ErrorKind::Invalid,
            format!("DNS did not answer for {name}; try again in a moment."),
        )
    })?;
    let proven = found.iter().any(|v| v.trim() == value);
    let mut tx = state.pool.begin().await?;
    let checked = db::domains::record_check(&mut *tx, org, domain, proven)
        .await?
        .ok_or_else(|| AppError::not_found("domain"))?;
    if proven {
        let event = super::event(access, Action::DomainVerify, org, domain);
        super::record(&mut tx, access, event.after(&checked)).await?;
    }
    // A proof another organization recorded meanwhile is a conflict on the unique index.
    tx.commit().await?;
    Ok(if proven {
        Proof::Found(checked)
    } else {
        Proof::Missing { name, value }
    })
}

/// The organization's claims, its token and what to publish for each.
pub async fn claims(
    state: &AppState,
    organization_id: Uuid,
) -> AppResult<(Vec<DomainClaim>, String)> {
    let (claims, token) = tokio::try_join!(
        db::domains::list(&state.pool, organization_id),
        db::domains::token(&state.pool, organization_id),
    )?;
    Ok((claims, token.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_parsed_lowercased_and_deduplicated() {
        assert_eq!(
            parse("Example.com, @corp.example.org\nexample.com").unwrap(),
            vec!["example.com", "corp.example.org"]
        );
        assert!(parse("").is_err());
        assert!(parse("localhost").is_err());
        assert!(parse("-bad.example.com").is_err());
        assert!(parse("bad_char.example.com").is_err());
    }

    #[test]
    fn public_suffixes_are_refused() {
        for suffix in ["com", "co.uk", "github.io"] {
            assert!(parse(&format!("x, {suffix}")).is_err(), "{suffix}");
        }
        for domain in ["example.co.uk", "corp.example", "acme.github.io"] {
            assert!(parse(domain).is_ok(), "{domain}");
        }
    }
}
