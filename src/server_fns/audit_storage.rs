//! Settings > Audit storage: how long the trail keeps events here, and the organization's own
//! bucket that every event is also written to, with where delivery stands.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::AuditBucketStatus;
use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::{AuditBucketInput, AuditRetention, OrgRole},
    ops, paths,
    server_fns::context::Ctx,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditStorageData {
    pub meta: PageMeta,
    /// Days; `None` keeps events forever.
    pub retention_days: Option<i32>,
    pub bucket: Option<AuditBucketStatus>,
}

#[server(endpoint = "audit/storage")]
pub async fn audit_storage(organization_id: Uuid) -> Result<AuditStorageData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let meta = PageMeta::load(&ctx, &access, &paths::audit_storage(organization_id)).await?;
    Ok(AuditStorageData {
        meta,
        retention_days: db::audit_buckets::retention(ctx.pool(), organization_id)
            .await?
            .0,
        bucket: db::audit_buckets::status(ctx.pool(), organization_id).await?,
    })
}

#[server(endpoint = "audit/retention")]
pub async fn set_audit_retention(
    organization_id: Uuid,
    #[server(default)] retention_days: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [("retention_days", retention_days.as_str())];
    let retention = AuditRetention::parse(&retention_days)
        .map_err(|m| AppError::invalid("retention_days", m).with_input(echo))?;
    ops::audit_bucket::set_retention(&ctx.state, &access, retention).await?;
    let notice = format!("Audit events are now kept {}.", retention.describe());
    ctx.redirect_with_notice(&paths::audit_storage(organization_id), notice)
        .await
}

#[server(endpoint = "audit/bucket")]
pub async fn save_audit_bucket(
    organization_id: Uuid,
    #[server(default)] endpoint: String,
    #[server(default)] region: String,
    #[server(default)] bucket: String,
    #[server(default)] prefix: String,
    #[server(default)] access_key_id: String,
    #[server(default)] secret_access_key: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    // Echoed into the form on error, except the secret.
    let echo = [
        ("endpoint", endpoint.as_str()),
        ("region", region.as_str()),
        ("bucket", bucket.as_str()),
        ("prefix", prefix.as_str()),
        ("access_key_id", access_key_id.as_str()),
    ];
    let input = AuditBucketInput {
        endpoint: endpoint.clone(),
        region: region.clone(),
        bucket: bucket.clone(),
        prefix: prefix.clone(),
        access_key_id: access_key_id.clone(),
        secret_access_key,
    };
    let saved = ops::audit_bucket::save(&ctx.state, &access, &input)
        .await
        .map_err(|e| e.with_input(echo))?;
    let notice = format!(
        "Audit events recorded from now on are written to bucket {}.",
        saved.bucket
    );
    ctx.redirect_with_notice(&paths::audit_storage(organization_id), notice)
        .await
}

#[server(endpoint = "audit/bucket/remove")]
pub async fn remove_audit_bucket(organization_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    ops::audit_bucket::remove(&ctx.state, &access).await?;
    ctx.redirect_with_notice(
        &paths::audit_storage(organization_id),
        "Audit events are no longer written to a bucket.".to_owned(),
    )
    .await
}
