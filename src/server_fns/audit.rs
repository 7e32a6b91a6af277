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
    pub id: Uuid,
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
            id: e.id,
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

/// One event with what it recorded of its object, field by field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventData {
    pub meta: PageMeta,
    pub event: AuditEventView,
    pub changes: Vec<FieldChange>,
}

/// One field of the object as the event recorded it before and after the change, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Field by field when both states are objects (fields in name order, each present in either);
/// otherwise one row holding each state whole.
pub fn field_changes(
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Vec<FieldChange> {
    use serde_json::Value;
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (&before, &after) {
        (None, None) => Vec::new(),
        (Some(Value::Object(_)) | None, Some(Value::Object(_)) | None) => {
            let empty = serde_json::Map::new();
            let b = before.as_ref().and_then(Value::as_object).unwrap_or(&empty);
            let a = after.as_ref().and_then(Value::as_object).unwrap_or(&empty);
            let mut fields: Vec<&String> = b.keys().chain(a.keys()).collect();
            fields.sort();
            fields.dedup();
            fields
                .into_iter()
                .map(|f| FieldChange {
                    field: f.clone(),
                    before: b.get(f).map(show),
                    after: a.get(f).map(show),
                })
                .collect()
        }
        _ => vec![FieldChange {
            field: "(state)".into(),
            before: before.as_ref().map(show),
            after: after.as_ref().map(show),
        }],
    }
}

#[server(endpoint = "audit/event")]
pub async fn audit_event(
    organization_id: Uuid,
    event_id: Uuid,
) -> Result<AuditEventData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let filter = crate::domain::AuditFilter {
        event: Some(event_id),
        ..Default::default()
    };
    // The same search as the log's: an event the log would not show is not found.
    let event = db::audit::search(ctx.pool(), organization_id, &filter, 1, 0)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("event"))?;
    let (before, after) = db::audit::states(ctx.pool(), event.id).await?;
    let path = paths::audit_event(organization_id, event.id);
    Ok(AuditEventData {
        meta: PageMeta::load(&ctx, &access, &path).await?,
        event: event.into(),
        changes: field_changes(before, after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_are_listed_field_by_field() {
        let changes = field_changes(
            Some(json!({"name": "eu", "enabled": true, "revision": 1})),
            Some(json!({"name": "eu-west", "enabled": true, "region": "x"})),
        );
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["enabled", "name", "region", "revision"]);
        assert!(!changes[0].changed());
        assert_eq!(changes[1].before.as_deref(), Some("eu"));
        assert_eq!(changes[1].after.as_deref(), Some("eu-west"));
        assert_eq!(changes[2].before, None);
        assert_eq!(changes[3].after, None);
        assert!(field_changes(None, None).is_empty());
        let whole = field_changes(Some(json!("a")), None);
        assert_eq!(whole[0].before.as_deref(), Some("a"));
    }
}
