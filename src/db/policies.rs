//! Organizations' residency policies (one row per organization that set one).

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::domain::{Jurisdiction, PolicyRule, ResidencyPolicy};

use super::errors::Constraint;

/// What breaking each constraint of `residency_policies` means (see [`super::errors`]).
pub const CONSTRAINTS: &[Constraint] = &[Constraint::not_from_input("residency_policies_pkey")];

/// A policy as stored, with its revision (0 when the organization never set one).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredPolicy {
    pub policy: ResidencyPolicy,
    pub revision: i32,
}

fn stored(
    allowed: Vec<String>,
    rules: serde_json::Value,
    revision: i32,
) -> Result<StoredPolicy, sqlx::Error> {
    // Both were written from a parsed policy; anything else is a corrupt row.
    let allowed = allowed
        .iter()
        .map(|j| Jurisdiction::parse(j))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sqlx::Error::Decode(e.into()))?;
    let rules: Vec<PolicyRule> =
        serde_json::from_value(rules).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(StoredPolicy {
        policy: ResidencyPolicy {
            allowed_jurisdictions: allowed,
            rules,
        },
        revision,
    })
}

/// The organization's policy; the empty policy when it never set one.
pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<StoredPolicy, sqlx::Error> {
    let row = sqlx::query!(
        "select allowed_jurisdictions, rules, revision from residency_policies
         where organization_id = $1",
        organization_id
    )
    .fetch_optional(db)
    .await?;
    match row {
        Some(r) => stored(r.allowed_jurisdictions, r.rules, r.revision),
        None => Ok(StoredPolicy::default()),
    }
}

/// The policy a workspace change must satisfy. Share-locks the organization's row until the
/// transaction ends, so the policy cannot change between this check and the commit (a policy
/// change locks the same row exclusively, see [`lock_for_change`]).
pub async fn get_for_check(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<ResidencyPolicy, sqlx::Error> {
    sqlx::query!(
        "select 1 as one from organizations where id = $1 for share",
        organization_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(get(conn, organization_id).await?.policy)
}

/// The policy about to change, with the organization's row locked until the transaction ends
/// (see [`get_for_check`]).
pub async fn lock_for_change(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<StoredPolicy, sqlx::Error> {
    sqlx::query!(
        "select 1 as one from organizations where id = $1 for update",
        organization_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    get(conn, organization_id).await
}

/// Writes the organization's policy; returns its new revision.
pub async fn put(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    policy: &ResidencyPolicy,
) -> Result<i32, sqlx::Error> {
    let allowed: Vec<String> = policy
        .allowed_jurisdictions
        .iter()
        .map(|j| j.as_str().to_owned())
        .collect();
    let rules = serde_json::to_value(&policy.rules).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query_scalar!(
        "insert into residency_policies (organization_id, allowed_jurisdictions, rules)
         values ($1, $2, $3)
         on conflict (organization_id) do update
            set allowed_jurisdictions = excluded.allowed_jurisdictions, rules = excluded.rules,
                updated_at = now(), revision = residency_policies.revision + 1
         returning revision",
        organization_id,
        &allowed,
        rules
    )
    .fetch_one(db)
    .await
}
