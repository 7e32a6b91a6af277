//! An organization's own bucket for its audit trail (S3 or any S3-compatible store), as its
//! admin types it, and how long the organization keeps events here. Whether the endpoint may be
//! reached from this server (not its own network) is checked where the network is known, in
//! `ops::audit_bucket` and at delivery.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The bucket settings as typed, before they are parsed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditBucketInput {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub access_key_id: String,
    /// Empty when changing the other settings of a bucket already set up: the stored secret
    /// stays.
    pub secret_access_key: String,
}

/// Where and as whom events are written, parsed. The secret travels apart (sealed at rest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditBucket {
    /// `https://host[:port]` (or `http://` for local test servers), no path.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Empty, or ends with `/`.
    pub prefix: String,
    pub access_key_id: String,
}

impl AuditBucket {
    /// Parses every field, naming each wrong one; `allow_http` lets `http://` through (local
    /// test servers). `secret` is checked when `secret_required` (a first setup).
    pub fn parse(
        input: &AuditBucketInput,
        allow_http: bool,
        secret_required: bool,
    ) -> Result<AuditBucket, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let endpoint = parse_endpoint(&input.endpoint, allow_http)
            .map_err(|m| errors.push(("endpoint", m)))
            .ok();
        let region = parse_region(&input.region)
            .map_err(|m| errors.push(("region", m)))
            .ok();
        let bucket = parse_bucket(&input.bucket)
            .map_err(|m| errors.push(("bucket", m)))
            .ok();
        let prefix = parse_prefix(&input.prefix)
            .map_err(|m| errors.push(("prefix", m)))
            .ok();
        let access_key_id = parse_key_id(&input.access_key_id)
            .map_err(|m| errors.push(("access_key_id", m)))
            .ok();
        let secret = input.secret_access_key.trim();
        if secret_required && secret.is_empty() {
            errors.push(("secret_access_key", "Enter the secret access key.".into()));
        } else if secret.len() > 256 || secret.chars().any(|c| c.is_control()) {
            errors.push((
                "secret_access_key",
                "That is not a secret access key: at most 256 printable characters.".into(),
            ));
        }
        match (endpoint, region, bucket, prefix, access_key_id) {
            (Some(endpoint), Some(region), Some(bucket), Some(prefix), Some(access_key_id))
                if errors.is_empty() =>
            {
                Ok(AuditBucket {
                    endpoint,
                    region,
                    bucket,
                    prefix,
                    access_key_id,
                })
            }
            _ => Err(errors),
        }
    }

    /// The host the endpoint names (without port), to check where it points.
    pub fn host(&self) -> &str {
        let authority = self.endpoint.split_once("://").map_or("", |(_, a)| a);
        match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        }
    }

    /// The object name of batch `sequence`, whose first event happened at `first`: under the
    /// prefix, by organization and day, numbered so names sort in delivery order. The same
    /// batch always gets the same name, so a retried upload overwrites rather than duplicates.
    pub fn object_key(
        &self,
        organization_id: uuid::Uuid,
        sequence: i64,
        first: OffsetDateTime,
    ) -> String {
        let day = first.date();
        format!(
            "{}{organization_id}/{:04}/{:02}/{:02}/{sequence:012}.jsonl.gz",
            self.prefix,
            day.year(),
            u8::from(day.month()),
            day.day()
        )
    }
}

fn parse_endpoint(raw: &str, allow_http: bool) -> Result<String, String> {
    let raw = raw.trim().trim_end_matches('/');
    if raw.is_empty() {
        return Err(
            "Enter the storage endpoint, e.g. https://s3.eu-central-1.amazonaws.com.".into(),
        );
    }
    let (scheme, authority) = raw
        .split_once("://")
        .ok_or_else(|| "That is not a URL: it starts with https://.".to_owned())?;
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if allow_http => {}
        _ => return Err("The endpoint must start with https://.".into()),
    }
    if authority.is_empty() {
        return Err("The endpoint needs a host.".into());
    }
    if authority.contains(['/', '?', '#']) {
        return Err("Give the endpoint only, without a path: the bucket is its own field.".into());
    }
    if authority.contains('@') {
        return Err("The endpoint takes no user name or password.".into());
    }
    if authority.len() > 255
        || !authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err("That is not a host name.".into());
    }
    Ok(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

fn parse_region(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the bucket's region, e.g. eu-central-1.".into());
    }
    if raw.len() > 32
        || !raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("A region is lower-case letters, digits and dashes, e.g. eu-central-1.".into());
    }
    Ok(raw.to_owned())
}

/// S3's bucket naming rules: 3-63 characters, lower-case letters, digits, dots and dashes,
/// starting and ending with a letter or digit, no `..`.
fn parse_bucket(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the bucket's name.".into());
    }
    let ok = (3..=63).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && raw.starts_with(|c: char| c.is_ascii_alphanumeric())
        && raw.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !raw.contains("..");
    if !ok {
        return Err(
            "A bucket name is 3-63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit."
                .into(),
        );
    }
    Ok(raw.to_owned())
}

/// Empty, or a path ending with `/` (added when missing).
fn parse_prefix(raw: &str) -> Result<String, String> {
    let raw = raw.trim().trim_start_matches('/');
    if raw.is_empty() {
        return Ok(String::new());
    }
    if raw.len() > 512 {
        return Err("Use at most 512 characters.".into());
    }
    if raw.split('/').any(|part| part == "." || part == "..") || raw.contains("//") {
        return Err("The prefix can't contain empty, . or .. parts.".into());
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '=' | '!'))
    {
        return Err("Use letters, digits and / - _ . = ! only.".into());
    }
    Ok(if raw.ends_with('/') {
        raw.to_owned()
    } else {
        format!("{raw}/")
    })
}

fn parse_key_id(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the access key id.".into());
    }
    if raw.len() > 128
        || !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("That is not an access key id: letters, digits, - _ . only.".into());
    }
    Ok(raw.to_owned())
}

/// How long an organization keeps its audit events: `None` keeps them forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRetention(pub Option<i32>);

impl AuditRetention {
    /// The shortest retention: a trail that can be emptied at once would prove nothing.
    pub const MIN_DAYS: i32 = 30;
    /// A hundred years.
    pub const MAX_DAYS: i32 = 36_500;

    /// Days as typed; empty keeps events forever.
    pub fn parse(raw: &str) -> Result<AuditRetention, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(AuditRetention(None));
        }
        match raw.parse::<i64>() {
            Ok(days) if (Self::MIN_DAYS as i64..=Self::MAX_DAYS as i64).contains(&days) => {
                Ok(AuditRetention(Some(days as i32)))
            }
            _ => Err(format!(
                "Enter a number of days from {} to {}, or leave it empty to keep events forever.",
                Self::MIN_DAYS,
                Self::MAX_DAYS
            )),
        }
    }

    /// For people: "forever" or "400 days".
    pub fn describe(self) -> String {
        match self.0 {
            None => "forever".into(),
            Some(days) => format!("{days} days"),
        }
    }
}

/// An organization's bucket as the settings page and the API show it (never the secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditBucketStatus {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub access_key_id: String,
    /// The secret's last four characters.
    pub secret_hint: String,
    /// Events recorded and not yet in the bucket.
    pub pending: i64,
    /// Batches written so far.
    pub delivered_batches: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_delivered_at: Option<OffsetDateTime>,
    /// The last object written.
    pub last_object: Option<String>,
    /// Failed attempts at the current batch (0 when all is well).
    pub attempts: i32,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AuditBucketInput {
        AuditBucketInput {
            endpoint: "https://S3.eu-central-1.amazonaws.com/".into(),
            region: "eu-central-1".into(),
            bucket: "acme-audit".into(),
            prefix: "/meridian".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        }
    }

    #[test]
    fn a_bucket_is_parsed_and_normalised() {
        let bucket = AuditBucket::parse(&input(), false, true).unwrap();
        assert_eq!(bucket.endpoint, "https://s3.eu-central-1.amazonaws.com");
        assert_eq!(bucket.prefix, "meridian/");
        assert_eq!(bucket.host(), "s3.eu-central-1.amazonaws.com");
        let key = bucket.object_key(
            uuid::Uuid::nil(),
            7,
            time::macros::datetime!(2026-12-01 10:00 UTC),
        );
        assert_eq!(
            key,
            "meridian/00000000-0000-0000-0000-000000000000/2026/12/01/000000000007.jsonl.gz"
        );
    }

    #[test]
    fn each_wrong_field_is_named() {
        let wrong = AuditBucketInput {
            endpoint: "http://minio.internal:9000/bucket".into(),
            region: "EU Central".into(),
            bucket: "No_Such".into(),
            prefix: "../up".into(),
            access_key_id: "".into(),
            secret_access_key: "".into(),
        };
        let errors = AuditBucket::parse(&wrong, false, true).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "endpoint",
                "region",
                "bucket",
                "prefix",
                "access_key_id",
                "secret_access_key"
            ]
        );
        // Plain http only for local test servers; the secret only on first setup.
        let local = AuditBucketInput {
            endpoint: "http://127.0.0.1:9000".into(),
            secret_access_key: "".into(),
            ..input()
        };
        assert!(AuditBucket::parse(&local, false, false).is_err());
        assert_eq!(
            AuditBucket::parse(&local, true, false).unwrap().host(),
            "127.0.0.1"
        );
    }

    #[test]
    fn retention_is_a_bounded_number_of_days_or_forever() {
        assert_eq!(AuditRetention::parse(""), Ok(AuditRetention(None)));
        assert_eq!(
            AuditRetention::parse(" 400 "),
            Ok(AuditRetention(Some(400)))
        );
        assert!(AuditRetention::parse("7").is_err());
        assert!(AuditRetention::parse("forever").is_err());
        assert!(AuditRetention::parse("99999999999").is_err());
    }
}
