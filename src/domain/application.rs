//! API applications: client credentials a user creates to script Meridian through the public
//! API. The secret is never part of this type: it is shown once at creation and only its hash
//! is stored.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The one organization its tokens act in.
    pub organization_id: Uuid,
    pub name: String,
    pub client_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The last token exchange (recorded to the minute); `None` until first used.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}
