//! The browser's door into Meridian: server functions called by the pages, as forms that
//! work without JavaScript and as fetch calls once hydrated. Each one is thin: it checks who
//! is calling, parses input into domain types, calls an operation in `ops/` for a change (or
//! `db/` and `read/` for what a page shows), and answers with a redirect and a notice.
//!
//! Endpoints are stable (`/api/...`), not hashed, so tests and plain HTML forms can name them.

pub mod account;
pub mod applications;
pub mod audit;
pub mod audit_storage;
pub mod data_planes;
pub mod general;
pub mod invitations;
pub mod members;
pub mod regions;
pub mod residency;
pub mod session;
pub mod sso;
pub mod webhooks;
pub mod work;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod form_errors;
#[cfg(feature = "ssr")]
pub mod status;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A workspace named on another object's page (a region in the way of its deletion, a data
/// plane serving it), linking to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceLink {
    pub id: uuid::Uuid,
    pub name: String,
}

impl From<crate::domain::Workspace> for WorkspaceLink {
    fn from(w: crate::domain::Workspace) -> Self {
        Self {
            id: w.id,
            name: w.name,
        }
    }
}

/// Rows per page of the dashboard's long lists (workspaces, members, regions).
pub const PAGE_SIZE: i64 = 50;

/// Where one page of a long list is: its 0-based number, its size, and how many rows match
/// in all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Paging {
    pub page: i64,
    pub size: i64,
    pub total: i64,
}

impl Paging {
    /// The page asked for, within reason (a hand-made URL may say anything).
    pub fn clamp(page: i64) -> i64 {
        page.clamp(0, 1_000_000)
    }

    /// Page `page` of `size` rows out of `total`.
    pub fn new(page: i64, size: i64, total: i64) -> Self {
        Self {
            page: Self::clamp(page),
            size,
            total,
        }
    }

    pub fn offset(&self) -> i64 {
        self.page * self.size
    }

    pub fn has_more(&self) -> bool {
        (self.page + 1) * self.size < self.total
    }

    /// The first and last row shown, 1-based; `None` when the page is empty.
    pub fn shown(&self, rows: usize) -> Option<(i64, i64)> {
        let first = self.offset() + 1;
        (rows > 0).then(|| (first, first + rows as i64 - 1))
    }
}

/// A search text as typed: trimmed, `None` when empty, at most 200 characters.
pub fn search_text(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.chars().take(200).collect())
}

/// How many workspaces such a page lists; it counts the rest.
pub const WORKSPACES_LISTED: i64 = 50;

/// What every settings page shows around its content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageMeta {
    /// A one-shot notice from the previous action ("Region eu-west created").
    pub notice: Option<String>,
    /// Whether the caller may change things on this page.
    pub can_manage: bool,
    /// Server time, so relative times render the same on server and browser.
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// When data planes count as healthy or degraded.
    pub thresholds: crate::domain::HealthThresholds,
}

#[cfg(feature = "ssr")]
impl PageMeta {
    /// `path` is the page's own address (see [`crate::paths`]): notices are addressed to it.
    pub async fn load(
        ctx: &context::Ctx,
        access: &crate::auth::OrgAccess,
        path: &str,
    ) -> crate::error::AppResult<PageMeta> {
        Ok(PageMeta {
            notice: ctx.take_notice(path).await?,
            can_manage: access.role == crate::domain::OrgRole::Admin,
            now: OffsetDateTime::now_utc(),
            thresholds: ctx.state.config.health,
        })
    }
}
