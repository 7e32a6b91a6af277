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
