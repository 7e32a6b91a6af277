//! Settings > Audit log: every recorded event of the organization, filtered, paged, and
//! exportable (see `crate::exports`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::AuditQuery;
use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{db, domain::OrgRole, paths, server_fns::context::Ctx};

/// Events per page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditData {
    pub meta: PageMeta,
    pub query: AuditQuery,
    pub events: Vec<AuditEventView>,
    /// 0-based page.
    pub page: i64,
    pub has_more: bool,
    /// A filter that does not read (shown beside its field; no events are listed).
    pub problem: Option<AppError>,
}

/// An event as a row of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: time::OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_name: String,
    pub object_id: Option<Uuid>,
    pub source_ip: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<db::audit::AuditEvent> for AuditEventView {
    fn from(e: db::audit::AuditEvent) -> Self {
        AuditEventView {
            occurred_at: e.occurred_at,
            actor: e.actor,
            action: e.action,
            object_type: e.object_type,
            object_name: e.object_name,
            object_id: e.object_id,
            source_ip: e.source_ip,
        }
    }
}

#[server(endpoint = "audit/page")]
pub async fn audit_page(
    organization_id: Uuid,
    query: AuditQuery,
    page: i64,
) -> Result<AuditData, AppError> {
    let ctx = Ctx::load().await?;
    // The trail names people and their addresses: admins only.
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let meta = PageMeta::load(&ctx, &access, &paths::audit_log(organization_id)).await?;
    let filter = match query.parse() {
        Ok(filter) => filter,
        Err(problem) => {
            return Ok(AuditData {
                meta,
                query,
                events: Vec::new(),
                page: 0,
                has_more: false,
                problem: Some(problem),
            });
        }
    };
    let page = page.clamp(0, 100_000);
    let mut events = db::audit::search(
        ctx.pool(),
        organization_id,
        &filter,
        PAGE_SIZE + 1,
        page * PAGE_SIZE,
    )
    .await?;
    let has_more = events.len() as i64 > PAGE_SIZE;
    events.truncate(PAGE_SIZE as usize);
    Ok(AuditData {
        meta,
        query,
        events: events.into_iter().map(Into::into).collect(),
        page,
        has_more,
        problem: None,
    })
}
