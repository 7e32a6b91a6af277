//! Looking up the DNS records organizations publish to prove they control an email domain.
//! The resolver is the system's (`/etc/resolv.conf`) unless `MERIDIAN_DNS_SERVER` names one, as
//! the tests do with a DNS server of their own.

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};
use std::net::SocketAddr;
use std::time::Duration;

/// Asks DNS for TXT records.
pub struct Dns {
    resolver: TokioResolver,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dns")
    }
}

impl Dns {
    /// The system's resolver, or the DNS server at `server`.
    pub fn new(server: Option<SocketAddr>) -> anyhow::Result<Dns> {
        let mut opts = ResolverOpts::default();
        // A proof is looked for when an admin asks; an answer cached from before they published
        // the record would send them away for nothing.
        opts.cache_size = 0;
        opts.timeout = Duration::from_secs(5);
        opts.attempts = 2;
        let resolver = match server {
            Some(addr) => {
                let mut connection = ConnectionConfig::udp();
                connection.port = addr.port();
                let name_server = NameServerConfig::new(addr.ip(), true, vec![connection]);
                Resolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], vec![name_server]),
                    TokioRuntimeProvider::default(),
                )
                .with_options(opts)
                .build()?
            }
            None => Resolver::builder_tokio()?.with_options(opts).build()?,
        };
        Ok(Dns { resolver })
    }

    /// The TXT strings at `name` (each record's strings joined); none when the name or the
    /// records do not exist. `Err` says why DNS could not answer.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.txt_lookup(fqdn.as_str()).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part))
                            .collect(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }
}
