//! All SQL lives here, one file per aggregate. Functions take any executor (a pool, a
//! connection or a transaction) so callers decide transaction boundaries.

pub mod abuse;
pub mod applications;
pub mod audit;
pub mod audit_buckets;
pub mod data_planes;
pub mod domains;
pub mod errors;
pub mod invitations;
pub mod keys;
pub mod organizations;
pub mod periodic;
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

/// How long a request waits for a connection before it is answered 503: short, so that while
/// the database is away requests fail fast instead of piling up.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// A connection idle longer than this is pinged before it is handed out (see [`connect`]).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens a connection pool.
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    // JIT compiling a query costs more (a second or more on a large table) than it saves on
    // the short queries a control plane runs.
    let options = PgConnectOptions::from_str(url)?
        .application_name("meridian")
        .options([("jit", "off")]);
    PgPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Pinging every connection before each use would double the round trips of every
        // request. sqlx already pings a connection when it comes back to the pool, so a live
        // pool's connections are known good; only one that sat idle (across a database
        // restart, say) is pinged before use, and a dead one is replaced instead of failing
        // the request that drew it.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_IF_IDLE_FOR {
                    return Ok(true);
                }
                Ok(sqlx::Connection::ping(conn).await.is_ok())
            })
        })
        .idle_timeout(Duration::from_secs(300))
        .max_lifetime(Duration::from_secs(1800))
        .connect_with(options)
        .await
}

/// Whether an error means the database could not be reached (worth waiting for), rather than
/// that it refused us (a wrong address, password or database name: worth stopping for).
pub fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        // 57P03: the server is starting up or shutting down; class 08: connection exceptions.
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|c| c == "57P03" || c == "57P01" || c.starts_with("08")),
        _ => false,
    }
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
