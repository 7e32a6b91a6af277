//! Where clients reach a data plane's regional API, as its agent reports it. The dashboard
//! frames it and every scoped-token answer hands it to clients, so only a plain
//! `http(s)://host[:port][/path]` is accepted: no credentials, query or fragment, nothing
//! that is not printable ASCII.

/// A reported regional URL, without a trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionalUrl(String);

/// Longest accepted URL.
const MAX_LEN: usize = 2048;

impl RegionalUrl {
    pub fn parse(raw: &str) -> Result<RegionalUrl, String> {
        let url = raw.trim().trim_end_matches('/');
        let invalid = || {
            "The regional URL must look like https://dataplane.example.com[:port][/path], without credentials, query or fragment.".to_owned()
        };
        if url.len() > MAX_LEN || !url.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid());
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(invalid)?;
        if rest.contains(['@', '?', '#', '\\', '"', '<', '>', '\'', '`']) {
            return Err(invalid());
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                if host.contains(':') && !host.starts_with('[') {
                    // An IPv6 address without brackets.
                    return Err(invalid());
                }
                (host, Some(port))
            }
            _ => (authority, None),
        };
        let host_ok = if let Some(v6) = host.strip_prefix('[') {
            v6.strip_suffix(']')
                .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok())
        } else {
            !host.is_empty()
                && host.split('.').all(|l| {
                    !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        };
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
        if !host_ok || !port_ok {
            return Err(invalid());
        }
        Ok(RegionalUrl(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Scheme, host and port: what a browser's security policy names.
    pub fn origin(&self) -> &str {
        origin_of(&self.0)
    }
}

/// Scheme, host and port of an address (`https://cp.example.com/base` gives
/// `https://cp.example.com`): what security policies and CORS name.
pub fn origin_of(url: &str) -> &str {
    let url = url.trim_end_matches('/');
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::RegionalUrl;

    #[test]
    fn accepts_plain_urls_only() {
        for good in [
            "https://dp.eu.example.com",
            "http://127.0.0.1:4100/",
            "https://dp.example.com:8443/regional",
            "http://[::1]:4100",
        ] {
            assert!(RegionalUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ftp://x",
            "javascript:alert(1)",
            "https://user:pw@host",
            "https://host/?q=1",
            "https://host/#x",
            "https://ho st",
            "https://host:0",
            "https://host:99999",
            "https://",
            "https://a..b",
            "https://host/\"onload=",
        ] {
            assert!(RegionalUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            RegionalUrl::parse("https://dp.example.com:8443/regional/")
                .unwrap()
                .origin(),
            "https://dp.example.com:8443"
        );
        assert_eq!(
            RegionalUrl::parse("http://127.0.0.1:4100")
                .unwrap()
                .origin(),
            "http://127.0.0.1:4100"
        );
    }
}
