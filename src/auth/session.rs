//! The browser session: who is signed in, plus one-shot messages carried across a redirect.
//!
//! Sessions live in Postgres (the `sessions` table), so any replica can serve any request.

use serde::{Serialize, de::DeserializeOwned};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppResult;

const USER_ID: &str = "user_id";
const NOTICE: &str = "notice";
const REVEAL: &str = "reveal";

/// Signs `user_id` in: nothing of a previous sign-in is kept (such as the provider it came
/// through), and a new session id (so an id planted before sign-in is worthless), then the
/// user.
pub async fn establish(session: &Session, user_id: Uuid) -> AppResult<()> {
    session.clear().await;
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await?;
    Ok(())
}

/// The signed-in user's id, if any.
pub async fn user_id(session: &Session) -> AppResult<Option<Uuid>> {
    Ok(session.get::<Uuid>(USER_ID).await?)
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
