//! Invitations: how a person joins an organization. An admin invites an email address; the
//! person accepts once signed in by a method they already control (their password, or their
//! own organization's single sign-on), or, when they have no account yet, by signing up through
//! the inviting organization's single sign-on (only for a domain it proved it controls, see
//! `ops::sso::admit`) or through a one-time sign-up link that only an operator can issue.
//! Until then they are not a member, hold no role and are counted nowhere. An invitation can be
//! revoked and expires.
//!
//! An organization's admin never gets a way to sign in as the person they invite: that is what
//! let one organization take over another's people when adding a member created their account.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::{OrgAccess, secrets::ClientSecret, session::SignedIn};
use crate::db::{
    self,
    audit::{Actor, Event},
    invitations::{Invitation, NewInvitation},
    users::User,
};
use crate::domain::{Action, Email, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How long an invitation stays open.
pub const VALID_FOR: time::Duration = time::Duration::days(7);

/// Invites an email address to the caller's organization with a role.
pub async fn invite(
    state: &AppState,
    access: &OrgAccess,
    email: &Email,
    role: OrgRole,
) -> AppResult<Invitation> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    if let Some(user) = db::users::find_by_email(&mut *tx, email).await?
        && db::organizations::member(&mut *tx, access.organization_id, user.id)
            .await?
            .is_some()
    {
        return Err(AppError::conflict(
            Some("email"),
            format!("{email} is already a member."),
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    if let Some(pending) =
        db::invitations::lock_pending_for(&mut tx, access.organization_id, email.as_str()).await?
    {
        if pending.is_open_at(now) {
            return Err(AppError::conflict(
                Some("email"),
                format!("{email} is already invited. Revoke that invitation to send another."),
            ));
        }
        // An expired invitation makes way for the new one.
        db::invitations::revoke(&mut *tx, pending.id).await?;
    }
    let invitation = db::invitations::create(
        &mut tx,
        &NewInvitation {
            organization_id: access.organization_id,
            email: email.as_str(),
            role,
            invited_by: Some(access.user.id),
            expires_at: now + VALID_FOR,
        },
    )
    .await?;
    let event = super::event(
        access,
        Action::InvitationCreate,
        invitation.id,
        &invitation.email,
    );
    let details =
        serde_json::json!({"role": role, "expiresAt": invitation.expires_at.unix_timestamp()});
    super::record(&mut tx, access, event.after(&details)).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Invites an existing user (the public API names users by id).
pub async fn invite_user(
    state: &AppState,
    access: &OrgAccess,
    user_id: Uuid,
    role: OrgRole,
) -> AppResult<Invitation> {
    let user = db::users::get(&state.pool, user_id)
        .await?
        .ok_or_else(|| AppError::invalid("user_id", "No user has that id."))?;
    let email = Email::parse(&user.email).map_err(|_| AppError::internal())?;
    invite(state, access, &email, role).await
}

/// Revokes an invitation of the caller's organization that was not accepted yet.
pub async fn revoke(
    state: &AppState,
    access: &OrgAccess,
    invitation_id: Uuid,
) -> AppResult<Invitation> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let invitation = db::invitations::lock(&mut tx, access.organization_id, invitation_id)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.revoked_at.is_none())
        .ok_or_else(|| AppError::not_found("invitation"))?;
    db::invitations::revoke(&mut *tx, invitation.id).await?;
    let event = super::event(
        access,
        Action::InvitationRevoke,
        invitation.id,
        &invitation.email,
    );
    super::record(&mut tx, access, event.before(&invitation)).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// An open invitation addressed to `user`, locked; anything else is as good as missing, so
/// invitation ids reveal nothing to others.
async fn addressed_to(
    tx: &mut PgConnection,
    user: &User,
    invitation_id: Uuid,
) -> AppResult<Invitation> {
    let now = time::OffsetDateTime::now_utc();
    db::invitations::lock_any_org(tx, invitation_id)
        .await?
        .filter(|i| i.email.eq_ignore_ascii_case(&user.email) && i.is_open_at(now))
        .ok_or_else(|| AppError::not_found("invitation"))
}

/// The signed-in user accepts an invitation addressed to them and becomes a member.
pub async fn accept(
    state: &AppState,
    user: &User,
    source_ip: Option<String>,
    invitation_id: Uuid,
) -> AppResult<Invitation> {
    let mut tx = state.pool.begin().await?;
    let invitation = addressed_to(&mut tx, user, invitation_id).await?;
    let actor = Actor::user(user.id, &user.email, source_ip);
    accept_in(&mut tx, &actor, &invitation, user.id, "invitation").await?;
    tx.commit().await?;
    Ok(invitation)
}

/// The signed-in user declines an invitation addressed to them.
pub async fn decline(
    state: &AppState,
    user: &User,
    source_ip: Option<String>,
    invitation_id: Uuid,
) -> AppResult<Invitation> {
    let mut tx = state.pool.begin().await?;
    let invitation = addressed_to(&mut tx, user, invitation_id).await?;
    db::invitations::revoke(&mut *tx, invitation.id).await?;
    let actor = Actor::user(user.id, &user.email, source_ip);
    record_for(&mut tx, &actor, &invitation, Action::InvitationDecline).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Makes the invited person (`user_id`) a member with the invitation's role, in the caller's
/// transaction; `via` says how they proved who they are. Accepting an invitation of an
/// organization one already belongs to (a race) only closes the invitation.
pub(crate) async fn accept_in(
    tx: &mut PgConnection,
    actor: &Actor,
    invitation: &Invitation,
    user_id: Uuid,
    via: &str,
) -> AppResult<()> {
    if !db::invitations::accept(&mut *tx, invitation.id, user_id).await? {
        return Err(AppError::not_found("invitation"));
    }
    record_for(tx, actor, invitation, Action::InvitationAccept).await?;
    let org = invitation.organization_id;
    if db::organizations::member(&mut *tx, org, user_id)
        .await?
        .is_none()
    {
        db::organizations::add_member(&mut *tx, org, user_id, invitation.role).await?;
        let added = serde_json::json!({"role": invitation.role, "via": via});
        let event = Event::new(
            Some(org),
            Action::MemberAdd,
            Some(user_id),
            &invitation.email,
        );
        db::audit::record(tx, actor, event.after(&added)).await?;
    }
    Ok(())
}

/// An event in the invitation's organization about it.
async fn record_for(
    tx: &mut PgConnection,
    actor: &Actor,
    invitation: &Invitation,
    action: Action,
) -> AppResult<()> {
    let event = Event::new(
        Some(invitation.organization_id),
        action,
        Some(invitation.id),
        &invitation.email,
    );
    Ok(db::audit::record(tx, actor, event).await?)
}

/// The path of a one-time sign-up link (see [`issue_sign_up_link`]).
pub fn sign_up_path(token: &str) -> String {
    format!("/invitations/sign-up/{token}")
}

/// Issues a one-time sign-up link for an open invitation of a person without an account: who
/// holds it sets the account's password and joins. Only operators (instance admins, the
/// command line) issue them, and pass them to the person themselves: an organization's admin
/// never holds a way into the account of the person they invite. A new link replaces the
/// previous one. Returns the link's path.
pub async fn issue_sign_up_link(
    state: &AppState,
    operator: &Actor,
    is_operator: bool,
    organization_id: Uuid,
    invitation_id: Uuid,
) -> AppResult<String> {
    if !is_operator {
        return Err(AppError::forbidden());
    }
    let mut tx = state.pool.begin().await?;
    let now = time::OffsetDateTime::now_utc();
    let invitation = db::invitations::lock(&mut tx, organization_id, invitation_id)
        .await?
        .filter(|i| i.is_open_at(now))
        .ok_or_else(|| AppError::not_found("invitation"))?;
    let email = Email::parse(&invitation.email).map_err(|_| AppError::internal())?;
    if db::users::find_by_email(&mut *tx, &email).await?.is_some() {
        return Err(AppError::conflict(
            None,
            format!(
                "{email} already has an account: they sign in and accept the invitation there."
            ),
        ));
    }
    let token = ClientSecret::generate();
    let hash = state.hasher.hash("invitation", token.expose());
    db::invitations::set_link(&mut *tx, invitation.id, &hash).await?;
    record_for(&mut tx, operator, &invitation, Action::InvitationLink).await?;
    tx.commit().await?;
    Ok(sign_up_path(token.expose()))
}

/// The open invitation a sign-up link is for, if the link is good.
pub async fn by_sign_up_link(state: &AppState, token: &str) -> AppResult<Option<Invitation>> {
    if token.len() > 100 {
        return Ok(None);
    }
    let hash = state.hasher.hash("invitation", token);
    let mut tx = state.pool.begin().await?;
    let found = db::invitations::lock_by_link(&mut tx, &hash).await?;
    tx.commit().await?;
    Ok(found)
}

/// Signs up through a one-time link: creates the invited person's account with `password`,
/// makes them a member and uses up the link. Returns who to sign in.
pub async fn sign_up(
    state: &AppState,
    token: &str,
    name: &str,
    password: &str,
    source_ip: Option<String>,
) -> AppResult<SignedIn> {
    crate::auth::password::check_strength(password)
        .map_err(|m| AppError::invalid("password", m))?;
    let hash = super::users::hash_password(password).await?;
    let link_hash = state.hasher.hash("invitation", token);
    let mut tx = state.pool.begin().await?;
    let invitation = db::invitations::lock_by_link(&mut tx, &link_hash)
        .await?
        .ok_or_else(|| {
            AppError::not_found("invitation")
                .with_message("This sign-up link was used, revoked or has expired.")
        })?;
    let email = Email::parse(&invitation.email).map_err(|_| AppError::internal())?;
    let user_id = db::users::create(&mut *tx, &email, name.trim(), Some(&hash), false).await?;
    let actor = Actor::user(user_id, email.as_str(), source_ip);
    let created = Event::new(
        Some(invitation.organization_id),
        Action::UserCreate,
        Some(user_id),
        email.as_str(),
    );
    db::audit::record(&mut tx, &actor, created).await?;
    accept_in(&mut tx, &actor, &invitation, user_id, "sign-up link").await?;
    db::users::record_sign_in(&mut *tx, user_id).await?;
    let signed_in = Event::new(None, Action::UserSignIn, Some(user_id), email.as_str())
        .after(&serde_json::json!({"method": "sign-up link"}));
    db::audit::record(&mut tx, &actor, signed_in).await?;
    tx.commit().await?;
    Ok(SignedIn {
        user_id,
        credentials_epoch: 0,
    })
}
