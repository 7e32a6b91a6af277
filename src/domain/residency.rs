//! The residency model as the UI and API see it: organizations, regions, data planes and the
//! workspaces assigned to regions. The database reads straight into these types.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::OrgRole;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub revision: i32,
}

/// An organization as one of its members sees it in the switcher.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub role: OrgRole,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub enabled: bool,
    /// The cloud provider it runs on, as given (see [`super::governance::Provider`]).
    pub provider: Option<String>,
    /// ISO 3166 country code, optionally with a subdivision (`DE`, `US-CA`).
    pub location: Option<String>,
    /// The jurisdiction its data is under (`EU`, `US`, ...): what residency policies check.
    pub jurisdiction: Option<String>,
    /// Run by the instance's operators for every organization (owned by the default
    /// organization); otherwise self-managed by `organization_id`.
    pub managed: bool,
    /// The managed region new workspaces go to when no region is named.
    pub default_for_new_workspaces: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub revision: i32,
}

impl Region {
    /// Whether `organization_id` may change it: its own self-managed regions, and managed
    /// ones only from the organization that runs them.
    pub fn is_changeable_by(&self, organization_id: uuid::Uuid) -> bool {
        self.organization_id == organization_id
    }

    /// A managed region seen from an organization other than the one running it.
    pub fn is_borrowed_by(&self, organization_id: uuid::Uuid) -> bool {
        self.managed && self.organization_id != organization_id
    }

    /// Whether it is in `place`: its jurisdiction, or the country of its location.
    pub fn is_in(&self, place: &super::Jurisdiction) -> bool {
        self.jurisdiction.as_deref() == Some(place.as_str())
            || self.location.as_deref().and_then(|l| l.get(..2)) == Some(place.as_str())
    }

    /// Where it is in a few words (`AWS · DE-HE · EU`), empty when nothing is known.
    pub fn place_summary(&self) -> String {
        [&self.provider, &self.location, &self.jurisdiction]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataPlane {
    pub id: Uuid,
    pub region_id: Uuid,
    pub name: String,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub revision: i32,
    /// When the data plane last reported in; `None` until its agent first connects.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_heartbeat_at: Option<OffsetDateTime>,
    /// The agent's version and host as it last reported them.
    pub version: Option<String>,
    pub hostname: Option<String>,
    /// Where clients reach its regional API, as its agent last reported it.
    pub url: Option<String>,
    /// Finishing what it runs and taking nothing new.
    pub draining: bool,
    /// How many runs it is running now.
    pub running: i64,
}

impl DataPlane {
    /// A data plane takes work only when both it and its region are enabled.
    pub fn is_usable(&self, region: &Region) -> bool {
        self.enabled && region.enabled
    }

    /// Draining and done: nothing left running.
    pub fn is_drained(&self) -> bool {
        self.draining && self.running == 0
    }

    /// Health from the age of the last heartbeat at `now`.
    pub fn health_at(&self, now: OffsetDateTime, thresholds: &HealthThresholds) -> Health {
        thresholds.judge(self.last_heartbeat_at, now)
    }
}

/// How a data plane is doing, judged by how recently it reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Health {
    Healthy,
    Degraded,
    Unhealthy,
    /// Never connected.
    Unknown,
}

/// How recent a data plane's last heartbeat must be to count as healthy or degraded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthThresholds {
    pub healthy_within: time::Duration,
    pub degraded_within: time::Duration,
}

impl HealthThresholds {
    /// The health of something last heard from at `last` (never: `None`), at `now`.
    pub fn judge(&self, last: Option<OffsetDateTime>, now: OffsetDateTime) -> Health {
        match last {
            None => Health::Unknown,
            Some(at) if now - at <= self.healthy_within => Health::Healthy,
            Some(at) if now - at <= self.degraded_within => Health::Degraded,
            Some(_) => Health::Unhealthy,
        }
    }
}

impl Default for HealthThresholds {
    /// HEALTHY up to 60 s, DEGRADED up to 5 minutes.
    fn default() -> Self {
        HealthThresholds {
            healthy_within: time::Duration::seconds(60),
            degraded_within: time::Duration::minutes(5),
        }
    }
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "HEALTHY",
            Health::Degraded => "DEGRADED",
            Health::Unhealthy => "UNHEALTHY",
            Health::Unknown => "UNKNOWN",
        }
    }
}

/// A workspace with the name of the region it lives in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub region_enabled: bool,
    /// How its data is classified (`pii`, `phi`, ...), sorted: what policy rules look at.
    pub classifications: Vec<String>,
    /// Locked to its region: moving it needs an explicit unlock first.
    pub locked: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub revision: i32,
}

impl Workspace {
    /// The Airbyte API's `dataResidency`: the lower-cased region name.
    pub fn data_residency(&self) -> String {
        self.region_name.to_lowercase()
    }
}
