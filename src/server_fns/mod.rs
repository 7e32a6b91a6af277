//! The browser's door into Meridian: server functions called by the pages, as forms that
//! work without JavaScript and as fetch calls once hydrated. Each one is thin: it checks who
//! is calling, parses input into domain types, calls an operation in `ops/` for a change (or
//! `db/` and `read/` for what a page shows), and answers with a redirect and a notice.
//!
//! Endpoints are stable (`/api/...`), not hashed, so tests and plain HTML forms can name them.

pub mod account;
pub mod applications;
pub mod audit;
pub mod data_planes;
pub mod general;
pub mod invitations;
pub mod members;
pub mod regions;
pub mod session;
pub mod sso;
pub mod work;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod status;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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
