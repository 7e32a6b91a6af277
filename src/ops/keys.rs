//! The instance's token signing key: rotation, by an operator.

use crate::auth::tokens;
use crate::db::{self, audit::Actor, audit::Event};
use crate::domain::Action;
use crate::error::AppResult;
use crate::state::AppState;

/// Makes a new key the one tokens are signed with; the old ones stay published and accepted
/// until the tokens they signed have expired. This replica switches at once, the others
/// within [`tokens::SIGNER_RELOAD_INTERVAL`]. Returns the new key's id.
pub async fn rotate_signing_key(state: &AppState, actor: &Actor) -> AppResult<String> {
    let key = tokens::new_signing_key();
    let mut tx = state.pool.begin().await?;
    db::keys::rotate_signing_key(&mut tx, &key).await?;
    db::audit::record(
        &mut tx,
        actor,
        Event::new(None, Action::SigningKeyRotate, None, &key.kid),
    )
    .await?;
    tx.commit().await?;
    state.tokens.reload().await?;
    Ok(key.kid)
}
