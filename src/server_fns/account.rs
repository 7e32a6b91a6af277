//! The signed-in person's own account: changing their password, and signing out everywhere
//! (every session and API token ends at once).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, ops, paths, server_fns::context::Ctx};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountData {
    pub email: String,
    pub name: String,
    /// Whether the account has a password (SSO-only accounts have none to change).
    pub has_password: bool,
    pub notice: Option<String>,
}

#[server(endpoint = "account/page")]
pub async fn account_page() -> Result<AccountData, AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    let email = crate::domain::Email::parse(&user.email).map_err(|_| AppError::internal())?;
    let has_password = crate::db::users::find_credentials(ctx.pool(), &email)
        .await?
        .is_some_and(|c| c.password_hash.is_some());
    Ok(AccountData {
        notice: ctx.take_notice(paths::ACCOUNT).await?,
        email: user.email,
        name: user.name,
        has_password,
    })
}

/// Changes the signed-in person's password; their other sessions and their API tokens end,
/// this session stays.
#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_again: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    if new_password != new_password_again {
        return Err(AppError::invalid(
            "new_password_again",
            "The two new passwords differ.",
        ));
    }
    ctx.state
        .limit(auth::limits::SIGN_IN_PER_ACCOUNT, &user.email)
        .await?;
    let epoch = ops::users::change_password(
        &ctx.state,
        &user,
        ctx.source_ip.clone(),
        current_password,
        &new_password,
    )
    .await?;
    auth::session::follow_epoch(&ctx.session, epoch).await?;
    ctx.redirect_with_notice(
        paths::ACCOUNT,
        "Password changed. Your other sessions ended and your API tokens stopped working.",
    )
    .await
}

/// Ends every session and API token of the signed-in person, this session included.
#[server(endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    let actor = crate::db::audit::Actor::user(user.id, &user.email, ctx.source_ip.clone());
    ops::users::sign_out_everywhere(&ctx.state, &actor, &user).await?;
    auth::session::end(&ctx.session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}
