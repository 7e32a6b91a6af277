//! Organizations' single sign-on settings, the email domains they cover, and the provider
//! identities users sign in with.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::OrgRole;

use super::errors::Constraint;

/// What breaking each constraint of the single sign-on tables means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "sso_configurations_pkey",
        "issuer",
        "Someone else saved single sign-on settings meanwhile. Reload and try again.",
    ),
    // Two first sign-ins of one identity at the same moment: the second is refused.
    Constraint::not_from_input("user_identities_pkey"),
];

/// An organization's SSO settings. The client secret stays encrypted here.
#[derive(Clone)]
pub struct SsoConfig {
    pub organization_id: Uuid,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_encrypted: Vec<u8>,
    pub default_role: OrgRole,
    pub require_sso: bool,
    /// Every domain the organization claims, proven or not.
    pub domains: Vec<String>,
    /// The claimed domains proven in DNS: the only ones the provider may speak for.
    pub proven_domains: Vec<String>,
    pub updated_at: time::OffsetDateTime,
    pub revision: i32,
}

impl std::fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoConfig")
            .field("organization_id", &self.organization_id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret_encrypted", &"<redacted>")
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Option<SsoConfig>, sqlx::Error> {
    sqlx::query_as!(
        SsoConfig,
        r#"select c.organization_id, c.issuer, c.client_id, c.client_secret_encrypted,
                  c.default_role as "default_role: OrgRole", c.require_sso,
                  array(select d.domain from organization_domains d
                        where d.organization_id = c.organization_id order by d.domain) as "domains!",
                  array(select d.domain from organization_domains d
                        where d.organization_id = c.organization_id and d.verified_at is not null
                        order by d.domain) as "proven_domains!",
                  c.updated_at, c.revision
           from sso_configurations c where c.organization_id = $1"#,
        organization_id
    )
    .fetch_optional(db)
    .await
}

/// The organization whose single sign-on an email domain signs in with (it proved it controls
/// the domain), and whether it refuses passwords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainClaim {
    pub organization_id: Uuid,
    pub require_sso: bool,
}

/// The organization with single sign-on that proved it controls an email domain (lower case).
pub async fn for_domain(
    db: impl PgExecutor<'_>,
    domain: &str,
) -> Result<Option<DomainClaim>, sqlx::Error> {
    sqlx::query_as!(
        DomainClaim,
        "select d.organization_id, c.require_sso
         from organization_domains d
         join sso_configurations c on c.organization_id = d.organization_id
         where d.domain = $1 and d.verified_at is not null",
        domain
    )
    .fetch_optional(db)
    .await
}

/// An organization that requires SSO, has `user_id` as a member and proved it controls the
/// domain of their address (so its provider can sign them in), if any.
pub async fn required_for(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select c.organization_id from sso_configurations c
         join organization_members m on m.organization_id = c.organization_id
         join users u on u.id = m.user_id
         join organization_domains d
           on d.organization_id = c.organization_id and d.verified_at is not null
          and d.domain = lower(split_part(u.email, '@', 2))
         where m.user_id = $1 and c.require_sso
         order by c.organization_id limit 1",
        user_id
    )
    .fetch_optional(db)
    .await
}

/// What a save asks for. `client_secret_encrypted: None` keeps the stored secret.
pub struct SsoChange<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret_encrypted: Option<&'a [u8]>,
    pub default_role: OrgRole,
    pub require_sso: bool,
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    change: &SsoChange<'_>,
    client_secret_encrypted: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into sso_configurations
           (organization_id, issuer, client_id, client_secret_encrypted, default_role, require_sso)
         values ($1, $2, $3, $4, $5, $6)",
        organization_id,
        change.issuer,
        change.client_id,
        client_secret_encrypted,
        change.default_role as OrgRole,
        change.require_sso,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Updates when still at `revision`; `false` when someone saved meanwhile.
pub async fn update(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    change: &SsoChange<'_>,
    revision: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update sso_configurations
         set issuer = $2, client_id = $3,
             client_secret_encrypted = coalesce($4, client_secret_encrypted),
             default_role = $5, require_sso = $6, updated_at = now(), revision = revision + 1
         where organization_id = $1 and revision = $7",
        organization_id,
        change.issuer,
        change.client_id,
        change.client_secret_encrypted,
        change.default_role as OrgRole,
        change.require_sso,
        revision,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns SSO off for an organization. Its domain claims stay, proofs included.
pub async fn delete(db: impl PgExecutor<'_>, organization_id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from sso_configurations where organization_id = $1",
        organization_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A provider identity: the user it belongs to, and whether the provider created the account.
pub struct Identity {
    pub user_id: Uuid,
    pub created_user: bool,
}

/// The user a provider identity belongs to.
pub async fn identity(
    db: impl PgExecutor<'_>,
    issuer: &str,
    subject: &str,
) -> Result<Option<Identity>, sqlx::Error> {
    sqlx::query_as!(
        Identity,
        "select user_id, created_user from user_identities where issuer = $1 and subject = $2",
        issuer,
        subject
    )
    .fetch_optional(db)
    .await
}

/// A user's identity at a provider; `created_user` when the provider's sign-in created the
/// account (a provider may always speak for accounts it created).
pub async fn link_identity(
    db: impl PgExecutor<'_>,
    issuer: &str,
    subject: &str,
    user_id: Uuid,
    created_user: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into user_identities (issuer, subject, user_id, created_user)
         values ($1, $2, $3, $4)
         on conflict (issuer, subject) do nothing",
        issuer,
        subject,
        user_id,
        created_user
    )
    .execute(db)
    .await?;
    Ok(())
}
