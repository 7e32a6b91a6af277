//! Settings > Audit log: every recorded event of the organization, filtered, paged, and
//! exportable (see `crate::exports`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db::{self, audit::AuditFilter},
    domain::OrgRole,
    error::AppResult,
    paths,
    server_fns::context::Ctx,
};

/// Events per page.
pub const PAGE_SIZE: i64 = 50;

/// What the filter form says, as typed (echoed back into the form).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub object: String,
    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339.
    pub from: String,
    pub to: String,
}

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

/// Parses the filter form into a search; a bad time is a field error.
#[cfg(feature = "ssr")]
pub fn parse_query(query: &AuditQuery) -> AppResult<AuditFilter> {
    let text = |raw: &str| {
        let t = raw.trim();
        (!t.is_empty()).then(|| t.chars().take(200).collect::<String>())
    };
    let from = parse_time("from", &query.from)?;
    let to = parse_time("to", &query.to)?;
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        return Err(AppError::invalid("to", "The end must be after the start."));
    }
    Ok(AuditFilter {
        actor: text(&query.actor),
        action: text(&query.action).map(|a| a.to_lowercase()),
        object: text(&query.object),
        from,
        to,
    })
}

/// `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM[:SS]` (UTC) or RFC 3339.
#[cfg(feature = "ssr")]
fn parse_time(field: &str, raw: &str) -> AppResult<Option<time::OffsetDateTime>> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(Some(t));
    }
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(raw, minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(raw, seconds))
    {
        return Ok(Some(t.assume_utc()));
    }
    if let Ok(d) = time::Date::parse(raw, format_description!("[year]-[month]-[day]")) {
        return Ok(Some(d.midnight().assume_utc()));
    }
    Err(AppError::invalid(
        field,
        "Use a date like 2026-11-23, or a time like 2026-11-23T14:30 (UTC).",
    ))
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
    let filter = match parse_query(&query) {
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
