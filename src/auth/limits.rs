//! Rate limits against guessing and floods, counted in Postgres so they hold across replicas:
//! password sign-ins per account and per client address, SSO starts and callbacks, and both
//! token exchanges, per client address. Over a limit, the answer is 429 with `Retry-After`.
//! `MERIDIAN_RATE_LIMITS=off` turns them off (for benchmarks from one address).

use crate::error::{AppError, AppResult};

/// So many attempts per window, per subject (an account, an address).
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Names the counter, e.g. `sign-in:account`.
    pub name: &'static str,
    pub attempts: i32,
    pub window_secs: i32,
    /// What the person was trying to do, for the message.
    pub what: &'static str,
}

/// Password sign-ins for one account: a guesser gets a handful of tries. A successful sign-in
/// starts the count again (see [`forget`]), so only failures add up.
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    name: "sign-in:account",
    attempts: 10,
    window_secs: 300,
    what: "sign-in attempts for this account",
};
/// Password sign-ins from one address (an office behind one address signs in too).
pub const SIGN_IN_PER_ADDRESS: Limit = Limit {
    name: "sign-in:address",
    attempts: 300,
    window_secs: 300,
    what: "sign-in attempts from your address",
};
/// Trips to an identity provider from one address.
pub const SSO_START_PER_ADDRESS: Limit = Limit {
    name: "sso-start:address",
    attempts: 60,
    window_secs: 60,
    what: "single sign-on attempts from your address",
};
/// Returns from identity providers to one address.
pub const SSO_CALLBACK_PER_ADDRESS: Limit = Limit {
    name: "sso-callback:address",
    attempts: 60,
    window_secs: 60,
    what: "single sign-on attempts from your address",
};
/// API token exchanges from one address (a client needs one every 15 minutes).
pub const API_TOKEN_PER_ADDRESS: Limit = Limit {
    name: "api-token:address",
    attempts: 600,
    window_secs: 60,
    what: "token requests from your address",
};
/// Data plane token exchanges from one address (an agent needs one every 5 minutes; many
/// agents may share a NAT address).
pub const DATA_PLANE_TOKEN_PER_ADDRESS: Limit = Limit {
    name: "dataplane-token:address",
    attempts: 1200,
    window_secs: 60,
    what: "token requests from your address",
};

/// Counts an attempt at `limit` by `subject`, refusing it once over the limit.
pub async fn check(
    pool: &sqlx::PgPool,
    enabled: bool,
    limit: Limit,
    subject: &str,
) -> AppResult<()> {
    if !enabled {
        return Ok(());
    }
    // Subjects are bounded, so a long one cannot bloat the table.
    let subject: String = subject.chars().take(320).collect::<String>().to_lowercase();
    let key = format!("{}:{subject}", limit.name);
    let (hits, retry_after) = crate::db::abuse::hit(pool, &key, limit.window_secs).await?;
    if hits > limit.attempts {
        return Err(AppError::too_many(
            format!(
                "Too many {}. Try again in {}.",
                limit.what,
                in_words(retry_after)
            ),
            retry_after.max(1) as u32,
        ));
    }
    Ok(())
}

fn in_words(seconds: i32) -> String {
    if seconds < 90 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", (seconds + 59) / 60)
    }
}

/// Starts the count of `limit` for `subject` again: the attempt succeeded.
pub async fn forget(
    pool: &sqlx::PgPool,
    enabled: bool,
    limit: Limit,
    subject: &str,
) -> AppResult<()> {
    if enabled {
        crate::db::abuse::forget(pool, &key(limit, subject)).await?;
    }
    Ok(())
}

/// The counter of `limit` for `subject`. Subjects are bounded, so a long one cannot bloat the
/// table.
fn key(limit: Limit, subject: &str) -> String {
    let subject: String = subject.chars().take(320).collect::<String>().to_lowercase();
    format!("{}:{subject}", limit.name)
}
