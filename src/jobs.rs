//! Periodic work of the control plane. Every replica runs the loop; an advisory lock makes
//! sure only one does the work at a time.

use std::time::Duration;

use crate::db;

/// How long heartbeat history is kept.
pub const HEARTBEAT_RETENTION: time::Duration = time::Duration::hours(24);
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Names the pruning job's advisory lock.
pub const PRUNE_LOCK: i64 = 0x4d45_5249_0001; // "MERI" 1

/// Deletes heartbeats older than [`HEARTBEAT_RETENTION`] (keeping each data plane's latest)
/// every ten minutes, on whichever replica takes the lock.
pub fn spawn_heartbeat_pruning(pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            match prune_heartbeats(&pool).await {
                Ok(Some(n)) if n > 0 => tracing::info!(deleted = n, "pruned heartbeat history"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning heartbeat history failed"),
            }
        }
    });
}

/// One pruning pass. `None` when another replica holds the lock.
pub async fn prune_heartbeats(pool: &sqlx::PgPool) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Released with the transaction, whatever happens.
    let locked = sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock($1) as "locked!""#,
        PRUNE_LOCK
    )
    .fetch_one(&mut *tx)
    .await?;
    if !locked {
        return Ok(None);
    }
    let cutoff = time::OffsetDateTime::now_utc() - HEARTBEAT_RETENTION;
    let deleted = db::data_planes::prune_heartbeats(&mut *tx, cutoff).await?;
    tx.commit().await?;
    Ok(Some(deleted))
}

/// How often sessions past their expiry are deleted.
const SESSION_CLEANUP_EVERY: Duration = Duration::from_secs(600);

/// Deletes expired sessions every ten minutes. A failed round (the database was away) is
/// logged and the next one comes as planned: cleanup never stops for good.
pub fn spawn_session_cleanup(pool: sqlx::PgPool) {
    use tower_sessions::session_store::ExpiredDeletion;
    let store = crate::auth::session::store(&pool);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SESSION_CLEANUP_EVERY);
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions failed; trying again later");
            }
        }
    });
}

/// How often abuse counters are tidied.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// Names the housekeeping job's advisory lock.
pub const HOUSEKEEPING_LOCK: i64 = 0x4d45_5249_0002; // "MERI" 2

/// Every minute, on whichever replica takes the lock: forgets rate-limit windows that ended
/// an hour ago, and writes the hourly summaries of failed sign-ins for unknown addresses.
pub fn spawn_housekeeping(pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            every.tick().await;
            if let Err(e) = housekeeping(&pool).await {
                tracing::warn!(error = %e, "housekeeping failed; trying again later");
            }
        }
    });
}

/// One housekeeping pass; `false` when another replica holds the lock.
pub async fn housekeeping(pool: &sqlx::PgPool) -> Result<bool, crate::error::AppError> {
    let mut tx = pool.begin().await?;
    let locked = sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock($1) as "locked!""#,
        HOUSEKEEPING_LOCK
    )
    .fetch_one(&mut *tx)
    .await?;
    if !locked {
        return Ok(false);
    }
    db::abuse::prune_rate_limits(&mut *tx, 3600).await?;
    tx.commit().await?;
    crate::ops::sign_in::summarize_unknown_sign_ins(pool).await?;
    Ok(true)
}

/// Every replica looks for a rotated signing key now and then (a per-replica cache, so no
/// lock: each replica refreshes its own copy).
pub fn spawn_signer_reload(tokens: std::sync::Arc<crate::auth::tokens::TokenKeys>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::auth::tokens::SIGNER_RELOAD_INTERVAL);
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = tokens.reload().await {
                tracing::warn!(error = %e, "looking for a rotated signing key failed");
            }
        }
    });
}

/// How often leases are checked and schedules looked at.
const RUN_UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// Every second, on every replica (each statement takes what it changes under row locks, so
/// replicas never both act on one run or one schedule): marks the runs of data planes that
/// went silent lost (queuing their retries), and queues the runs that schedules call for.
/// A failed round (the database was away) is logged and the next one comes as planned.
pub fn spawn_run_upkeep(pool: sqlx::PgPool, wakeups: std::sync::Arc<crate::queue::Wakeups>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(RUN_UPKEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match crate::ops::work::expire_leases(&pool, &wakeups).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(runs = n, "runs lost: their data plane stopped reporting"),
                Err(e) => tracing::warn!(error = %e, "checking run leases failed"),
            }
            match crate::ops::work::queue_scheduled(&pool, &wakeups).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, "queued scheduled runs"),
                Err(e) => tracing::warn!(error = %e, "queuing scheduled runs failed"),
            }
        }
    });
}
