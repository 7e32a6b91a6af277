//! An organization's audit trail settings: its own bucket that events are written to, and how
//! long the trail keeps them here. The bucket's endpoint is an address an organization's admin
//! chose: it may not point into this server's own network (checked here by name and address,
//! and again at every connection by the delivery client's resolver).

use super::{event, record};
use crate::auth::{OrgAccess, oidc::is_local_host, secrets};
use crate::db;
use crate::domain::{Action, AuditBucket, AuditBucketInput, AuditRetention, OrgRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Sets up (or changes) the organization's bucket. The secret access key is required the first
/// time; left empty later, the stored one stays. Events recorded from now on are delivered;
/// the trail before stays here (and in exports).
pub async fn save(
    state: &AppState,
    access: &OrgAccess,
    input: &AuditBucketInput,
) -> AppResult<AuditBucket> {
    access.require(OrgRole::Admin)?;
    let allow_local = state.config.allow_local_buckets;
    let exists = db::audit_buckets::exists(&state.pool, access.organization_id).await?;
    let bucket = AuditBucket::parse(input, allow_local, !exists).map_err(|errors| {
        AppError::merge(errors.into_iter().map(|(f, m)| AppError::invalid(f, m)))
            .unwrap_or_else(AppError::internal)
    })?;
    let url = reqwest::Url::parse(&bucket.endpoint)
        .map_err(|_| AppError::invalid("endpoint", "That is not a URL."))?;
    if url.host().is_none_or(is_local_host) && !allow_local {
        return Err(AppError::invalid(
            "endpoint",
            "Endpoints on this server's own machine or private network are not allowed.",
        ));
    }
    let secret = input.secret_access_key.trim();
    let sealed = if secret.is_empty() {
        None
    } else {
        Some((
            super::seal_for_organization(
                state,
                access.organization_id,
                "secret_access_key",
                secret.as_bytes(),
            )?,
            secrets::last_four(secret),
        ))
    };
    let mut tx = state.pool.begin().await?;
    let before = db::audit_buckets::status(&mut *tx, access.organization_id).await?;
    let saved = db::audit_buckets::save(
        &mut *tx,
        access.organization_id,
        &bucket,
        sealed.as_ref().map(|(s, h)| (s.as_slice(), h.as_str())),
    )
    .await?;
    if !saved {
        return Err(AppError::invalid(
            "secret_access_key",
            "Enter the secret access key.",
        ));
    }
    let after = db::audit_buckets::status(&mut *tx, access.organization_id).await?;
    let change = event(
        access,
        Action::AuditBucketUpdate,
        access.organization_id,
        &bucket.bucket,
    )
    .before(&before.map(settings_only))
    .after(&after.map(settings_only));
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(bucket)
}

/// Stops writing to the organization's bucket; events not yet there stay in the trail here.
pub async fn remove(state: &AppState, access: &OrgAccess) -> AppResult<()> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let Some(before) = db::audit_buckets::status(&mut *tx, access.organization_id).await? else {
        return Err(AppError::not_found("audit bucket"));
    };
    db::audit_buckets::delete(&mut *tx, access.organization_id).await?;
    let name = before.bucket.clone();
    let change = event(
        access,
        Action::AuditBucketDelete,
        access.organization_id,
        &name,
    )
    .before(&settings_only(before));
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(())
}

/// What an audit event records of a bucket: its settings, not where delivery stood.
fn settings_only(status: crate::domain::AuditBucketStatus) -> serde_json::Value {
    serde_json::json!({
        "endpoint": status.endpoint,
        "region": status.region,
        "bucket": status.bucket,
        "prefix": status.prefix,
        "accessKeyId": status.access_key_id,
        "secretHint": status.secret_hint,
    })
}

/// Sets how long the organization keeps its audit events here.
pub async fn set_retention(
    state: &AppState,
    access: &OrgAccess,
    retention: AuditRetention,
) -> AppResult<()> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = db::audit_buckets::retention(&mut *tx, access.organization_id).await?;
    if before == retention {
        return Ok(());
    }
    db::audit_buckets::set_retention(&mut *tx, access.organization_id, retention).await?;
    let name = retention.describe();
    let change = event(
        access,
        Action::AuditRetention,
        access.organization_id,
        &name,
    )
    .before(&serde_json::json!({ "retentionDays": before.0 }))
    .after(&serde_json::json!({ "retentionDays": retention.0 }));
    record(&mut tx, access, change).await?;
    tx.commit().await?;
    Ok(())
}
