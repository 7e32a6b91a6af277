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
}

impl std::fmt::Debug for Wakeups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wakeups")
    }
}

impl Wakeups {
    pub fn new(pool: sqlx::PgPool) -> Arc<Wakeups> {
        Arc::new(Wakeups {
            regions: Mutex::default(),
            pool,
            following: std::sync::Once::new(),
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

    /// A run was queued in `region`: one waiter goes to claim it (or the next to wait, if
    /// none waits now).
    pub fn wake_one(&self, region: Uuid) {
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
            Some(notification) => match Uuid::parse_str(notification.payload()) {
                Ok(region) => wakeups.wake_one(region),
                Err(_) => wakeups.wake_all(),
            },
            None => wakeups.wake_all(),
        }
    }
}
