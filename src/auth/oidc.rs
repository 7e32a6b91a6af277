//! Single sign-on over OpenID Connect, the protocol half: discovering a provider, sending the
//! browser to it (authorization code flow with PKCE, `state` and `nonce`), and redeeming the
//! code it sends back into verified claims (signature against the provider's JWKS, issuer,
//! audience, expiry, nonce). Who the claims make the user is decided in `ops::sso`.
//!
//! Provider documents are fetched with a client that follows no redirects (an admin-supplied
//! URL must not become a way to reach other hosts) and are remembered for a few minutes.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreJwsSigningAlgorithm,
    CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl, IssuerUrl,
    JwsSigningAlgorithm, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{AppError, AppResult};

/// How long a provider's discovery document and keys are reused.
const METADATA_TTL: Duration = Duration::from_secs(300);
/// Providers remembered at most: admins testing connections add to it, so it is bounded.
const METADATA_CACHE_CAPACITY: usize = 256;
/// The largest document a provider may answer with (discovery, keys, tokens, userinfo).
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Clock difference tolerated between us and a provider for an ID token's `exp` and `iat`.
const CLOCK_SKEW_SECS: i64 = 60;
/// How long a browser may spend at the provider before its sign-in attempt expires.
pub const PENDING_TTL_SECS: i64 = 600;

pub type Metadata = ProviderMetadataWithLogout;

/// Talks to identity providers; shared by every request.
pub struct Providers {
    http: GuardedHttp,
    cache: Mutex<HashMap<String, (Instant, Arc<Metadata>)>>,
}

impl Providers {
    /// `allow_local`: whether providers on this machine or its private network may be
    /// reached (`MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS`, for tests and demos).
    pub fn new(allow_local: bool) -> AppResult<Providers> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("meridian/", env!("CARGO_PKG_VERSION")));
        if !allow_local {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let inner = builder.build().map_err(|e| {
            tracing::error!(error = %e, "building the identity provider HTTP client");
            AppError::internal()
        })?;
        Ok(Providers {
            http: GuardedHttp { inner, allow_local },
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Whether issuers on this machine or its private network are accepted.
    pub fn allow_local(&self) -> bool {
        self.http.allow_local
    }

    /// The provider's metadata and keys, from memory when fetched in the last few minutes.
    pub async fn metadata(&self, issuer: &str) -> Result<Arc<Metadata>, String> {
        if let Some((at, found)) = self.cache.lock().expect("cache lock").get(issuer)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(found.clone());
        }
        self.discover(issuer).await
    }

    /// Fetches the discovery document and keys now (and remembers them). The error says, in
    /// words an admin can act on, what is wrong.
    pub async fn discover(&self, issuer: &str) -> Result<Arc<Metadata>, String> {
        let url = IssuerUrl::new(issuer.to_owned()).map_err(|_| "That is not a URL.".to_owned())?;
        let found = Metadata::discover_async(url, &self.http)
            .await
            .map_err(|e| explain_discovery(issuer, e))?;
        let found = Arc::new(found);
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= METADATA_CACHE_CAPACITY {
            cache.retain(|_, (at, _)| at.elapsed() < METADATA_TTL);
            if cache.len() >= METADATA_CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(issuer.to_owned(), (Instant::now(), found.clone()));
        Ok(found)
    }

    /// Drops a provider's remembered keys, e.g. after a signature did not verify (the
    /// provider may have rotated its keys).
    pub fn forget(&self, issuer: &str) {
        self.cache.lock().expect("cache lock").remove(issuer);
    }
}

/// Addresses on this machine or a private network, which an admin-supplied URL must not
/// reach (the settings page would otherwise probe the server's neighbourhood).
fn is_local_ip(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_multicast()
                // Carrier-grade NAT (100.64.0.0/10) and "this network" (0.0.0.0/8).
                || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
                || ip.octets()[0] == 0
        }
        std::net::IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
                || ip.to_ipv4_mapped().is_some_and(|v4| is_local_ip(v4.into()))
        }
    }
}

/// Whether a URL's host is this machine or a private network, by name or address literal.
pub fn is_local_host(host: openidconnect::url::Host<&str>) -> bool {
    match host {
        openidconnect::url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        openidconnect::url::Host::Ipv4(ip) => is_local_ip(ip.into()),
        openidconnect::url::Host::Ipv6(ip) => is_local_ip(ip.into()),
    }
}

/// Resolves names to public addresses only, so no document a provider names (its keys, its
/// token endpoint), and no webhook endpoint an organization's admin enters, can point the
/// server at its own network.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> =
                found.filter(|a| !is_local_ip(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} resolves to no public address", name.as_str()).into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client for providers: every request (discovery, keys, code redemption) must be
/// https to a public host, unless local providers are allowed. Names are checked again at
/// resolution ([`PublicOnly`]); address literals here.
struct GuardedHttp {
    inner: reqwest::Client,
    allow_local: bool,
}

type HttpError = openidconnect::HttpClientError<reqwest::Error>;

impl<'c> openidconnect::AsyncHttpClient<'c> for GuardedHttp {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpError>>
                + Send
                + Sync
                + 'c,
        >,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        let refused = match reqwest::Url::parse(&request.uri().to_string()) {
            Err(_) => Some("not a URL".to_owned()),
            Ok(url) => {
                let local = url.host().is_none_or(is_local_host);
                if local && !self.allow_local {
                    Some(format!(
                        "{} is on this server's own network",
                        url.host_str().unwrap_or("")
                    ))
                } else if url.scheme() != "https" && !(local && self.allow_local) {
                    Some(format!("{} is not https", url))
                } else {
                    None
                }
            }
        };
        match refused {
            Some(reason) => Box::pin(async move {
                Err(openidconnect::HttpClientError::Other(format!(
                    "refused: {reason}"
                )))
            }),
            None => Box::pin(bounded_call(&self.inner, request)),
        }
    }
}

/// Sends a request to a provider and reads at most [`MAX_DOCUMENT_BYTES`] of its answer: a
/// provider (an admin's choice) cannot make the server read an endless document.
async fn bounded_call(
    client: &reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let mut outgoing = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| openidconnect::HttpClientError::Reqwest(Box::new(e)))?;
    if outgoing
        .content_length()
        .is_some_and(|n| n as usize > MAX_DOCUMENT_BYTES)
    {
        return Err(openidconnect::HttpClientError::Other(format!(
            "the answer is larger than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    let mut builder = openidconnect::http::Response::builder().status(outgoing.status());
    for (name, value) in outgoing.headers() {
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    while let Some(chunk) = outgoing
        .chunk()
        .await
        .map_err(|e| openidconnect::HttpClientError::Reqwest(Box::new(e)))?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(openidconnect::HttpClientError::Other(format!(
                "the answer is larger than {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    builder
        .body(body)
        .map_err(|e| openidconnect::HttpClientError::Other(e.to_string()))
}

fn explain_discovery(
    issuer: &str,
    error: openidconnect::DiscoveryError<openidconnect::HttpClientError<reqwest::Error>>,
) -> String {
    use openidconnect::DiscoveryError as E;
    let document = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    match error {
        E::Request(e) => format!(
            "Could not reach {document}: {}.",
            match &e {
                openidconnect::HttpClientError::Reqwest(r) if r.is_timeout() => {
                    "the provider did not answer in time".to_owned()
                }
                openidconnect::HttpClientError::Reqwest(r) if r.is_connect() => {
                    "the connection was refused or the host is unknown".to_owned()
                }
                other => other.to_string(),
            }
        ),
        E::Response(status, _, _) if status.is_redirection() => format!(
            "{document} answered with a redirect (HTTP {status}); use the issuer URL exactly as the provider states it."
        ),
        E::Response(status, _, _) => format!(
            "{document} answered HTTP {status}, not a discovery document: check the issuer URL."
        ),
        E::Parse(e) => format!(
            "{document} is not a valid OpenID Connect discovery document ({}).",
            e.path()
        ),
        E::Validation(message) => format!(
            "The provider's discovery document does not match: {message}. The issuer URL must be exactly the provider's `issuer`, trailing slash included."
        ),
        E::UrlParse(_) => "That is not a URL.".to_owned(),
        E::Other(message) => format!("Discovery failed: {message}."),
        _ => "Discovery failed.".to_owned(),
    }
}

/// Accepts an issuer URL as admins type it: https to a public host. Hosts on this machine or
/// its private network (by name `localhost` or by IP literal) are refused, so the settings
/// page cannot be used to probe the server's neighbourhood, unless `allow_local` (a provider
/// under test, `MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS`), which also allows plain http. Kept exactly
/// as typed otherwise, since it must equal the ID token's `iss`.
pub fn parse_issuer(raw: &str, allow_local: bool) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the issuer URL, e.g. https://login.example.com.".into());
    }
    let url = reqwest::Url::parse(raw).map_err(|_| "That is not a URL.".to_owned())?;
    let Some(host) = url.host() else {
        return Err("The issuer URL needs a host.".into());
    };
    let local = is_local_host(host);
    if local && !allow_local {
        return Err(
            "Issuer URLs on this server's own machine or private network are not allowed.".into(),
        );
    }
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Err("The issuer URL must start with https://.".into()),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("The issuer URL takes no query, fragment or credentials.".into());
    }
    Ok(raw.to_owned())
}

/// A sign-in in progress, kept in the session between leaving for the provider and coming
/// back. Taken out of the session when the browser returns, so it serves once.
#[derive(Clone, Serialize, Deserialize)]
pub struct Pending {
    pub organization_id: uuid::Uuid,
    pub issuer: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go afterwards (a same-site path).
    pub next: Option<String>,
    /// The redirect URI sent to the provider, which the code redemption must repeat.
    pub redirect_uri: String,
    /// Unix time the attempt started.
    pub started_at: i64,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("organization_id", &self.organization_id)
            .field("issuer", &self.issuer)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// The client registration an organization configured.
pub struct Registration<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: String,
    /// Our callback, `<public url>/auth/sso/callback`.
    pub redirect_uri: String,
}

impl std::fmt::Debug for Registration<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

fn client(
    metadata: &Metadata,
    registration: &Registration<'_>,
) -> AppResult<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
> {
    let redirect = RedirectUrl::new(registration.redirect_uri.clone()).map_err(|_| {
        tracing::error!(uri = %registration.redirect_uri, "invalid SSO redirect URI");
        AppError::internal()
    })?;
    let client = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(registration.client_id.to_owned()),
        Some(ClientSecret::new(registration.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    // `client_secret_basic` is the default (and what a provider that announces nothing takes);
    // some accept only `client_secret_post`.
    let post_only = metadata
        .token_endpoint_auth_methods_supported()
        .is_some_and(|methods| {
            methods.contains(&CoreClientAuthMethod::ClientSecretPost)
                && !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
        });
    Ok(if post_only {
        client.set_auth_type(openidconnect::AuthType::RequestBody)
    } else {
        client
    })
}

/// Signature algorithms accepted for ID tokens: what the provider announces, minus `none` and
/// the shared-secret (HMAC) ones; RS256 when it announces nothing usable.
fn allowed_algorithms(metadata: &Metadata) -> Vec<CoreJwsSigningAlgorithm> {
    let allowed: Vec<_> = metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|alg| **alg != CoreJwsSigningAlgorithm::None && !alg.uses_shared_secret())
        .cloned()
        .collect();
    if allowed.is_empty() {
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]
    } else {
        allowed
    }
}

/// The provider's address to send the browser to, and what to remember until it returns.
pub fn begin(
    metadata: &Metadata,
    registration: &Registration<'_>,
    organization_id: uuid::Uuid,
    login_hint: Option<&str>,
    next: Option<String>,
) -> AppResult<(String, Pending)> {
    let client = client(metadata, registration)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    if let Some(hint) = login_hint {
        request = request.add_extra_param("login_hint", hint.to_owned());
    }
    let (url, state, nonce) = request.url();
    Ok((
        url.to_string(),
        Pending {
            organization_id,
            issuer: registration.issuer.to_owned(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next,
            redirect_uri: registration.redirect_uri.clone(),
            started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        },
    ))
}

/// What a verified ID token says about the user. (`Debug` leaves out the raw token.)
#[derive(Clone)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    /// The raw token, as `id_token_hint` for signing out at the provider.
    pub id_token: String,
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .finish_non_exhaustive()
    }
}

/// Why a sign-in failed at the protocol level: `code` for the sign-in page
/// (`/login?sso_error=`), `message` for the audit trail, `detail` for the log.
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: &'static str,
    pub detail: String,
}

impl Failure {
    fn new(code: &'static str, message: &'static str, detail: impl Into<String>) -> Failure {
        Failure {
            code,
            message,
            detail: detail.into(),
        }
    }
}

/// Redeems the code at the provider's token endpoint and verifies the ID token it returns.
pub async fn finish(
    providers: &Providers,
    metadata: &Metadata,
    registration: &Registration<'_>,
    pending: &Pending,
    code: &str,
) -> Result<Verified, Failure> {
    let client = client(metadata, registration).map_err(|_| {
        Failure::new(
            "misconfigured",
            "Single sign-on is misconfigured.",
            "bad redirect URI",
        )
    })?;
    let response: CoreTokenResponse = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| {
            Failure::new(
                "misconfigured",
                "The identity provider has no token endpoint.",
                e.to_string(),
            )
        })?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&providers.http)
        .await
        .map_err(|e| {
            Failure::new(
                "refused",
                "The identity provider refused to complete the sign-in.",
                token_error_detail(&e),
            )
        })?;
    let id_token = response.id_token().ok_or_else(|| {
        Failure::new(
            "refused",
            "The identity provider sent no ID token.",
            "token response without id_token",
        )
    })?;
    // A minute of leeway on both sides: the provider's clock and ours are never exactly equal.
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(allowed_algorithms(metadata))
        .set_time_fn(|| chrono::Utc::now() - chrono::Duration::seconds(CLOCK_SKEW_SECS))
        .set_issue_time_verifier_fn(|iat| {
            if iat > chrono::Utc::now() + chrono::Duration::seconds(CLOCK_SKEW_SECS) {
                Err(format!("issued in the future ({iat})"))
            } else {
                Ok(())
            }
        });
    let claims = id_token
        .claims(&verifier, &Nonce::new(pending.nonce.clone()))
        .map_err(|e| {
            if matches!(
                e,
                openidconnect::ClaimsVerificationError::SignatureVerification(_)
            ) {
                // Perhaps the provider rotated its keys: fetch them again next time.
                providers.forget(registration.issuer);
            }
            Failure::new(
                "unverified",
                "The identity provider's answer could not be verified.",
                token_error_detail(&e),
            )
        })?;
    let mut verified = Verified {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        id_token: id_token.to_string(),
    };
    // In the code flow, claims asked for by scope may come only from the userinfo endpoint
    // (OpenID Connect Core 5.4; Microsoft Entra often leaves `email` out of ID tokens).
    if verified.email.is_none() {
        let info: CoreUserInfoClaims = client
            .user_info(
                response.access_token().clone(),
                Some(claims.subject().clone()),
            )
            .map_err(|e| {
                Failure::new(
                    "no_email",
                    "The identity provider shared no email address.",
                    format!("no email in the ID token and no userinfo endpoint: {e}"),
                )
            })?
            .request_async(&providers.http)
            .await
            .map_err(|e| {
                Failure::new(
                    "refused",
                    "The identity provider's userinfo endpoint failed.",
                    token_error_detail(&e),
                )
            })?;
        verified.email = info.email().map(|e| e.as_str().to_owned());
        verified.email_verified = info.email_verified();
        if verified.name.is_none() {
            verified.name = info
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned());
        }
    }
    Ok(verified)
}

fn token_error_detail<E: std::error::Error>(error: &E) -> String {
    let mut detail = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    detail
}

/// The provider's sign-out address for this session, when it has one that the browser may
/// be sent to: https (or http to a local provider when those are allowed), never another
/// scheme (a `javascript:` address would run in our page at sign-out).
pub fn end_session_url(
    metadata: &Metadata,
    client_id: &str,
    id_token: Option<&str>,
    post_logout_redirect: &str,
    allow_local: bool,
) -> Option<String> {
    let endpoint: &EndSessionUrl = metadata
        .additional_metadata()
        .end_session_endpoint
        .as_ref()?;
    let scheme = endpoint.url().scheme();
    if scheme != "https" && !(allow_local && scheme == "http") {
        tracing::warn!(%scheme, "ignoring an end-session endpoint that is not https");
        return None;
    }
    let mut request =
        LogoutRequest::from(endpoint.clone()).set_client_id(ClientId::new(client_id.to_owned()));
    if let Ok(uri) = PostLogoutRedirectUrl::new(post_logout_redirect.to_owned()) {
        request = request.set_post_logout_redirect_uri(uri);
    }
    let mut url = request.http_get_url();
    if let Some(token) = id_token {
        // `set_id_token_hint` wants a parsed token; the raw one is what goes on the wire.
        url.query_pairs_mut().append_pair("id_token_hint", token);
    }
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_be_public_https_unless_local_ones_are_allowed() {
        assert!(parse_issuer("https://login.example.com/", false).is_ok());
        assert_eq!(
            parse_issuer(" https://login.example.com/oauth2/default ", false).unwrap(),
            "https://login.example.com/oauth2/default"
        );
        for local in [
            "http://127.0.0.1:3200",
            "https://localhost/",
            "https://10.0.0.5/",
            "https://192.168.1.1/",
            "https://169.254.169.254/",
            "https://[::1]/",
        ] {
            assert!(parse_issuer(local, false).is_err(), "{local}");
        }
        assert!(parse_issuer("http://127.0.0.1:3200", true).is_ok());
        assert!(parse_issuer("http://login.example.com", true).is_err());
        assert!(parse_issuer("ftp://login.example.com", false).is_err());
        assert!(parse_issuer("https://login.example.com/?x=1", false).is_err());
        assert!(parse_issuer("not a url", false).is_err());
        assert!(parse_issuer("", false).is_err());
    }
}
