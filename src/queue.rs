//! Wakes data planes that wait for work. A data plane asks for a run and, when its region's
//! queue is empty, waits (a long poll) on the region's [`Wakeups`]; each run queued, on any
//! replica, is announced by Postgres (`db::work::QUEUE_CHANNEL`, in the queuing transaction)
//! and wakes *one* waiter of that region here, which then claims it. Waking one rather than
//! all keeps a thousand idle data planes from racing for every run. The announcements are
//! followed from the first wait on: a replica no data plane waits on holds no connection
//! for them.

use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::db::work::QUEUE_CHANNEL;

/// One wake-up source per region with waiters.
pub struct Wakeups {
    regions: Mutex<HashMap<Uuid, Arc<Notify>>>,
    pool: sqlx::PgPool,
    following: std::sync::Once,
    /// This process, in its own announcements: it wakes its own waiters directly and skips
    /// its announcements when they come back.
    origin: Uuid,
    /// Regions to announce to the other replicas (see [`announce_batches`]).
    outbox: tokio::sync::mpsc::UnboundedSender<Uuid>,
}

impl std::fmt::Debug for Wakeups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wakeups")
    }
}

impl Wakeups {
    /// Starts the task that announces queued runs to the other replicas.
    pub fn new(pool: sqlx::PgPool) -> Arc<Wakeups> {
        let (outbox, queued) = tokio::sync::mpsc::unbounded_channel();
        let origin = Uuid::new_v4();
        tokio::spawn(announce_batches(pool.clone(), origin, queued));
        Arc::new(Wakeups {
            regions: Mutex::default(),
            pool,
            following: std::sync::Once::new(),
            origin,
            outbox,
        })
    }

    /// What a waiter of `region` waits on (following the announcements from now on).
    pub fn of(self: &Arc<Self>, region: Uuid) -> Arc<Notify> {
        self.following
            .call_once(|| follow(self.pool.clone(), self.clone()));
        self.notify_of(region)
    }

    fn notify_of(&self, region: Uuid) -> Arc<Notify> {
        self.regions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(region)
            .or_default()
            .clone()
    }

    /// A run was queued in `region` (and committed): one waiter here goes to claim it (or the
    /// next to wait, if none waits now), and every other replica is told to wake one of its
    /// own.
    pub fn announce(&self, region: Uuid) {
        self.wake_one(region);
        let _ = self.outbox.send(region);
    }

    fn wake_one(&self, region: Uuid) {
        self.notify_of(region).notify_one();
    }

    /// Anything may have been missed: every waiter looks again.
    pub fn wake_all(&self) {
        for notify in self
            .regions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            notify.notify_waiters();
        }
    }
}

/// Follows the queue announcements of every replica for as long as the process runs. While
/// the listening connection is down, waiters still look again at the end of each long poll.
fn follow(pool: sqlx::PgPool, wakeups: Arc<Wakeups>) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&pool, &wakeups).await {
                tracing::warn!(error = %e, "run queue notifications interrupted");
            }
            wakeups.wake_all();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(pool: &sqlx::PgPool, wakeups: &Wakeups) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(QUEUE_CHANNEL).await?;
    wakeups.wake_all();
    loop {
        match listener.try_recv().await? {
            Some(notification) => {
                let mut parts = notification.payload().split('/');
                let region = parts.next().and_then(|r| Uuid::parse_str(r).ok());
                let origin = parts.next().and_then(|o| Uuid::parse_str(o).ok());
                let runs = parts
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1);
                match region {
                    // Ours: woken directly already.
                    Some(_) if origin == Some(wakeups.origin) => {}
                    Some(region) => {
                        for _ in 0..runs.min(MAX_WAKE) {
                            wakeups.wake_one(region);
                        }
                    }
                    None => wakeups.wake_all(),
                }
            }
            None => wakeups.wake_all(),
        }
    }
}

/// The most waiters one announcement wakes.
const MAX_WAKE: usize = 10_000;

/// Announces queued runs to the other replicas, in batches: one notification per region with
/// the number of runs queued there since the last one. Postgres lets one notifying transaction
/// commit at a time, with its flush to disk: a notification per run would cap how many runs
/// can be queued per second at one per flush. While one batch is being sent the next gathers.
/// A failed announcement is logged: the other replicas' waiters look again at the end of their
/// long poll anyway.
async fn announce_batches(
    pool: sqlx::PgPool,
    origin: Uuid,
    mut queued: tokio::sync::mpsc::UnboundedReceiver<Uuid>,
) {
    while let Some(first) = queued.recv().await {
        let mut batch: HashMap<Uuid, usize> = HashMap::from([(first, 1)]);
        while let Ok(region) = queued.try_recv() {
            *batch.entry(region).or_default() += 1;
        }
        for (region, runs) in batch {
            if let Err(e) = crate::db::work::announce(&pool, region, origin, runs).await {
                tracing::warn!(error = %e, %region, "announcing queued runs to other replicas failed");
            }
        }
    }
}
