//! The API's hottest read, an organization's region list, kept as a coherent serialized copy
//! (see [`crate::coherent`]): dropped at once by a change on this replica, on other replicas
//! when the change's notification on [`crate::db::regions::CHANGES_CHANNEL`] arrives, and
//! after [`crate::coherent::TTL`] in any case.

use std::sync::Arc;

/// Organizations' serialized region lists.
pub type RegionLists = crate::coherent::Copies;

/// Follows other replicas' region changes for as long as the process runs.
pub fn follow_changes(pool: sqlx::PgPool, lists: Arc<RegionLists>) {
    crate::coherent::follow(pool, crate::db::regions::CHANGES_CHANNEL, vec![lists]);
}
