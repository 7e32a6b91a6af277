//! Settings > Data residency: what the control plane keeps about an organization, and what
//! stays in its regions (the inventory itself is `domain::inventory`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{domain::OrgRole, paths, server_fns::context::Ctx};

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
