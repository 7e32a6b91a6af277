//! Short-lived copies of hot reads, already serialized, kept coherent across processes that
//! share a database: the control plane's region lists (see `cache`) and a data plane's
//! secret names and configuration (see `dataplane::regional`). Busy clients poll these;
//! serving them from memory spares a query, row decoding and serialization per request.
//!
//! A change drops the key's copy at once in the process that made it, and in every other
//! process when Postgres delivers the change's notification (sent in the change's own
//! transaction, so only committed changes are announced; the payload is the key). A copy also
//! expires after [`TTL`], which bounds staleness if a notification is lost or the database is
//! edited by hand.

use axum::body::Bytes;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a copy is served at most.
pub const TTL: Duration = Duration::from_secs(2);

/// Serialized copies by key (an organization, a workspace).
#[derive(Default)]
pub struct Copies {
    entries: RwLock<HashMap<Uuid, (Instant, Bytes)>>,
}

impl std::fmt::Debug for Copies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Copies")
    }
}

impl Copies {
    /// The key's serialized copy, from memory or from `load`.
    pub async fn get_or_load<F, Fut, E>(&self, key: Uuid, load: F) -> Result<Bytes, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Bytes, E>>,
    {
        if let Some((at, bytes)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && !bytes.is_empty()
            && at.elapsed() < TTL
        {
            return Ok(bytes.clone());
        }
        let started = Instant::now();
        let bytes = load().await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // A change invalidated the key while we were reading: do not keep what we read (it
        // may predate the change), but still answer with it.
        let invalidated_meanwhile = entries
            .get(&key)
            .is_some_and(|(at, bytes)| bytes.is_empty() && *at >= started);
        if !invalidated_meanwhile {
            entries.insert(key, (Instant::now(), bytes.clone()));
        }
        Ok(bytes)
    }

    /// Drops a key's copy. Leaves a marker, so a load already under way does not store a
    /// copy older than the change.
    pub fn invalidate(&self, key: Uuid) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (Instant::now(), Bytes::new()));
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Follows other processes' changes announced on `channel` for as long as the process runs,
/// dropping the announced key from every one of `copies`. While the listening connection is
/// down, copies are dropped and changes are seen through [`TTL`].
pub fn follow(pool: sqlx::PgPool, channel: &'static str, copies: Vec<Arc<Copies>>) {
    tokio::spawn(async move {
        let clear = || copies.iter().for_each(|c| c.clear());
        loop {
            if let Err(e) = listen(&pool, channel, &copies).await {
                tracing::warn!(error = %e, channel, "change notifications interrupted");
            }
            clear();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(
    pool: &sqlx::PgPool,
    channel: &str,
    copies: &[Arc<Copies>],
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    // Changes made before we listened may be cached: start clean.
    copies.iter().for_each(|c| c.clear());
    loop {
        match listener.try_recv().await? {
            Some(notification) => match Uuid::parse_str(notification.payload()) {
                Ok(key) => copies.iter().for_each(|c| c.invalidate(key)),
                Err(_) => copies.iter().for_each(|c| c.clear()),
            },
            // The connection was lost (the listener reconnects on the next call): anything
            // announced meanwhile was missed.
            None => copies.iter().for_each(|c| c.clear()),
        }
    }
}
