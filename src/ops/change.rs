//! The one shape of changing a row that carries a revision (regions, data planes,
//! workspaces): lock it, compare the revision the caller saw, write at that revision, record
//! the change with its before and after. A form saved from a page someone else changed since
//! is refused as stale instead of silently undoing their change; the API, which names no
//! revision, applies to the current version (the lock makes concurrent changes queue up).

use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::domain::{Action, DataPlane, Job, Name, Region, Workspace};
use crate::error::{AppError, AppResult};

/// A row whose every change bumps its revision.
pub trait Revisioned: Clone + Serialize {
    /// What messages call it, e.g. "region".
    const NOUN: &'static str;
    fn id(&self) -> Uuid;
    fn name(&self) -> &str;
    fn revision(&self) -> i32;
}

macro_rules! revisioned {
    ($($ty:ty => $noun:literal),*) => {$(
        impl Revisioned for $ty {
            const NOUN: &'static str = $noun;
            fn id(&self) -> Uuid {
                self.id
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn revision(&self) -> i32 {
                self.revision
            }
        }
    )*};
}

revisioned!(Region => "region", DataPlane => "data plane", Workspace => "workspace", Job => "job");

/// The locked row, or not found in the caller's organization.
pub fn found<T: Revisioned>(row: Option<T>) -> AppResult<T> {
    row.ok_or_else(|| AppError::not_found(T::NOUN))
}

/// The revision to write at: `None` when the change changes nothing (nothing is written or
/// recorded, but a stale form still hears that it is stale); else the one the caller saw, or
/// the current one when the caller names none.
pub fn revision_to_write<T: Revisioned>(
    before: &T,
    seen: Option<i32>,
    changes: bool,
) -> AppResult<Option<i32>> {
    if seen.is_some_and(|r| r != before.revision()) && !changes {
        return Err(AppError::stale(T::NOUN));
    }
    Ok(changes.then(|| seen.unwrap_or(before.revision())))
}

/// After the write at a revision: `written` is `None` when the row moved on meanwhile
/// (stale); otherwise the change is recorded under the action `action_of(before, after)`
/// with both states.
pub async fn record_update<T: Revisioned>(
    tx: &mut PgConnection,
    access: &OrgAccess,
    before: &T,
    written: Option<T>,
    action_of: impl FnOnce(&T, &T) -> Action,
) -> AppResult<T> {
    let after = written.ok_or_else(|| AppError::stale(T::NOUN))?;
    let action = action_of(before, &after);
    let event = super::event(access, action, after.id(), after.name());
    super::record(tx, access, event.before(before).after(&after)).await?;
    Ok(after)
}

/// Records that the caller created `created` (its state is the event's `after`).
pub async fn record_created<T: Revisioned>(
    tx: &mut PgConnection,
    access: &OrgAccess,
    action: Action,
    created: &T,
) -> AppResult<()> {
    let event = super::event(access, action, created.id(), created.name());
    super::record(tx, access, event.after(created)).await
}

/// Records that the caller deleted `deleted` (its last state is the event's `before`).
pub async fn record_deleted<T: Revisioned>(
    tx: &mut PgConnection,
    access: &OrgAccess,
    action: Action,
    deleted: &T,
) -> AppResult<()> {
    let event = super::event(access, action, deleted.id(), deleted.name());
    super::record(tx, access, event.before(deleted)).await
}

/// A change to something with a name that can be turned on and off (regions, data planes);
/// `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct NameAndEnabled {
    pub name: Option<Name>,
    pub enabled: Option<bool>,
}

impl NameAndEnabled {
    /// Whether it changes anything of something now named `name` and `enabled`.
    pub fn changes(&self, name: &str, enabled: bool) -> bool {
        self.name.as_ref().is_some_and(|n| n.as_str() != name)
            || self.enabled.is_some_and(|e| e != enabled)
    }
}

/// Which of three actions a change of name and/or enabled state was: turning on or off wins
/// over a rename made with it.
pub fn toggle_or_rename(
    before: bool,
    after: bool,
    [enable, disable, rename]: [Action; 3],
) -> Action {
    match (before, after) {
        (false, true) => enable,
        (true, false) => disable,
        _ => rename,
    }
}
