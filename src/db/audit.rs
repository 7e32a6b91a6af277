//! The audit trail: one row per change, written in the change's own transaction.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Action, AuditFilter};

use super::errors::Constraint;

/// The trail's constraints (see [`super::errors`]): ids are random, and a name or actor already
/// listed is skipped (`on conflict do nothing`).
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint::not_from_input("audit_events_pkey"),
    Constraint::not_from_input("audit_object_names_key"),
    Constraint::not_from_input("audit_actors_key"),
];

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

/// The query behind [`search`] and [`stream`]: an organization's events newest first, the
/// filters, then `limit $7 offset $8`. Two parts, each ordered and cut to the page on its own
/// index, then merged: the organization's own events down
/// `audit_events_organization_order_idx`, and its members' sign-ins (events of no
/// organization) down `audit_events_unowned_order_idx`; the second part is skipped outright
/// when the action or object type asked for is not a user's. A page then reads about its own
/// rows, whatever the size of the trail. Part of an object's name or of an actor arrives as
/// the exact values it matches (see [`Lookup`]): names in `$4` (the organization's events) and
/// `$13` (its members' sign-ins), actors in `$14` and `$15`, read down
/// `audit_events_object_name_order_idx` and `audit_events_actor_order_idx`; a part of the
/// search with no such values is skipped. `$12` and `$2` are the parts themselves, when they
/// match too many values to list.
macro_rules! search_events {
    ($organization_id:expr, $filter:expr, $lookups:expr, $limit:expr, $offset:expr) => {
        sqlx::query_as!(
            AuditEvent,
            r#"with periods as (
                   select p.user_id, lower(u.email) as email, p.joined_at, p.left_at
                   from membership_periods p join users u on u.id = p.user_id
                   where p.organization_id = $1),
               owned as (
                   select e.id, e.occurred_at, e.organization_id, e.actor, e.action, e.object_type,
                          e.object_id, e.object_name, e.source_ip
                   from audit_events e
                   where e.organization_id = $1
                     and ($2::text is null or e.actor ilike '%' || $2 || '%' escape '\')
                     and ($14::text[] is null or (cardinality($14) > 0 and e.actor = any($14)))
                     and ($3::text is null or e.action = $3 or e.action like $3 || '.%')
                     and ($4::text[] is null or (cardinality($4) > 0 and e.object_name = any($4)))
                     and ($12::text is null or e.object_name ilike '%' || $12 || '%' escape '\')
                     and ($10::text is null or e.object_type = $10)
                     and ($11::uuid is null or e.object_id = $11)
                     and ($5::timestamptz is null or e.occurred_at >= $5)
                     and ($6::timestamptz is null or e.occurred_at < $6)
                     and ($9::uuid is null or e.id = $9)
                   order by e.occurred_at desc, e.id desc
                   limit $7::bigint + $8::bigint),
               unowned as (
                   select e.id, e.occurred_at, e.organization_id, e.actor, e.action, e.object_type,
                          e.object_id, e.object_name, e.source_ip
                   from audit_events e
                   where e.organization_id is null
                     and ($3::text is null or $3 = 'user' or $3 like 'user.%')
                     and ($10::text is null or $10 = 'user')
                     and exists (
                         select 1 from periods p
                         where (e.actor_user_id = p.user_id or e.object_id = p.user_id
                                or (e.action = 'user.sign_in_failed' and e.object_id is null
                                    and lower(e.object_name) = p.email))
                           and e.occurred_at >= p.joined_at
                           and (p.left_at is null or e.occurred_at < p.left_at))
                     and ($2::text is null or e.actor ilike '%' || $2 || '%' escape '\')
                     and ($15::text[] is null or (cardinality($15) > 0 and e.actor = any($15)))
                     and ($3::text is null or e.action = $3 or e.action like $3 || '.%')
                     and ($13::text[] is null or (cardinality($13) > 0 and e.object_name = any($13)))
                     and ($12::text is null or e.object_name ilike '%' || $12 || '%' escape '\')
                     and ($11::uuid is null or e.object_id = $11)
                     and ($5::timestamptz is null or e.occurred_at >= $5)
                     and ($6::timestamptz is null or e.occurred_at < $6)
                     and ($9::uuid is null or e.id = $9)
                   order by e.occurred_at desc, e.id desc
                   limit $7 + $8)
               select e.id as "id!", e.occurred_at as "occurred_at!", e.organization_id,
                      e.actor as "actor!", e.action as "action!", e.object_type as "object_type!",
                      e.object_id, e.object_name as "object_name!", e.source_ip
               from (select * from owned union all select * from unowned) e
               order by e.occurred_at desc, e.id desc
               limit $7 offset $8"#,
            $organization_id,
            $lookups.1.part(),
            $filter.action.as_deref(),
            $lookups.0.owned(),
            $filter.from,
            $filter.to,
            $limit,
            $offset,
            $filter.event,
            $filter.object_type(),
            $filter.object_id(),
            $lookups.0.part(),
            $lookups.0.signed_in(),
            $lookups.1.owned(),
            $lookups.1.signed_in()
        )
    };
}

/// How many distinct values part of a name or an actor may match before the search stops
/// listing them and matches the part against the events themselves: so many values are common
/// enough in the trail that reading it newest first finds a page of them quickly.
const LOOKUP_LIMIT: i64 = 1000;

/// Which text filter a [`Lookup`] is for; each has its list of distinct values.
#[derive(Clone, Copy)]
enum Field {
    /// `audit_object_names`.
    ObjectName,
    /// `audit_actors`.
    Actor,
}

/// A filter on part of an object's name or of an actor, as the search applies it.
enum Lookup {
    /// Nothing asked for.
    Any,
    /// The exact values that contain the part asked for, possibly none: of the organization's
    /// own events, and of its members' sign-ins (their addresses). Kept apart so that each
    /// part of the search looks only for values it holds.
    Exact {
        owned: Vec<String>,
        signed_in: Vec<String>,
    },
    /// Too many values contain it: the part itself, matched against each event.
    Part(String),
}

impl Lookup {
    /// The values `part` (escaped for `like`) matches, found in the field's list (a few
    /// thousand rows an organization, not millions of events).
    async fn of(
        conn: &mut PgConnection,
        organization_id: Uuid,
        field: Field,
        part: Option<String>,
    ) -> Result<Lookup, sqlx::Error> {
        let Some(part) = part else {
            return Ok(Lookup::Any);
        };
        let limit = LOOKUP_LIMIT + 1;
        let values: Vec<(String, bool)> = match field {
            Field::ObjectName => sqlx::query!(
                r#"select n.object_name as "value!", true as "owned!" from audit_object_names n
                   where n.organization_id = $1 and n.object_name ilike '%' || $2 || '%' escape '\'
                   union all
                   select n.object_name, false from audit_object_names n
                   where n.organization_id is null
                     and n.object_name ilike '%' || $2 || '%' escape '\'
                     and lower(n.object_name) in (
                         select lower(u.email) from membership_periods p
                         join users u on u.id = p.user_id
                         where p.organization_id = $1)
                   limit $3"#,
                organization_id,
                part,
                limit
            )
            .fetch_all(conn)
            .await?
            .into_iter()
            .map(|r| (r.value, r.owned))
            .collect(),
            Field::Actor => sqlx::query!(
                r#"select a.actor as "value!", true as "owned!" from audit_actors a
                   where a.organization_id = $1 and a.actor ilike '%' || $2 || '%' escape '\'
                   union all
                   select a.actor, false from audit_actors a
                   where a.organization_id is null
                     and a.actor ilike '%' || $2 || '%' escape '\'
                     and lower(a.actor) in (
                         select lower(u.email) from membership_periods p
                         join users u on u.id = p.user_id
                         where p.organization_id = $1)
                   limit $3"#,
                organization_id,
                part,
                limit
            )
            .fetch_all(conn)
            .await?
            .into_iter()
            .map(|r| (r.value, r.owned))
            .collect(),
        };
        if values.len() as i64 > LOOKUP_LIMIT {
            return Ok(Lookup::Part(part));
        }
        let (owned, signed_in): (Vec<_>, Vec<_>) = values.into_iter().partition(|(_, o)| *o);
        Ok(Lookup::Exact {
            owned: owned.into_iter().map(|(v, _)| v).collect(),
            signed_in: signed_in.into_iter().map(|(v, _)| v).collect(),
        })
    }

    fn owned(&self) -> Option<&[String]> {
        match self {
            Lookup::Exact { owned, .. } => Some(owned),
            _ => None,
        }
    }

    fn signed_in(&self) -> Option<&[String]> {
        match self {
            Lookup::Exact { signed_in, .. } => Some(signed_in),
            _ => None,
        }
    }

    fn part(&self) -> Option<&str> {
        match self {
            Lookup::Part(part) => Some(part),
            _ => None,
        }
    }
}

/// The object-name and actor filters of `filter`, looked up.
async fn lookups(
    conn: &mut PgConnection,
    organization_id: Uuid,
    filter: &AuditFilter,
) -> Result<(Lookup, Lookup), sqlx::Error> {
    let names = filter.object_name().map(super::escape_like);
    let actors = filter.actor.as_deref().map(super::escape_like);
    Ok((
        Lookup::of(&mut *conn, organization_id, Field::ObjectName, names).await?,
        Lookup::of(conn, organization_id, Field::Actor, actors).await?,
    ))
}

/// The search's plan depends on which filters are set: planned for each call's own values
/// rather than once for all (a plan made for "no filter" is a slow one for "this object").
async fn plan_for_these_values(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("set local plan_cache_mode = force_custom_plan")
        .execute(conn)
        .await?;
    Ok(())
}

/// An organization's events, newest first: those recorded in it, and the sign-ins (and failed
/// sign-ins) of its members, which belong to no organization, from while they were its
/// members only (a person's history before joining, or after leaving, is not its to see).
pub async fn search(
    pool: &sqlx::PgPool,
    organization_id: Uuid,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    plan_for_these_values(&mut tx).await?;
    let lookups = lookups(&mut tx, organization_id, filter).await?;
    let events = search_events!(organization_id, filter, lookups, limit, offset)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(events)
}

/// Every event [`search`] would find, as they are read, inside the caller's transaction `tx`: an export of millions of events holds
/// one batch of rows at a time, never the whole trail.
pub async fn stream<'a>(
    tx: &'a mut PgConnection,
    organization_id: Uuid,
    filter: &'a AuditFilter,
) -> Result<
    impl futures_util::Stream<Item = Result<AuditEvent, sqlx::Error>> + Send + 'a,
    sqlx::Error,
> {
    plan_for_these_values(&mut *tx).await?;
    let lookups = lookups(&mut *tx, organization_id, filter).await?;
    // The limit leaves room for the offset (0) without overflowing.
    Ok(search_events!(organization_id, filter, lookups, i64::MAX, 0i64).fetch(tx))
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
