//! Short-lived copies of the API's hottest read, an organization's region list, already
//! serialized. Scripts and tools poll it; serving it from memory keeps a busy client from
//! costing a query, row decoding and serialization per request.
//!
//! Copies stay coherent: a change made through Meridian drops the organization's copy at once
//! on the replica that made it, and on every other replica when Postgres delivers the
//! change's notification (sent in the change's own transaction, so only committed changes
//! are announced). A copy also expires after [`TTL`], which bounds staleness if a
//! notification is lost or the database is edited by hand.

use axum::body::Bytes;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a copy is served at most.
pub const TTL: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct RegionLists {
    entries: RwLock<HashMap<Uuid, (Instant, Bytes)>>,
}

impl std::fmt::Debug for RegionLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegionLists")
    }
}

impl RegionLists {
    /// The organization's serialized list, from memory or from `load`.
    pub async fn get_or_load<F, Fut, E>(&self, organization_id: Uuid, load: F) -> Result<Bytes, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Bytes, E>>,
    {
        if let Some((at, bytes)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&organization_id)
            && !bytes.is_empty()
            && at.elapsed() < TTL
        {
            return Ok(bytes.clone());
        }
        let started = Instant::now();
        let bytes = load().await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // A change invalidated the organization while we were reading: do not keep what we
        // read (it may predate the change), but still answer with it.
        let invalidated_meanwhile = entries
            .get(&organization_id)
            .is_some_and(|(at, bytes)| bytes.is_empty() && *at >= started);
        if !invalidated_meanwhile {
            entries.insert(organization_id, (Instant::now(), bytes.clone()));
        }
        Ok(bytes)
    }

    /// Drops an organization's copy. Leaves a marker, so a load already under way does not
    /// store a copy older than the change.
    pub fn invalidate(&self, organization_id: Uuid) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(organization_id, (Instant::now(), Bytes::new()));
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Follows other replicas' region changes for as long as the process runs. While the
/// listening connection is down, copies are dropped and changes are seen through [`TTL`].
pub fn follow_changes(pool: sqlx::PgPool, lists: Arc<RegionLists>) {
    tokio::spawn(async move {
        loop {
            match listen(&pool, &lists).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "region change notifications interrupted"),
            }
            lists.clear();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(pool: &sqlx::PgPool, lists: &RegionLists) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(crate::db::regions::CHANGES_CHANNEL).await?;
    // Changes made before we listened may be cached: start clean.
    lists.clear();
    loop {
        match listener.try_recv().await? {
            Some(notification) => match Uuid::parse_str(notification.payload()) {
                Ok(org) => lists.invalidate(org),
                Err(_) => lists.clear(),
            },
            // The connection was lost (the listener reconnects on the next call): anything
            // announced meanwhile was missed.
            None => lists.clear(),
        }
    }
}
