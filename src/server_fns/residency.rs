//! Settings > Data residency: what the control plane keeps about an organization, and what
//! stays in its regions (the inventory itself is `domain::inventory`); Settings > Residency
//! policy: where its workspaces may live, and which ones break that now.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::read::policy::PolicyView;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    domain::{Jurisdiction, OrgRole, ResidencyPolicy},
    ops, paths, read,
    server_fns::context::Ctx,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResidencyData {
    pub meta: PageMeta,
}

/// Every member may read what is kept about their organization.
#[server(endpoint = "organizations/data-residency")]
pub async fn data_residency_page(organization_id: Uuid) -> Result<ResidencyData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    Ok(ResidencyData {
        meta: PageMeta::load(&ctx, &access, &paths::data_residency(organization_id)).await?,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyData {
    pub meta: PageMeta,
    pub view: PolicyView,
}

/// Every member may read the policy and which workspaces break it; admins change it.
#[server(endpoint = "organizations/residency-policy")]
pub async fn residency_policy_page(organization_id: Uuid) -> Result<PolicyData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let path = paths::residency_policy(organization_id);
    let (meta, view) = tokio::try_join!(
        PageMeta::load(&ctx, &access, &path),
        read::policy::load(ctx.pool(), organization_id),
    )?;
    Ok(PolicyData { meta, view })
}

/// Replaces the policy: where every workspace may live (`EU, CH`), and rules one per line
/// (`phi: US`). Moves nothing; the page then lists the workspaces it forbids where they are.
#[server(endpoint = "organizations/residency-policy/save")]
pub async fn save_residency_policy(
    organization_id: Uuid,
    revision: i32,
    #[server(default)] allowed_jurisdictions: String,
    #[server(default)] rules: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [
        ("allowed_jurisdictions", allowed_jurisdictions.as_str()),
        ("rules", rules.as_str()),
    ];
    let allowed = Jurisdiction::parse_list(&allowed_jurisdictions)
        .map_err(|m| AppError::invalid("allowed_jurisdictions", m));
    let parsed_rules =
        ResidencyPolicy::parse_rule_lines(&rules).map_err(|m| AppError::invalid("rules", m));
    let policy = match (allowed, parsed_rules) {
        (Ok(allowed), Ok(parsed)) => ResidencyPolicy::new(allowed, parsed)
            .map_err(|m| AppError::invalid("rules", m).with_input(echo))?,
        (a, r) => {
            return Err(AppError::merge([a.err(), r.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal)
                .with_input(echo));
        }
    };
    ops::policies::set(&ctx.state, &access, &policy, Some(revision))
        .await
        .map_err(|e| e.with_input(echo))?;
    let view = read::policy::load(ctx.pool(), organization_id).await?;
    let notice = match view.violations.len() {
        0 => "Residency policy saved. Every workspace complies.".to_owned(),
        1 => "Residency policy saved. 1 workspace is where the policy no longer allows it: see below.".to_owned(),
        n => format!("Residency policy saved. {n} workspaces are where the policy no longer allows them: see below."),
    };
    ctx.redirect_with_notice(&paths::residency_policy(organization_id), notice)
        .await
}
