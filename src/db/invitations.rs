//! Invitations to join an organization, addressed to an email, accepted by the person once
//! signed in (see `ops::invitations`).

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use super::errors::Constraint;
use crate::domain::OrgRole;

/// What breaking each constraint of `invitations` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::on(
        "invitations_open_key",
        "email",
        "This address already has an open invitation.",
    ),
    Constraint::not_from_input("invitations_pkey"),
    Constraint::not_from_input("invitations_link_key"),
];

/// An invitation as the lists show it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Invitation {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub email: String,
    pub role: OrgRole,
    /// Who invited, while they still exist.
    pub invited_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Whether an operator issued a sign-up link for it.
    pub has_link: bool,
    /// Whether the address has an account already (who then signs in and accepts).
    pub has_account: bool,
}

impl Invitation {
    /// Open: neither accepted nor revoked, and not expired at `now`.
    pub fn is_open_at(&self, now: OffsetDateTime) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }
}

/// Reads [`Invitation`]s: the columns, then the rest of the statement after the joins (`i` is
/// the invitation, `o` its organization, `u` who invited).
macro_rules! select_invitations {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            Invitation,
            r#"select i.id, i.organization_id, o.name as organization_name, i.email,
                      i.role as "role: OrgRole", u.email as "invited_by?", i.created_at,
                      i.expires_at, i.accepted_at, i.revoked_at,
                      (i.link_hash is not null) as "has_link!",
                      exists (select 1 from users a where lower(a.email) = i.email) as "has_account!"
               from invitations i join organizations o on o.id = i.organization_id
               left join users u on u.id = i.invited_by "# + $rest
            $(, $arg)*
        )
    };
}

/// What a new invitation says.
pub struct NewInvitation<'a> {
    pub organization_id: Uuid,
    pub email: &'a str,
    pub role: OrgRole,
    pub invited_by: Option<Uuid>,
    pub expires_at: OffsetDateTime,
}

pub async fn create(
    conn: &mut PgConnection,
    new: &NewInvitation<'_>,
) -> Result<Invitation, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into invitations (id, organization_id, email, role, invited_by, expires_at)
         values ($1, $2, lower($3), $4, $5, $6)",
        id,
        new.organization_id,
        new.email,
        new.role as OrgRole,
        new.invited_by,
        new.expires_at,
    )
    .execute(&mut *conn)
    .await?;
    select_invitations!("where i.id = $1", id)
        .fetch_one(conn)
        .await
}

/// The organization's invitations that are neither accepted nor revoked (expired ones too,
/// so admins see them lapse), newest first.
pub async fn pending_in(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<Invitation>, sqlx::Error> {
    select_invitations!(
        "where i.organization_id = $1 and i.accepted_at is null and i.revoked_at is null
         order by i.created_at desc, i.id",
        organization_id
    )
    .fetch_all(db)
    .await
}

/// The open invitations addressed to `email`, for the person to accept or decline.
pub async fn open_for(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Vec<Invitation>, sqlx::Error> {
    select_invitations!(
        "where i.email = lower($1) and i.accepted_at is null and i.revoked_at is null
           and i.expires_at > now()
         order by o.name, i.id",
        email
    )
    .fetch_all(db)
    .await
}

/// One invitation of an organization, locked until the transaction ends.
pub async fn lock(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Invitation>, sqlx::Error> {
    select_invitations!(
        "where i.organization_id = $1 and i.id = $2 for update of i",
        organization_id,
        id
    )
    .fetch_optional(conn)
    .await
}

/// One invitation by id, locked until the transaction ends (the invitee accepting it).
pub async fn lock_any_org(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Invitation>, sqlx::Error> {
    select_invitations!("where i.id = $1 for update of i", id)
        .fetch_optional(conn)
        .await
}

/// The pending invitation of an organization for an address, locked, if any.
pub async fn lock_pending_for(
    conn: &mut PgConnection,
    organization_id: Uuid,
    email: &str,
) -> Result<Option<Invitation>, sqlx::Error> {
    select_invitations!(
        "where i.organization_id = $1 and i.email = lower($2)
           and i.accepted_at is null and i.revoked_at is null
         for update of i",
        organization_id,
        email
    )
    .fetch_optional(conn)
    .await
}

/// The open invitation a sign-up link was issued for, locked, by the keyed hash of its token.
pub async fn lock_by_link(
    conn: &mut PgConnection,
    link_hash: &[u8],
) -> Result<Option<Invitation>, sqlx::Error> {
    select_invitations!(
        "where i.link_hash = $1 and i.accepted_at is null and i.revoked_at is null
           and i.expires_at > now()
         for update of i",
        link_hash
    )
    .fetch_optional(conn)
    .await
}

pub async fn revoke(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update invitations set revoked_at = now()
         where id = $1 and accepted_at is null and revoked_at is null",
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn accept(db: impl PgExecutor<'_>, id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update invitations set accepted_at = now(), accepted_by = $2
         where id = $1 and accepted_at is null and revoked_at is null",
        id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores (the keyed hash of) a new sign-up link for an invitation; an earlier link stops
/// working.
pub async fn set_link(
    db: impl PgExecutor<'_>,
    id: Uuid,
    link_hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update invitations set link_hash = $2 where id = $1",
        id,
        link_hash
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
