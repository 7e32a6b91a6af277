//! A real DNS server for the tests that verify domains: `end2end/dns/server.mjs` (the browser
//! tests use the same one), run on free loopback ports, with TXT records set over its HTTP
//! control port. The app under test is pointed at it through `MERIDIAN_DNS_SERVER`.

use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, BufReader};

pub struct DnsServer {
    /// Where it answers DNS queries (UDP).
    pub addr: SocketAddr,
    control: String,
    _process: tokio::process::Child,
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/dns/server.mjs");
        let mut process = tokio::process::Command::new("node")
            .arg(script)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the test DNS server");
        let stdout = process.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
            .await
            .expect("the DNS server starts within 10 s")
            .unwrap()
            .expect("the DNS server says where it listens");
        // "dns: udp <port> http <port>"
        let words: Vec<&str> = line.split_whitespace().collect();
        let udp: u16 = words[2].parse().unwrap();
        let http: u16 = words[4].parse().unwrap();
        DnsServer {
            addr: SocketAddr::from(([127, 0, 0, 1], udp)),
            control: format!("http://127.0.0.1:{http}"),
            _process: process,
        }
    }

    /// Publishes `value` as the only TXT record at `name`.
    pub async fn set_txt(&self, name: &str, value: &str) {
        let res = super::common::http_client()
            .put(format!("{}/txt/{name}", self.control))
            .body(value.to_owned())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
}
