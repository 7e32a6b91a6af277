//! Who an API application acts for, and what they may do in an organization, looked up once
//! and remembered for a moment.
//!
//! A busy client makes many requests per second; asking the database each time would double
//! the queries of every request. Answers are kept for [`ACCESS_TTL`], so a deleted
//! application or a changed role takes effect within that time on every replica (tokens
//! themselves live 15 minutes), and at once on the replica that deleted the application.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

use crate::db::{self, applications::ApplicationAccess, users::User};
use crate::error::AppResult;

/// How long a looked-up answer is reused.
pub const ACCESS_TTL: Duration = Duration::from_secs(1);
const CAPACITY: usize = 10_000;

/// Answers by key, each for [`ACCESS_TTL`].
struct Recent<K, V> {
    entries: RwLock<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Copy, V: Clone> Recent<K, V> {
    fn new() -> Self {
        Recent {
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .filter(|(at, _)| at.elapsed() < ACCESS_TTL)
            .map(|(_, value)| value.clone())
    }

    fn put(&self, key: K, value: V) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < ACCESS_TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    fn forget(&self, mut stale: impl FnMut(&K, &V) -> bool) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|key, (_, value)| !stale(key, value));
    }
}

pub struct ApiAccessCache {
    /// By (application, organization): the owner and their role there.
    access: Recent<(Uuid, Uuid), Option<Arc<ApplicationAccess>>>,
    /// By application: its owner and the organization it acts in.
    owners: Recent<Uuid, Option<Arc<(User, Uuid)>>>,
    /// Applications deleted on this replica, and when: a lookup that started before the
    /// deletion must not store what it read.
    forgotten: RwLock<HashMap<Uuid, Instant>>,
}

impl Default for ApiAccessCache {
    fn default() -> Self {
        ApiAccessCache {
            access: Recent::new(),
            owners: Recent::new(),
            forgotten: RwLock::new(HashMap::new()),
        }
    }
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
        if let Some(found) = self.access.get(&key) {
            return Ok(found);
        }
        let started = Instant::now();
        let found = db::applications::access(pool, application_id, organization_id)
            .await?
            .map(Arc::new);
        if self.forgotten_since(application_id, started) {
            return Ok(None);
        }
        self.access.put(key, found.clone());
        Ok(found)
    }

    /// The application's owner and the organization it acts in; `None` when the application
    /// no longer exists.
    pub async fn owner(
        &self,
        pool: &sqlx::PgPool,
        application_id: Uuid,
    ) -> AppResult<Option<Arc<(User, Uuid)>>> {
        if let Some(found) = self.owners.get(&application_id) {
            return Ok(found);
        }
        let started = Instant::now();
        let found = db::applications::owner(pool, application_id)
            .await?
            .map(Arc::new);
        if self.forgotten_since(application_id, started) {
            return Ok(None);
        }
        self.owners.put(application_id, found.clone());
        Ok(found)
    }

    /// Forgets every answer about an application (it was just deleted on this replica), and
    /// refuses answers from lookups still under way.
    pub fn forget_application(&self, application_id: Uuid) {
        {
            let mut forgotten = self.forgotten.write().unwrap_or_else(|e| e.into_inner());
            // Lookups last far less than this; older marks have done their job.
            forgotten.retain(|_, at| at.elapsed() < ACCESS_TTL * 10);
            forgotten.insert(application_id, Instant::now());
        }
        self.access.forget(|(app, _), _| *app == application_id);
        self.owners.forget(|app, _| *app == application_id);
    }

    /// Forgets every answer about a user's applications (their sessions were just ended on
    /// this replica), so their tokens are refused at once here and within [`ACCESS_TTL`]
    /// elsewhere.
    pub fn forget_user(&self, user_id: Uuid) {
        self.access
            .forget(|_, found| found.as_ref().is_some_and(|a| a.user_id == user_id));
        self.owners
            .forget(|_, found| found.as_ref().is_some_and(|o| o.0.id == user_id));
    }

    fn forgotten_since(&self, application_id: Uuid, started: Instant) -> bool {
        self.forgotten
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&application_id)
            .is_some_and(|at| *at >= started)
    }
}
