//! Counters against abuse, shared by every replica: attempts per key in fixed windows (rate
//! limits), and failed sign-ins for addresses without an account, counted instead of each
//! being recorded in the audit trail.

use sqlx::PgExecutor;

use super::errors::Constraint;

/// The counters' constraints (see [`super::errors`]): written with upserts only.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::not_from_input("rate_limits_pkey"),
    Constraint::not_from_input("sign_in_failures_pkey"),
];

/// Counts one attempt under `key` in the current window of `window_secs` seconds (a new window
/// starts with the first attempt after the last one ended). Returns the attempts in the window
/// so far and the seconds until it ends.
pub async fn hit(
    db: impl PgExecutor<'_>,
    key: &str,
    window_secs: i32,
) -> Result<(i32, i32), sqlx::Error> {
    let row = sqlx::query!(
        r#"insert into rate_limits as r (key, window_start, hits) values ($1, now(), 1)
           on conflict (key) do update set
               hits = case when r.window_start <= now() - make_interval(secs => $2)
                           then 1 else r.hits + 1 end,
               window_start = case when r.window_start <= now() - make_interval(secs => $2)
                                   then now() else r.window_start end
           returning hits as "hits!",
                     ceil(extract(epoch from
                          r.window_start + make_interval(secs => $2) - now()))::int4 as "retry_after!""#,
        key,
        window_secs as f64
    )
    .fetch_one(db)
    .await?;
    Ok((row.hits, row.retry_after.max(1)))
}

/// Forgets the attempts counted under `key` (a success that the limit should not hold against
/// the next attempts).
pub async fn forget(db: impl PgExecutor<'_>, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from rate_limits where key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets windows that ended before `older_than` seconds ago.
pub async fn prune_rate_limits(
    db: impl PgExecutor<'_>,
    older_than_secs: i32,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "delete from rate_limits where window_start < now() - make_interval(secs => $1)",
        older_than_secs as f64
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Counts a failed sign-in for an address without an account in the current hour; returns how
/// many there were this hour, this one included.
pub async fn count_unknown_sign_in(
    db: impl PgExecutor<'_>,
    email: &str,
    source_ip: Option<&str>,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "insert into sign_in_failures as f (email, window_start, failures, last_source_ip)
         values (lower($1), date_trunc('hour', now()), 1, $2)
         on conflict (email, window_start) do update
             set failures = f.failures + 1, last_source_ip = excluded.last_source_ip
         returning failures",
        email,
        source_ip
    )
    .fetch_one(db)
    .await
}

/// Turns the counts of hours that are over into one audit event each (`action` on
/// `object_type`) where there was more than the first failure, which was recorded when it
/// happened; the counts are deleted.
pub async fn summarize_unknown_sign_ins(
    db: impl PgExecutor<'_>,
    action: &str,
    object_type: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "with finished as (
             delete from sign_in_failures where window_start < date_trunc('hour', now())
             returning email, window_start, failures, last_source_ip)
         insert into audit_events
             (id, organization_id, actor_user_id, actor, action, object_type, object_id,
              object_name, after, source_ip)
         select gen_random_uuid(), null, null, email, $1, $2, null, email,
                jsonb_build_object('reason', 'no such account', 'failures', failures,
                                   'hourFrom', window_start),
                last_source_ip
         from finished where failures > 1",
        action,
        object_type
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
