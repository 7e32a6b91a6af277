//! The audit trail: one row per change, written in the change's own transaction.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// Who made a change and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// A readable label that survives the user's deletion, e.g. their email.
    pub label: String,
    pub source_ip: Option<String>,
}

impl Actor {
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
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
    pub object_name: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Event<'a> {
    pub fn new(
        organization_id: Option<Uuid>,
        action: &'a str,
        object_type: &'a str,
        object_id: Option<Uuid>,
        object_name: &'a str,
    ) -> Self {
        Event {
            organization_id,
            action,
            object_type,
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
        event.action,
        event.object_type,
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
