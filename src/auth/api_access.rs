//! What an API application's owner may do in an organization, looked up once and remembered
//! for a moment.
//!
//! A busy client makes many requests per second on one organization; asking the database
//! each time would double the queries of every request. Answers are kept for
//! [`ACCESS_TTL`], so a deleted application or a changed role takes effect within that time
//! on every replica (tokens themselves live 15 minutes).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

use crate::db::{self, applications::ApplicationAccess};
use crate::error::AppResult;

/// How long a looked-up answer is reused.
pub const ACCESS_TTL: Duration = Duration::from_secs(1);
const CAPACITY: usize = 10_000;

type Entry = (Instant, Option<Arc<ApplicationAccess>>);

#[derive(Default)]
pub struct ApiAccessCache {
    entries: RwLock<HashMap<(Uuid, Uuid), Entry>>,
    /// Applications deleted on this replica, and when: a lookup that started before the
    /// deletion must not store what it read.
    forgotten: RwLock<HashMap<Uuid, Instant>>,
}

impl std::fmt::Debug for ApiAccessCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiAccessCache")
    }
}

impl ApiAccessCache {
    /// The application's owner and their role in `organization_id`; `None` when the
    /// application no longer exists.
    pub async fn lookup(
        &self,
        pool: &sqlx::PgPool,
        application_id: Uuid,
        organization_id: Uuid,
    ) -> AppResult<Option<Arc<ApplicationAccess>>> {
        let key = (application_id, organization_id);
        if let Some((at, found)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && at.elapsed() < ACCESS_TTL
        {
            return Ok(found.clone());
        }
        let started = Instant::now();
        let found = db::applications::access(pool, application_id, organization_id)
            .await?
            .map(Arc::new);
        let stale = self
            .forgotten
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&application_id)
            .is_some_and(|at| *at >= started);
        if stale {
            return Ok(None);
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < ACCESS_TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), found.clone()));
        Ok(found)
    }

    /// Forgets every answer about an application (it was just deleted on this replica), and
    /// refuses answers from lookups still under way.
    pub fn forget_application(&self, application_id: Uuid) {
        {
            let mut forgotten = self.forgotten.write().unwrap_or_else(|e| e.into_inner());
            // Lookups last far less than a TTL; older marks have done their job.
            forgotten.retain(|_, at| at.elapsed() < ACCESS_TTL * 10);
            forgotten.insert(application_id, Instant::now());
        }
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(app, _), _| *app != application_id);
    }
}
