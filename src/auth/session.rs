//! The browser session: who is signed in, plus one-shot messages carried across a redirect.
//!
//! Sessions live in Postgres (the `sessions` table), so any replica can serve any request.

use serde::{Serialize, de::DeserializeOwned};
use tower_sessions::Session;
use uuid::Uuid;

use crate::db::users::User;
use crate::error::AppResult;

/// The session store over the `sessions` table.
pub fn store(pool: &sqlx::PgPool) -> tower_sessions_sqlx_store::PostgresStore {
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .with_schema_name("public")
        .and_then(|s| s.with_table_name("sessions"))
        .expect("static, valid identifiers")
}

const USER_ID: &str = "user_id";
/// The user's credentials epoch at sign-in: once it moves on, the session is over.
const EPOCH: &str = "credentials_epoch";
const NOTICE: &str = "notice";
const REVEAL: &str = "reveal";

/// Who a sign-in signed in: the user and their credentials epoch at that moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub credentials_epoch: i32,
}

/// Signs a user in: nothing of a previous sign-in is kept (such as the provider it came
/// through), and a new session id (so an id planted before sign-in is worthless), then the
/// user and their credentials epoch.
pub async fn establish(session: &Session, who: SignedIn) -> AppResult<()> {
    session.clear().await;
    session.cycle_id().await?;
    session.insert(USER_ID, who.user_id).await?;
    session.insert(EPOCH, who.credentials_epoch).await?;
    Ok(())
}

/// The id of the user the session was signed in as, if any, without checking that the session
/// is still valid: for deciding where to send a browser, never for access (see [`user`]).
async fn user_id(session: &Session) -> AppResult<Option<Uuid>> {
    Ok(session.get::<Uuid>(USER_ID).await?)
}

/// The signed-in user, if the session is still theirs: a session signed in before the user's
/// sessions were ended (a new password, removal from an organization, "sign out everywhere")
/// is over, and is deleted here.
pub async fn user(session: &Session, pool: &sqlx::PgPool) -> AppResult<Option<User>> {
    let Some(id) = user_id(session).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i32>(EPOCH).await?.unwrap_or(0);
    match crate::db::users::get(pool, id).await? {
        Some(user) if user.credentials_epoch == epoch => Ok(Some(user)),
        _ => {
            end(session).await?;
            Ok(None)
        }
    }
}

/// Moves a signed-in session on to the user's new credentials epoch, so the session that
/// ended the user's other sessions (a password change) stays signed in.
pub async fn follow_epoch(session: &Session, credentials_epoch: i32) -> AppResult<()> {
    session.insert(EPOCH, credentials_epoch).await?;
    Ok(())
}

/// Ends the session on the server and expires its cookie.
pub async fn end(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

/// A short message for the page at `path`, e.g. "Region eu-west created". Addressed to one
/// page so that another page loading meanwhile (a list refreshing behind a redirect) cannot
/// take it.
pub async fn set_notice(
    session: &Session,
    path: &str,
    message: impl Into<String>,
) -> AppResult<()> {
    session
        .insert(NOTICE, (path.to_owned(), message.into()))
        .await?;
    Ok(())
}

/// Takes the pending notice when it is for the page at `path`, so it is shown once, there.
pub async fn take_notice(session: &Session, path: &str) -> AppResult<Option<String>> {
    match session.get::<(String, String)>(NOTICE).await? {
        Some((for_path, message)) if for_path == path => {
            session.remove_value(NOTICE).await?;
            Ok(Some(message))
        }
        _ => Ok(None),
    }
}

/// Holds a value for exactly one later read, such as a client secret between the form that
/// created it and the page that shows it. Taking it removes it, so a reload shows nothing.
/// `slot` names the kind of value (one per kind), so reveals of different kinds never meet.
pub async fn stash_once<T: Serialize>(session: &Session, slot: &str, value: &T) -> AppResult<()> {
    session.insert(&format!("{REVEAL}:{slot}"), value).await?;
    Ok(())
}

pub async fn take_once<T: DeserializeOwned>(session: &Session, slot: &str) -> AppResult<Option<T>> {
    Ok(session.remove::<T>(&format!("{REVEAL}:{slot}")).await?)
}

/// Session slot for the ticket the sign-in form issues to the SSO start route.
const SSO_START_TICKET: &str = "sso_start";
/// Session slot naming where to sign out at the provider the user signed in with.
/// ([`establish`] clears it with the rest of a previous sign-in.)
const SSO_SIGNED_IN_WITH: &str = "sso_signed_in_with";

/// Where the sign-in form sends an address covered by SSO, with a one-time ticket kept in the
/// session: the start route serves only a browser that came through the sign-in form, so a
/// link planted on another site cannot sign a visitor in to an account of the linker's choosing.
pub async fn sso_start_path(
    session: &Session,
    organization_id: Uuid,
    login_hint: &str,
    next: Option<&str>,
) -> AppResult<String> {
    let ticket = Uuid::new_v4().simple().to_string();
    stash_once(session, SSO_START_TICKET, &(organization_id, &ticket)).await?;
    let mut path = format!(
        "{}?organization={organization_id}&ticket={ticket}&login_hint={}",
        crate::paths::SSO_START,
        crate::paths::encode_query_value(login_hint)
    );
    if let Some(next) = next {
        path.push_str("&next=");
        path.push_str(&crate::paths::encode_query_value(next));
    }
    Ok(path)
}

/// Whether `ticket` is the one the sign-in form issued for `organization_id`; it is used up
/// either way.
pub async fn take_sso_start_ticket(session: &Session, organization_id: Uuid, ticket: &str) -> bool {
    use subtle::ConstantTimeEq;
    let issued: Option<(Uuid, String)> =
        take_once(session, SSO_START_TICKET)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e.message, "reading the SSO start ticket");
                None
            });
    issued.is_some_and(|(org, issued)| {
        org == organization_id && bool::from(issued.as_bytes().ct_eq(ticket.as_bytes()))
    })
}

/// What the sign-in session remembers of the provider, for signing out there: its
/// end-session address for this sign-in, worked out while the provider's metadata is at hand
/// so that signing out waits on no network.
#[derive(serde::Serialize, serde::Deserialize)]
struct SignedInWith {
    end_session_url: Option<String>,
}

/// Remembers where to sign out at the provider the user just signed in with.
pub async fn remember_sso_sign_out(session: &Session, end_session_url: Option<String>) {
    if let Err(e) = session
        .insert(SSO_SIGNED_IN_WITH, SignedInWith { end_session_url })
        .await
    {
        // Only signing out at the provider is lost.
        tracing::warn!(error = %e, "remembering the SSO provider for sign-out");
    }
}

/// Where to send the browser after ending the Meridian session: the provider's end-session
/// endpoint when the user signed in through one that has it, else the sign-in page.
pub async fn sign_out_target(session: &Session) -> String {
    let signed_in_with: Option<SignedInWith> = session.get(SSO_SIGNED_IN_WITH).await.ok().flatten();
    signed_in_with
        .and_then(|with| with.end_session_url)
        .unwrap_or_else(|| "/login".to_owned())
}
