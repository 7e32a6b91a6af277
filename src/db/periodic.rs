//! When each periodic job last ran on any replica.

use sqlx::PgExecutor;

use super::errors::Constraint;

/// Claimed with an upsert keyed on the job.
pub const CONSTRAINTS: &[Constraint] = &[Constraint::not_from_input("periodic_runs_pkey")];

/// Whether this transaction holds advisory lock `lock` (until it ends): a replica that does
/// not get it leaves the pass to the one that did, so no pass runs twice at once.
pub async fn try_lock(tx: &mut sqlx::PgConnection, lock: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"select pg_try_advisory_xact_lock($1) as "locked!""#, lock)
        .fetch_one(tx)
        .await
}

/// Whether this replica takes this period's run of `job`: true when no replica ran it within
/// (nine tenths of) `period`, and then it is recorded as run now. Atomic, so of replicas
/// asking together one gets it. The tenth spared keeps timer jitter from skipping a period.
pub async fn claim(
    db: impl PgExecutor<'_>,
    job: &str,
    period: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        r#"insert into periodic_runs (job, ran_at) values ($1, now())
           on conflict (job) do update set ran_at = now()
               where periodic_runs.ran_at <= now() - make_interval(secs => $2)
           returning true as "claimed!""#,
        job,
        period.as_secs_f64() * 0.9
    )
    .fetch_optional(db)
    .await?
    .is_some())
}
