//! What an operator watches: the request id that ties a response to its log lines, and the
//! process's Prometheus metrics (`GET /metrics`).
//!
//! Counters live in memory, per replica: Prometheus scrapes every replica and sums. Gauges that
//! describe the whole instance (data planes by health, the audit outbox) are read from the
//! database when scraped, so every replica reports the same truth.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::time::Duration;

tokio::task_local! {
    /// The id of the request this task serves: set by the server's outermost middleware.
    static REQUEST_ID: Arc<str>;
}

/// Runs `work` as part of the request `id`: problem documents and log lines it produces name it.
pub async fn with_request_id<F: Future>(id: Arc<str>, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The id of the request being served, when there is one.
pub fn request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// The request id a client (or the proxy in front) sent, when it is safe to reuse: short, and
/// only characters that cannot forge a log line or a header.
pub fn accept_request_id(given: &str) -> Option<Arc<str>> {
    let ok = !given.is_empty()
        && given.len() <= 64
        && given
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| Arc::from(given))
}

/// A new request id: 16 random bytes in hex.
pub fn new_request_id() -> Arc<str> {
    Arc::from(uuid::Uuid::new_v4().simple().to_string())
}

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One latency histogram: a count per bucket (not cumulative; summed when rendered).
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    /// Above the last bucket.
    overflow: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        match BUCKETS.iter().position(|&le| seconds <= le) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.overflow.fetch_add(1, Ordering::Relaxed),
        };
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }
}

/// Requests are told apart by method, route template (never the raw path: ids would make
/// every request its own series) and status.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RequestKey {
    method: String,
    route: String,
    status: u16,
}

/// A sign-in's way and outcome.
#[derive(Clone, Copy)]
pub enum SignIn {
    Password,
    Sso,
}

/// The process's counters.
#[derive(Default)]
struct Registry {
    requests: RwLock<HashMap<RequestKey, Arc<Histogram>>>,
    shed: AtomicU64,
    timed_out: AtomicU64,
    token_exchanges: [AtomicU64; 2],
    sign_ins: [[AtomicU64; 2]; 2],
    heartbeats: AtomicU64,
    /// Per periodic job: passes that did the work on this replica, and passes that failed.
    jobs: Mutex<BTreeMap<&'static str, (u64, u64)>>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);

/// Counts a finished request.
pub fn observe_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let key = RequestKey {
        method: method.to_owned(),
        route: route.to_owned(),
        status,
    };
    let found = REGISTRY
        .requests
        .read()
        .ok()
        .and_then(|m| m.get(&key).cloned());
    let histogram = match found {
        Some(h) => h,
        None => match REGISTRY.requests.write() {
            Ok(mut m) => m.entry(key).or_default().clone(),
            Err(_) => return,
        },
    };
    histogram.observe(elapsed);
}

/// A request refused at the door because too many were in flight.
pub fn count_shed() {
    REGISTRY.shed.fetch_add(1, Ordering::Relaxed);
}

/// A request that took longer than the request timeout and was answered 503.
pub fn count_timed_out() {
    REGISTRY.timed_out.fetch_add(1, Ordering::Relaxed);
}

/// A client or data plane credential exchanged for a token (`issued`) or refused.
pub fn count_token_exchange(issued: bool) {
    REGISTRY.token_exchanges[usize::from(!issued)].fetch_add(1, Ordering::Relaxed);
}

/// A sign-in that let someone in, or did not.
pub fn count_sign_in(way: SignIn, success: bool) {
    REGISTRY.sign_ins[way as usize][usize::from(!success)].fetch_add(1, Ordering::Relaxed);
}

/// A heartbeat (or start report) taken from a data plane.
pub fn count_heartbeat() {
    REGISTRY.heartbeats.fetch_add(1, Ordering::Relaxed);
}

/// A pass of a periodic job: `Some(true)` did the work, `Some(false)` failed, `None` left it
/// to another replica (only the first two are counted).
pub fn count_job(job: &'static str, did: Option<bool>) {
    let Some(ok) = did else { return };
    if let Ok(mut jobs) = REGISTRY.jobs.lock() {
        let entry = jobs.entry(job).or_default();
        if ok {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
}

/// Metrics the caller read from elsewhere (the pool, the database), rendered with the
/// process's own.
#[derive(Default)]
pub struct Snapshot {
    /// Requests the server is serving now.
    pub in_flight: usize,
    pub pool_in_use: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    /// (organization id, region id, region name, health, data planes)
    pub data_planes: Vec<(String, String, String, String, u64)>,
    /// (organization id, audit events not yet in the organization's bucket)
    pub audit_outbox: Vec<(String, u64)>,
}

/// The Prometheus text exposition of everything.
pub fn render(snapshot: &Snapshot) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let r = &*REGISTRY;

    family(
        &mut out,
        "meridian_build_info",
        "gauge",
        "The running version.",
    );
    let _ = writeln!(
        out,
        "meridian_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(rss) = resident_memory_bytes() {
        family(
            &mut out,
            "meridian_process_resident_memory_bytes",
            "gauge",
            "Resident memory of this process.",
        );
        let _ = writeln!(out, "meridian_process_resident_memory_bytes {rss}");
    }

    let requests: Vec<(RequestKey, Arc<Histogram>)> = r
        .requests
        .read()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut requests = requests;
    requests.sort_by(|a, b| a.0.cmp(&b.0));
    family(
        &mut out,
        "meridian_http_requests_total",
        "counter",
        "Requests answered, by method, route and status.",
    );
    for (key, h) in &requests {
        let count: u64 = total(h);
        let _ = writeln!(
            out,
            "meridian_http_requests_total{{{}}} {count}",
            request_labels(key)
        );
    }
    family(
        &mut out,
        "meridian_http_request_duration_seconds",
        "histogram",
        "Time to answer a request (until its headers), by method, route and status.",
    );
    for (key, h) in &requests {
        let labels = request_labels(key);
        let mut cumulative = 0;
        for (i, le) in BUCKETS.iter().enumerate() {
            cumulative += h.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "meridian_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
            );
        }
        let count = total(h);
        let _ = writeln!(
            out,
            "meridian_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
        );
        let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "meridian_http_request_duration_seconds_sum{{{labels}}} {sum}"
        );
        let _ = writeln!(
            out,
            "meridian_http_request_duration_seconds_count{{{labels}}} {count}"
        );
    }
    scalar(
        &mut out,
        "meridian_http_requests_in_flight",
        "gauge",
        "Requests being served.",
        snapshot.in_flight,
    );
    scalar(
        &mut out,
        "meridian_http_requests_shed_total",
        "counter",
        "Requests refused with 503 because too many were in flight.",
        r.shed.load(Ordering::Relaxed),
    );
    scalar(
        &mut out,
        "meridian_http_requests_timed_out_total",
        "counter",
        "Requests answered 503 because they took longer than the request timeout.",
        r.timed_out.load(Ordering::Relaxed),
    );

    family(
        &mut out,
        "meridian_db_pool_connections",
        "gauge",
        "Database connections of this replica's pool, by state.",
    );
    let _ = writeln!(
        out,
        "meridian_db_pool_connections{{state=\"in_use\"}} {}",
        snapshot.pool_in_use
    );
    let _ = writeln!(
        out,
        "meridian_db_pool_connections{{state=\"idle\"}} {}",
        snapshot.pool_idle
    );
    scalar(
        &mut out,
        "meridian_db_pool_max_connections",
        "gauge",
        "The most connections this replica's pool opens.",
        snapshot.pool_max,
    );

    family(
        &mut out,
        "meridian_token_exchanges_total",
        "counter",
        "Client and data plane credentials exchanged for access tokens, by outcome.",
    );
    for (i, outcome) in ["issued", "refused"].iter().enumerate() {
        let n = r.token_exchanges[i].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "meridian_token_exchanges_total{{outcome=\"{outcome}\"}} {n}"
        );
    }
    family(
        &mut out,
        "meridian_sign_ins_total",
        "counter",
        "Sign-ins, by way (password or SSO) and outcome.",
    );
    for (w, way) in ["password", "sso"].iter().enumerate() {
        for (o, outcome) in ["success", "failure"].iter().enumerate() {
            let n = r.sign_ins[w][o].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "meridian_sign_ins_total{{method=\"{way}\",outcome=\"{outcome}\"}} {n}"
            );
        }
    }
    scalar(
        &mut out,
        "meridian_heartbeats_total",
        "counter",
        "Heartbeats and start reports taken from data planes.",
        r.heartbeats.load(Ordering::Relaxed),
    );

    family(
        &mut out,
        "meridian_data_planes",
        "gauge",
        "Data planes by organization, region and health (the same for every replica).",
    );
    for (org, region_id, region, health, n) in &snapshot.data_planes {
        let _ = writeln!(
            out,
            "meridian_data_planes{{organization_id=\"{org}\",region_id=\"{region_id}\",region=\"{}\",health=\"{health}\"}} {n}",
            escape(region)
        );
    }
    family(
        &mut out,
        "meridian_audit_outbox_pending",
        "gauge",
        "Audit events not yet delivered to the organization's own bucket.",
    );
    for (org, n) in &snapshot.audit_outbox {
        let _ = writeln!(
            out,
            "meridian_audit_outbox_pending{{organization_id=\"{org}\"}} {n}"
        );
    }

    let jobs = r.jobs.lock().map(|j| j.clone()).unwrap_or_default();
    family(
        &mut out,
        "meridian_background_runs_total",
        "counter",
        "Passes of periodic jobs that did the work on this replica (the others left it to one replica).",
    );
    for (job, (runs, _)) in &jobs {
        let _ = writeln!(
            out,
            "meridian_background_runs_total{{task=\"{job}\"}} {runs}"
        );
    }
    family(
        &mut out,
        "meridian_background_failures_total",
        "counter",
        "Passes of periodic jobs that failed (and will be tried again).",
    );
    for (job, (_, failures)) in &jobs {
        let _ = writeln!(
            out,
            "meridian_background_failures_total{{task=\"{job}\"}} {failures}"
        );
    }
    out
}

fn total(h: &Histogram) -> u64 {
    h.buckets
        .iter()
        .map(|b| b.load(Ordering::Relaxed))
        .sum::<u64>()
        + h.overflow.load(Ordering::Relaxed)
}

fn request_labels(key: &RequestKey) -> String {
    format!(
        "method=\"{}\",route=\"{}\",status=\"{}\"",
        escape(&key.method),
        escape(&key.route),
        key.status
    )
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn scalar(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// This process's resident set size, from `/proc` (Linux).
pub fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_from_outside_is_reused_only_when_harmless() {
        assert!(accept_request_id("abc-123_x.y").is_some());
        assert!(accept_request_id("").is_none());
        assert!(accept_request_id("a b").is_none());
        assert!(accept_request_id("a\nforged: line").is_none());
        assert!(accept_request_id(&"x".repeat(65)).is_none());
    }

    #[test]
    fn histograms_render_cumulative_buckets() {
        observe_request("GET", "/test/{id}", 200, Duration::from_millis(3));
        observe_request("GET", "/test/{id}", 200, Duration::from_millis(70));
        let text = render(&Snapshot::default());
        assert!(text.contains(
            "meridian_http_request_duration_seconds_bucket{method=\"GET\",route=\"/test/{id}\",status=\"200\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "meridian_http_request_duration_seconds_bucket{method=\"GET\",route=\"/test/{id}\",status=\"200\",le=\"0.1\"} 2"
        ));
        assert!(text.contains(
            "meridian_http_requests_total{method=\"GET\",route=\"/test/{id}\",status=\"200\"} 2"
        ));
    }

    #[test]
    fn label_values_cannot_break_the_format() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
