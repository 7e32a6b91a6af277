//! The audit trail: one row per change, written in the change's own transaction.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Action, AuditFilter};

use super::errors::Constraint;

/// The trail's constraints (see [`super::errors`]): ids are random.
pub const CONSTRAINTS: &[Constraint] = &[Constraint::not_from_input("audit_events_pkey")];

/// Who made a change and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// A readable label that survives the user's deletion, e.g. their email.
    pub label: String,
    pub source_ip: Option<String>,
}

impl Actor {
    /// A signed-in person (or their application), labelled with `label` (their email, or
    /// the application that acts for them).
    pub fn user(user_id: Uuid, label: impl Into<String>, source_ip: Option<String>) -> Actor {
        Actor {
            user_id: Some(user_id),
            label: label.into(),
            source_ip,
        }
    }

    /// Someone not (yet) signed in, known only by what they typed, e.g. at a failed sign-in.
    pub fn anonymous(label: impl Into<String>, source_ip: Option<String>) -> Actor {
        Actor {
            user_id: None,
            label: label.into(),
            source_ip,
        }
    }

    /// Changes made by Meridian itself (first start, command line).
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.into(),
            source_ip: None,
        }
    }
}

/// One recorded change. `before`/`after` hold the object's state around the change.
pub struct Event<'a> {
    pub organization_id: Option<Uuid>,
    pub action: Action,
    pub object_id: Option<Uuid>,
    pub object_name: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Event<'a> {
    /// An event about an object of the action's type (see [`Action::object_type`]).
    pub fn new(
        organization_id: Option<Uuid>,
        action: Action,
        object_id: Option<Uuid>,
        object_name: &'a str,
    ) -> Self {
        Event {
            organization_id,
            action,
            object_id,
            object_name,
            before: None,
            after: None,
        }
    }

    pub fn before<T: serde::Serialize>(mut self, value: &T) -> Self {
        self.before = snapshot(value);
        self
    }

    pub fn after<T: serde::Serialize>(mut self, value: &T) -> Self {
        self.after = snapshot(value);
        self
    }
}

/// Appends an event. Takes a connection, not a pool, so it runs inside the caller's transaction.
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    event: Event<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into audit_events
            (id, organization_id, actor_user_id, actor, action, object_type, object_id, object_name, before, after, source_ip)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        Uuid::new_v4(),
        event.organization_id,
        actor.user_id,
        actor.label,
        event.action.as_str(),
        event.action.object_type(),
        event.object_id,
        event.object_name,
        event.before,
        event.after,
        actor.source_ip,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Serializes an object for `before`/`after`.
pub fn snapshot<T: serde::Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// One recorded event as the audit log shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEvent {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: time::OffsetDateTime,
    pub organization_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    pub object_name: String,
    pub source_ip: Option<String>,
}

/// An organization's events, newest first: those recorded in it, and the sign-ins (and failed
/// sign-ins) of its members, which belong to no organization, from while they were its
/// members only (a person's history before joining, or after leaving, is not its to see).
pub async fn search(
    db: impl sqlx::PgExecutor<'_>,
    organization_id: Uuid,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    sqlx::query_as!(
        AuditEvent,
        r#"with periods as (
               select p.user_id, lower(u.email) as email, p.joined_at, p.left_at
               from membership_periods p join users u on u.id = p.user_id
               where p.organization_id = $1)
           select e.id, e.occurred_at, e.organization_id, e.actor, e.action, e.object_type,
                  e.object_id, e.object_name, e.source_ip
           from audit_events e
           where (e.organization_id = $1
                  or (e.organization_id is null
                      and exists (
                          select 1 from periods p
                          where (e.actor_user_id = p.user_id or e.object_id = p.user_id
                                 or (e.action = 'user.sign_in_failed' and e.object_id is null
                                     and lower(e.object_name) = p.email))
                            and e.occurred_at >= p.joined_at
                            and (p.left_at is null or e.occurred_at < p.left_at))))
             and ($2::text is null or e.actor ilike '%' || $2 || '%' escape '\')
             and ($3::text is null or e.action = $3 or e.action like $3 || '.%')
             and ($4::text is null or e.object_name ilike '%' || $4 || '%' escape '\'
                  or e.object_type = $4 or e.object_id::text = lower($4))
             and ($5::timestamptz is null or e.occurred_at >= $5)
             and ($6::timestamptz is null or e.occurred_at < $6)
             and ($9::uuid is null or e.id = $9)
           order by e.occurred_at desc, e.id desc
           limit $7 offset $8"#,
        organization_id,
        filter.actor.as_deref().map(super::escape_like),
        filter.action.as_deref(),
        filter.object.as_deref().map(super::escape_like),
        filter.from,
        filter.to,
        limit,
        offset,
        filter.event
    )
    .fetch_all(db)
    .await
}

/// What one event recorded of its object before and after the change (either may be absent).
/// Callers find the event through [`search`] first, which decides who may see it.
pub async fn states(
    db: impl sqlx::PgExecutor<'_>,
    id: Uuid,
) -> Result<(Option<serde_json::Value>, Option<serde_json::Value>), sqlx::Error> {
    let row = sqlx::query!("select before, after from audit_events where id = $1", id)
        .fetch_optional(db)
        .await?;
    Ok(row.map_or((None, None), |r| (r.before, r.after)))
}
