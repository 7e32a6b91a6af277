//! An organization's residency policy with the workspaces that break it where they are now:
//! what the policy page and `GET /organizations/{id}/residency-policy` show after a change.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Breach, ResidencyPolicy};
#[cfg(feature = "ssr")]
use crate::{db, error::AppResult};

/// A workspace living where the policy no longer allows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub classifications: Vec<String>,
    pub breach: Breach,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyView {
    pub policy: ResidencyPolicy,
    /// 0 when the organization never set a policy.
    pub revision: i32,
    /// Every workspace the policy forbids where it is, by name.
    pub violations: Vec<Violation>,
}

/// The policy and its violations: every workspace checked against its region, from two
/// queries whatever the number of workspaces.
#[cfg(feature = "ssr")]
pub async fn load(pool: &sqlx::PgPool, organization_id: Uuid) -> AppResult<PolicyView> {
    let (stored, regions, workspaces) = tokio::try_join!(
        db::policies::get(pool, organization_id),
        db::regions::list(pool, organization_id),
        db::workspaces::list(pool, organization_id),
    )?;
    let regions: std::collections::HashMap<Uuid, _> =
        regions.into_iter().map(|r| (r.id, r)).collect();
    let violations = if stored.policy.is_empty() {
        Vec::new()
    } else {
        workspaces
            .into_iter()
            .filter_map(|w| {
                let region = regions.get(&w.region_id)?;
                let breach = stored.policy.breach(&w.classifications, region)?;
                Some(Violation {
                    workspace_id: w.id,
                    workspace_name: w.name,
                    region_id: region.id,
                    region_name: region.name.clone(),
                    classifications: w.classifications,
                    breach,
                })
            })
            .collect()
    };
    Ok(PolicyView {
        policy: stored.policy,
        revision: stored.revision,
        violations,
    })
}
