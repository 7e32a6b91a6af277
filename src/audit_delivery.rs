//! Delivery of each organization's audit trail to its own bucket (S3 or S3-compatible).
//!
//! Events reach the outbox in the transaction that records them (a database trigger). Every
//! replica runs a worker; a bucket being delivered is row-locked (`skip locked`), so one replica
//! at a time writes an organization's batches, in order. A batch is numbered before its first
//! upload and keeps its number and events until it is in the bucket: a retry (after a failure,
//! a restart, or another replica taking over) writes the same object again, so delivery is at
//! least once and never duplicates. Objects are gzipped JSON Lines, one event per line, oldest
//! first.

use std::io::Write as _;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::db;
use crate::domain::AuditBucket;
use crate::state::AppState;

/// Events per object at most.
const BATCH_SIZE: i64 = 1000;
/// How often each replica looks for events to deliver.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// One upload's time limit.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Objects written per pass at most, so one busy organization does not starve the others.
const BATCHES_PER_PASS: usize = 50;

/// Starts this replica's delivery worker.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let client = match client(state.config.allow_local_buckets) {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "audit bucket deliveries are off: no HTTP client");
                return;
            }
        };
        let mut every = tokio::time::interval(LOOK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match deliver_due(&state, &client).await {
                Ok(0) => {}
                Ok(_) => crate::telemetry::count_job("audit_delivery", Some(true)),
                Err(e) => {
                    crate::telemetry::count_job("audit_delivery", Some(false));
                    tracing::warn!(error = %e, "delivering audit events failed; trying again later");
                }
            }
        }
    });
}

/// The client uploads go out with: no redirects, public addresses only unless local endpoints
/// are allowed, bounded time.
fn client(allow_local: bool) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(UPLOAD_TIMEOUT)
        .user_agent(concat!("meridian-audit/", env!("CARGO_PKG_VERSION")));
    if !allow_local {
        builder = builder.dns_resolver(std::sync::Arc::new(crate::auth::oidc::PublicOnly));
    }
    builder.build()
}

/// Writes due batches until none is left (or the pass's share is done); how many were written.
/// A failed upload is recorded on its bucket (and retried later), not returned as an error.
pub async fn deliver_due(state: &AppState, client: &reqwest::Client) -> Result<usize, sqlx::Error> {
    let mut written = 0;
    while written < BATCHES_PER_PASS {
        let mut tx = state.pool.begin().await?;
        let Some(due) = db::audit_buckets::take_due(&mut tx).await? else {
            break;
        };
        let events =
            db::audit_buckets::batch(&mut tx, due.organization_id, due.next_sequence, BATCH_SIZE)
                .await?;
        let outcome = match events.first() {
            None => Err("nothing to write".to_owned()),
            Some(first) => {
                let bucket = AuditBucket {
                    endpoint: due.endpoint.clone(),
                    region: due.region.clone(),
                    bucket: due.bucket.clone(),
                    prefix: due.prefix.clone(),
                    access_key_id: due.access_key_id.clone(),
                };
                let key =
                    bucket.object_key(due.organization_id, due.next_sequence, first.occurred_at);
                match secret(state, &due) {
                    Ok(secret) => upload(client, &bucket, &secret, &key, &events)
                        .await
                        .map(|()| key),
                    Err(e) => Err(e),
                }
            }
        };
        match outcome {
            Ok(key) => {
                db::audit_buckets::delivered(&mut tx, due.organization_id, due.next_sequence, &key)
                    .await?;
                written += 1;
            }
            Err(why) => {
                let wait = backoff(state.config.audit_retry_base, due.attempts + 1);
                tracing::info!(organization = %due.organization_id, error = %why, retry_in_secs = wait.as_secs(), "audit bucket upload failed");
                db::audit_buckets::failed(&mut tx, due.organization_id, &why, wait).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(written)
}

/// The bucket's secret access key, opened with the instance's key.
fn secret(state: &AppState, due: &db::audit_buckets::DueBucket) -> Result<String, String> {
    let secret_box = state
        .secret_box
        .as_deref()
        .ok_or("this server has no encryption key to open the stored secret")?;
    let opened = secret_box
        .open(&due.secret_sealed, due.organization_id.as_bytes())
        .map_err(|_| "the stored secret cannot be opened with this server's encryption key")?;
    String::from_utf8(opened).map_err(|_| "the stored secret is not text".to_owned())
}

/// The wait before attempt `attempt` (1 = the first retry): doubling from `base`, capped.
fn backoff(base: Duration, attempt: i32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.clamp(1, 20) as u32 - 1);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Uploads one batch as gzipped JSON Lines. Errors say what went wrong in words an admin can
/// act on, without the bucket's answer body (which is theirs, and may be anything).
async fn upload(
    client: &reqwest::Client,
    bucket: &AuditBucket,
    secret: &str,
    key: &str,
    events: &[db::audit_buckets::BucketEvent],
) -> Result<(), String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for event in events {
        let line = serde_json::to_vec(event).map_err(|e| e.to_string())?;
        gz.write_all(&line)
            .and_then(|()| gz.write_all(b"\n"))
            .map_err(|e| e.to_string())?;
    }
    let body = gz.finish().map_err(|e| e.to_string())?;
    let (url, host, path) = object_url(bucket, key);
    let now = time::OffsetDateTime::now_utc();
    let signed = sign_put(
        &Credentials {
            access_key_id: &bucket.access_key_id,
            secret_access_key: secret,
            region: &bucket.region,
        },
        &host,
        &path,
        &body,
        "application/gzip",
        now,
    );
    let request = client
        .put(url)
        .header("content-type", "application/gzip")
        .header("x-amz-date", &signed.amz_date)
        .header("x-amz-content-sha256", &signed.payload_hash)
        .header("authorization", &signed.authorization)
        .body(body);
    // reqwest sets Host from the URL, which is what was signed; every x-amz-* header sent
    // must be signed too.
    match request.send().await {
        Ok(res) if res.status().is_success() => Ok(()),
        Ok(res) => Err(format!("the bucket answered {}", res.status())),
        Err(e) if e.is_timeout() => Err("the bucket did not answer in time".into()),
        Err(e) if e.is_connect() => Err("could not connect to the bucket's endpoint".into()),
        Err(_) => Err("the upload failed".into()),
    }
}

/// The object's URL, its `Host` header and its path as signed. Amazon's own endpoints are
/// addressed virtual-hosted style (`bucket.s3.region.amazonaws.com`), others (MinIO, Ceph,
/// test servers) path style (`endpoint/bucket/key`), which is what they expect by default.
fn object_url(bucket: &AuditBucket, key: &str) -> (String, String, String) {
    let (scheme, authority) = bucket
        .endpoint
        .split_once("://")
        .unwrap_or(("https", &bucket.endpoint));
    let encoded_key = uri_encode(key, false);
    if bucket.host().ends_with(".amazonaws.com") && !bucket.bucket.contains('.') {
        let host = format!("{}.{authority}", bucket.bucket);
        let path = format!("/{encoded_key}");
        (format!("{scheme}://{host}{path}"), host, path)
    } else {
        let path = format!("/{}/{encoded_key}", uri_encode(&bucket.bucket, true));
        (
            format!("{scheme}://{authority}{path}"),
            authority.to_owned(),
            path,
        )
    }
}

/// Who signs a request, and for which region.
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
}

/// The headers a signed request carries.
pub struct Signed {
    pub amz_date: String,
    pub payload_hash: String,
    pub authorization: String,
}

/// Signs a `PUT` of `body` to `path` on `host` (AWS Signature Version 4, service `s3`).
pub fn sign_put(
    credentials: &Credentials<'_>,
    host: &str,
    path: &str,
    body: &[u8],
    content_type: &str,
    now: time::OffsetDateTime,
) -> Signed {
    let payload_hash = hex(&Sha256::digest(body));
    let headers = [
        ("content-type", content_type),
        ("host", host),
        ("x-amz-content-sha256", &payload_hash),
    ];
    sign("PUT", path, &headers, &payload_hash, credentials, now)
}

/// Signature Version 4 over `method path` with `headers` (lower-case names, sorted, without
/// `x-amz-date`, which is added) and the payload's hash.
fn sign(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    payload_hash: &str,
    credentials: &Credentials<'_>,
    now: time::OffsetDateTime,
) -> Signed {
    let amz_date = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let date = &amz_date[..8];
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.push(("x-amz-date", &amz_date));
    all.sort_by(|a, b| a.0.cmp(b.0));
    let canonical_headers: String = all
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.trim()))
        .collect();
    let signed_headers = all.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(";");
    let canonical_request =
        format!("{method}\n{path}\n\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
    let scope = format!("{date}/{}/s3/aws4_request", credentials.region);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{}", credentials.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [credentials.region, "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    Signed {
        authorization: format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
        amz_date,
        payload_hash: payload_hash.to_owned(),
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// URI-encodes as Signature Version 4 wants: everything but unreserved characters, and `/`
/// too unless it separates the key's parts.
fn uri_encode(raw: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Amazon's documented example (GET Object, first ten bytes of examplebucket/test.txt).
    #[test]
    fn signatures_match_amazons_worked_example() {
        let credentials = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
        };
        let empty = hex(&Sha256::digest(b""));
        let signed = sign(
            "GET",
            "/test.txt",
            &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", &empty),
            ],
            &empty,
            &credentials,
            time::macros::datetime!(2013-05-24 00:00:00 UTC),
        );
        assert_eq!(signed.amz_date, "20130524T000000Z");
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn amazon_is_addressed_by_host_others_by_path() {
        let mut bucket = AuditBucket {
            endpoint: "https://s3.eu-central-1.amazonaws.com".into(),
            region: "eu-central-1".into(),
            bucket: "acme-audit".into(),
            prefix: String::new(),
            access_key_id: "AKIA".into(),
        };
        let (url, host, path) = object_url(&bucket, "a b/c.jsonl.gz");
        assert_eq!(
            url,
            "https://acme-audit.s3.eu-central-1.amazonaws.com/a%20b/c.jsonl.gz"
        );
        assert_eq!(host, "acme-audit.s3.eu-central-1.amazonaws.com");
        assert_eq!(path, "/a%20b/c.jsonl.gz");
        bucket.endpoint = "http://127.0.0.1:9000".into();
        let (url, host, _) = object_url(&bucket, "k");
        assert_eq!(url, "http://127.0.0.1:9000/acme-audit/k");
        assert_eq!(host, "127.0.0.1:9000");
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 3), Duration::from_secs(40));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
    }
}
