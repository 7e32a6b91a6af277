//! Health alerts: the events an organization's webhook endpoints can receive, and the address
//! of an endpoint as an admin types it. Whether an address may be reached from this server
//! (not its own network) is checked where the network is known, in `ops::webhooks`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// An event sent to webhook endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookEvent {
    /// A data plane's health changed (HEALTHY, DEGRADED, UNHEALTHY).
    DataPlaneHealthChanged,
    /// A region has no healthy data plane left: its workspaces' work waits.
    RegionUnhealthy,
    /// A region has a healthy data plane again.
    RegionRecovered,
    /// Sent on request from the webhooks page, to check an endpoint.
    Test,
}

impl WebhookEvent {
    /// The events an endpoint can subscribe to (a test event goes to the endpoint asked).
    pub const SUBSCRIBABLE: [WebhookEvent; 3] = [
        WebhookEvent::DataPlaneHealthChanged,
        WebhookEvent::RegionUnhealthy,
        WebhookEvent::RegionRecovered,
    ];

    /// The name in payloads, the API and the `Meridian-Event-Type` header.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::DataPlaneHealthChanged => "dataplane.health_changed",
            WebhookEvent::RegionUnhealthy => "region.unhealthy",
            WebhookEvent::RegionRecovered => "region.recovered",
            WebhookEvent::Test => "test",
        }
    }

    /// What it means, for the form.
    pub const fn describe(self) -> &'static str {
        match self {
            WebhookEvent::DataPlaneHealthChanged => "A data plane's health changes",
            WebhookEvent::RegionUnhealthy => "A region has no healthy data plane left",
            WebhookEvent::RegionRecovered => "A region has a healthy data plane again",
            WebhookEvent::Test => "A test event, sent on request",
        }
    }

    /// A subscribable event by name.
    pub fn parse(raw: &str) -> Result<WebhookEvent, String> {
        let raw = raw.trim();
        Self::SUBSCRIBABLE
            .into_iter()
            .find(|e| e.as_str() == raw)
            .ok_or_else(|| {
                format!(
                    "'{}' is not an event. Choose from {}.",
                    raw.escape_default(),
                    Self::SUBSCRIBABLE.map(|e| e.as_str()).join(", ")
                )
            })
    }

    /// A non-empty set of subscribable events, without duplicates, in the order above.
    pub fn parse_set<S: AsRef<str>>(raw: &[S]) -> Result<Vec<WebhookEvent>, String> {
        let asked = raw
            .iter()
            .map(|r| WebhookEvent::parse(r.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let set: Vec<WebhookEvent> = Self::SUBSCRIBABLE
            .into_iter()
            .filter(|e| asked.contains(e))
            .collect();
        if set.is_empty() {
            return Err("Choose at least one event.".into());
        }
        Ok(set)
    }
}

/// An endpoint's address: `https://` (plain `http://` only where local endpoints are allowed,
/// for tests and demos), with a host, no credentials or fragment, at most 2048 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX_CHARS: usize = 2048;

    /// The shape only; `allow_http` lets `http://` through (local endpoints).
    pub fn parse(raw: &str, allow_http: bool) -> Result<WebhookUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(
                "Enter the endpoint's URL, e.g. https://alerts.example.com/meridian.".into(),
            );
        }
        if raw.len() > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters.", Self::MAX_CHARS));
        }
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or_else(|| "That is not a URL: it starts with https://.".to_owned())?;
        match scheme.to_ascii_lowercase().as_str() {
            "https" => {}
            "http" if allow_http => {}
            _ => return Err("The URL must start with https://.".into()),
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() {
            return Err("The URL needs a host.".into());
        }
        if authority.contains('@') {
            return Err("The URL takes no user name or password.".into());
        }
        if raw.contains('#') {
            return Err("The URL takes no fragment (#…).".into());
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("The URL can't contain spaces.".into());
        }
        Ok(WebhookUrl(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An endpoint as pages and the API show it (never its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    /// The secret's last four characters.
    pub secret_hint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One delivery as the webhooks page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_into_a_set_in_a_fixed_order() {
        let set = WebhookEvent::parse_set(&[
            "region.recovered",
            "dataplane.health_changed",
            "region.recovered",
        ])
        .unwrap();
        assert_eq!(
            set,
            [
                WebhookEvent::DataPlaneHealthChanged,
                WebhookEvent::RegionRecovered
            ]
        );
        assert!(WebhookEvent::parse_set::<&str>(&[]).is_err());
        assert!(
            WebhookEvent::parse("test").is_err(),
            "tests are sent on request only"
        );
    }

    #[test]
    fn endpoint_urls_are_https_without_credentials() {
        assert!(WebhookUrl::parse("https://hooks.example.com/x?y=1", false).is_ok());
        assert!(WebhookUrl::parse("http://hooks.example.com/x", false).is_err());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/x", true).is_ok());
        assert!(WebhookUrl::parse("https://user:pw@hooks.example.com", false).is_err());
        assert!(WebhookUrl::parse("https:///path", false).is_err());
        assert!(WebhookUrl::parse("ftp://hooks.example.com", true).is_err());
        assert!(WebhookUrl::parse("https://a.example.com/#x", false).is_err());
    }
}
