//! Periodic work of the control plane. Every replica runs the loop; an advisory lock makes
//! sure only one does the work at a time.

use std::time::Duration;

use crate::db;
use crate::telemetry;

/// How long heartbeat history is kept.
pub const HEARTBEAT_RETENTION: time::Duration = time::Duration::hours(24);
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Names the pruning job's advisory lock.
pub const PRUNE_LOCK: i64 = 0x4d45_5249_0001; // "MERI" 1

/// Runs `pass` every `period`, forever: every replica looks, and the first to find the period
/// over since any replica last ran it runs it (see `db::periodic::claim`). A failed pass (the
/// database was away) is logged and counted and the next comes as planned: periodic work never
/// stops for good. `pass` answers `Some` when it did the work, `None` when another replica held
/// the job's lock (a pass still running).
fn spawn_every<T, E, F, Fut>(pool: sqlx::PgPool, job: &'static str, period: Duration, pass: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Option<T>, E>> + Send,
    T: std::fmt::Debug,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match db::periodic::claim(&pool, job, period).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    telemetry::count_job(job, Some(false));
                    tracing::warn!(job, error = %e, "periodic work failed; trying again later");
                    continue;
                }
            }
            match pass().await {
                Ok(Some(done)) => {
                    telemetry::count_job(job, Some(true));
                    tracing::debug!(job, ?done, "periodic work done");
                }
                Ok(None) => {}
                Err(e) => {
                    telemetry::count_job(job, Some(false));
                    tracing::warn!(job, error = %e, "periodic work failed; trying again later");
                }
            }
        }
    });
}

/// Deletes heartbeats older than [`HEARTBEAT_RETENTION`] (keeping each data plane's latest)
/// every ten minutes, on whichever replica takes the lock.
pub fn spawn_heartbeat_pruning(pool: sqlx::PgPool) {
    spawn_every(pool.clone(), "prune_heartbeats", PRUNE_EVERY, move || {
        let pool = pool.clone();
        async move {
            let pruned = prune_heartbeats(&pool).await?;
            if let Some(n) = pruned.filter(|n| *n > 0) {
                tracing::info!(deleted = n, "pruned heartbeat history");
            }
            Ok::<_, sqlx::Error>(pruned)
        }
    });
}

/// One pruning pass. `None` when another replica holds the lock.
pub async fn prune_heartbeats(pool: &sqlx::PgPool) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !db::periodic::try_lock(&mut tx, PRUNE_LOCK).await? {
        return Ok(None);
    }
    let cutoff = time::OffsetDateTime::now_utc() - HEARTBEAT_RETENTION;
    let deleted = db::data_planes::prune_heartbeats(&mut *tx, cutoff).await?;
    tx.commit().await?;
    Ok(Some(deleted))
}

/// How often sessions past their expiry are deleted.
const SESSION_CLEANUP_EVERY: Duration = Duration::from_secs(600);
/// Names the session cleanup's advisory lock.
pub const SESSION_CLEANUP_LOCK: i64 = 0x4d45_5249_0003; // "MERI" 3

/// Deletes expired sessions every ten minutes, on whichever replica takes the lock.
pub fn spawn_session_cleanup(pool: sqlx::PgPool) {
    spawn_every(
        pool.clone(),
        "session_cleanup",
        SESSION_CLEANUP_EVERY,
        move || {
            let pool = pool.clone();
            async move { delete_expired_sessions(&pool).await }
        },
    );
}

/// One session cleanup pass: how many were deleted, `None` when another replica holds the lock.
pub async fn delete_expired_sessions(pool: &sqlx::PgPool) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !db::periodic::try_lock(&mut tx, SESSION_CLEANUP_LOCK).await? {
        return Ok(None);
    }
    let deleted = db::users::delete_expired_sessions(&mut *tx).await?;
    tx.commit().await?;
    Ok(Some(deleted))
}

/// How often abuse counters are tidied.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// Names the housekeeping job's advisory lock.
pub const HOUSEKEEPING_LOCK: i64 = 0x4d45_5249_0002; // "MERI" 2

/// Every minute, on whichever replica takes the lock: forgets rate-limit windows that ended
/// an hour ago, and writes the hourly summaries of failed sign-ins for unknown addresses.
pub fn spawn_housekeeping(pool: sqlx::PgPool) {
    spawn_every(
        pool.clone(),
        "housekeeping",
        HOUSEKEEPING_EVERY,
        move || {
            let pool = pool.clone();
            async move { Ok::<_, crate::error::AppError>(housekeeping(&pool).await?.then_some(())) }
        },
    );
}

/// One housekeeping pass; `false` when another replica holds the lock.
pub async fn housekeeping(pool: &sqlx::PgPool) -> Result<bool, crate::error::AppError> {
    let mut tx = pool.begin().await?;
    if !db::periodic::try_lock(&mut tx, HOUSEKEEPING_LOCK).await? {
        return Ok(false);
    }
    db::abuse::prune_rate_limits(&mut *tx, 3600).await?;
    tx.commit().await?;
    crate::ops::sign_in::summarize_unknown_sign_ins(pool).await?;
    Ok(true)
}

/// How often expired audit events are looked for.
const AUDIT_RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// Names the audit retention job's advisory lock.
pub const AUDIT_RETENTION_LOCK: i64 = 0x4d45_5249_0004; // "MERI" 4
/// Events deleted per transaction, so that a first pass over years of events holds no lock long.
const AUDIT_RETENTION_BATCH: i64 = 10_000;

/// Every hour, on whichever replica takes the lock: deletes the audit events older than their
/// organization's retention (none for organizations that keep them forever, the default).
pub fn spawn_audit_retention(pool: sqlx::PgPool) {
    spawn_every(
        pool.clone(),
        "audit_retention",
        AUDIT_RETENTION_EVERY,
        move || {
            let pool = pool.clone();
            async move { prune_audit_events(&pool).await }
        },
    );
}

/// One retention pass, in batches: how many events were deleted, `None` when another replica
/// holds the lock.
pub async fn prune_audit_events(pool: &sqlx::PgPool) -> Result<Option<u64>, sqlx::Error> {
    let mut total = 0;
    loop {
        let mut tx = pool.begin().await?;
        if !db::periodic::try_lock(&mut tx, AUDIT_RETENTION_LOCK).await? {
            return Ok((total > 0).then_some(total));
        }
        let deleted = db::audit_buckets::prune_expired(&mut tx, AUDIT_RETENTION_BATCH).await?;
        tx.commit().await?;
        total += deleted;
        if deleted < AUDIT_RETENTION_BATCH as u64 {
            if total > 0 {
                let forgotten =
                    db::audit_buckets::forget_unused_lookups(&mut *pool.acquire().await?).await?;
                tracing::info!(
                    deleted = total,
                    names_and_actors_forgotten = forgotten,
                    "deleted audit events past their retention"
                );
            }
            return Ok(Some(total));
        }
    }
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
