//! All SQL lives here, one file per aggregate. Functions take any executor (a pool, a
//! connection or a transaction) so callers decide transaction boundaries.

pub mod abuse;
pub mod applications;
pub mod audit;
pub mod data_planes;
pub mod domains;
pub mod errors;
pub mod invitations;
pub mod keys;
pub mod organizations;
pub mod permissions;
pub mod policies;
pub mod regions;
pub mod sso;
pub mod users;
pub mod webhooks;
pub mod work;
pub mod workspaces;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens a connection pool.
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name("meridian");
    PgPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(Duration::from_secs(10))
        // Pinging every connection before each use would double the round trips of every
        // request. A connection that died is found by its next query instead, and recycled
        // connections keep that rare.
        .test_before_acquire(false)
        .idle_timeout(Duration::from_secs(300))
        .max_lifetime(Duration::from_secs(1800))
        .connect_with(options)
        .await
}

/// Brings the schema up to date. Safe to run concurrently from several replicas: sqlx takes
/// an advisory lock while migrating.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Makes user input match itself literally inside a LIKE pattern (with `escape '\'`).
pub fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
