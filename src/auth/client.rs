//! Where a request comes from: the peer's address, or, when the peer is one of the operator's
//! trusted proxies (`MERIDIAN_TRUSTED_PROXIES`), the address it says it forwarded for. Rate
//! limits and the audit trail use this; a client that is not a trusted proxy cannot choose its
//! own address by sending `X-Forwarded-For`.

use crate::domain::Network;
use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The client's address, put in every request's extensions by [`resolve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy itself (addresses further
/// left were written by the client and could be anything).
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// Middleware: works out the client's address once and leaves it in the request's extensions.
pub async fn resolve(
    trusted: std::sync::Arc<Vec<Network>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let ip = client_addr(peer, request.headers(), &trusted);
        request.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = vec![Network::parse("10.0.0.0/8").unwrap()];
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        // A client that is not a proxy cannot choose its address.
        assert_eq!(
            client_addr(client, &headers("198.51.100.1"), &trusted),
            client
        );
        // Through the proxy, the nearest untrusted address is the client; what the client
        // wrote further left is ignored.
        assert_eq!(
            client_addr(
                proxy,
                &headers("198.51.100.1, 203.0.113.9, 10.4.4.4"),
                &trusted
            ),
            client
        );
        assert_eq!(client_addr(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
