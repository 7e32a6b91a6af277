//! Single sign-on over OpenID Connect, end to end. A small but real OpenID provider runs in the
//! test process (discovery, JWKS, an authorization endpoint that signs everyone in at once, a
//! token endpoint that checks client credentials, the code and PKCE, and a userinfo endpoint),
//! and a browser-like client goes from the sign-in form to the provider and back, following
//! every redirect by hand. Each test chooses what the provider is like: the algorithm it signs
//! ID tokens with (RS256, PS256, ES256, EdDSA, or HS256 keyed with the client secret), whether
//! the email and name are in the ID token or only at userinfo, the client authentication
//! methods it takes, its end-session endpoint, and how far its clock is off ours. Covered:
//! just-in-time accounts and identity linking, session rotation, `next`, forged or mismatched
//! ID tokens, signature algorithms, clock skew, claims from userinfo, `client_secret_post`,
//! replayed or mismatched callbacks, addresses outside the domains the organization proved it
//! controls (which its provider never speaks for, even when another organization's admin
//! claims them), unverified addresses, errors from the provider, sign-out at the provider, and
//! organizations that require SSO.

use crate::common::*;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response as ServerResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, OrgRole};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// TEST-ONLY KEYS. Generated for this file with `openssl genrsa -traditional 2048` (PKCS#1, as
// jsonwebtoken's `from_rsa_der` wants it); they sign nothing but the fake provider's ID tokens
// below. Never use them anywhere else. Embedded because generating RSA keys in a debug build
// takes seconds. The moduli are `openssl rsa -noout -modulus`, hex turned into base64url.
// ---------------------------------------------------------------------------------------------

/// The provider's signing key; its public half is in the JWKS.
const PROVIDER_KEY_PEM: &str = concat!(
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "MIIEogIBAAKCAQEAoD3A/X50xJo4IRgaycyaz6tWQAR1fXtJSNQ1RGGzZiStmIO2\n",
    "GyZP6jA+BXd7uLbcIGDALZKkArWmoYyrZTSbNVbCwEXQSMVfgCJGSH5Wcg5hrSCb\n",
    "9u/eL/g9lqFJILHeI9h4Msezu+Y4Fpg+gLLtUHd4QnrF0Yx7m5vbDtqbB/uleBoI\n",
    "3Sfy31xXWBd9m5gMaVOxdFPx12Qg6yYztFBNkNmN1WbFXkG6DZYhzokJtqar5M/v\n",
    "a6XWVOowcfMFxWfa+TpEks0Flpp5a4TIO7iACDoNtMGudMMxTCxTGKGzkvdoNDYz\n",
    "kvuBaEx/oUOj7xc+93tNKOCUgxWveRDK8p/BSQIDAQABAoIBAASSBldknDWAVZIC\n",
    "Ez+GvbKnJyhfyC8aTVqNrPBEnh6PdMEZHqBTHSvnkNlMkWORGaG1yL10BYgLQNOy\n",
    "RLA4CiZBEYB07U4qDQGFWL5YFiSeKuSKfdBTAqIZIT6S3phXYmfg1HrUTdjR5e8l\n",
    "DAFVOSYWpkA1Kr/Bk0P6s8qOayYU2I81eRLmZRFJJeJcsztqPnD3GJl1juBd4SEY\n",
    "Gr4wugKBbPxiQ7sehTs2u/FIEKo7OKhghf8CULDAC1/qyjG4c1iiONlD8Px6vnLy\n",
    "SyGKRt2sxNMalLSovZmOm2G3VT41Qw3z7RAJ2YAi0FRbpAlkuv3ukcMXoRFyKNxr\n",
    "AorWTUECgYEA1YqmGihptLUjhal2cWN27mWwEUPZJf1C8kvMuk0ZbOIwnWK5PtHj\n",
    "zrJM/mWI11lzmKPqKaXkrG2+zDBh2iP9VXLKzvxGgZqMEAbBNvKkiwEEBMP8LsiP\n",
    "h+P+jNkwR63a8yzT7XFIu9Rg4f4V/cmQc5G8zK4Ssa1MtqcOOoAsB6ECgYEAwBoY\n",
    "X+pUlnmgF8RBlA+ptrBDgogKLLj8ceeGsO5+gtZinWlu9NiMBk3nOsIwycs5DEFi\n",
    "5ZNQJl4Uz7xJ+UO4XtMEZgLiYHS/xqq/hEw0zfgGaNNFXuhvM3MJzF3ROdU5UX6J\n",
    "M2h7IRCKAcuVZ9QAstxNl251h3oZDDBJK0szuKkCfweB2FUTFqRDufv4+TEDTisT\n",
    "aB0zRW8QeEoMYCYsj7hEO3FNBzYuKtQZcJuA9k6b1nSHTrQoIOHu+cYz7Ty+Byn5\n",
    "3ydntxLXXBU0J5bG8QHyBzIjsbnzUxhz638II6phclEaQlkWonf3/2/yftNtQqbN\n",
    "eNW5SO72KLxDIzzrRKECgYEAmiPWLxAts1gAN1HIdO9kdCxW3yQdVelQ1my6TLnx\n",
    "VTaEhl4VI+2l3WEhCqrKzwB70/ObUS60/zQ6ar1gddv60ktrmhbyYgcL4nMbnSIw\n",
    "tJwxOGddoFvM7nF+CTe2LDuE9HkdydwqAEvvEKW0Sk14CgxvTfTZ5Uz5UChmbZC3\n",
    "/ZECgYEAgsJ4FVm+s6AHX7wYrjJ506kegViWMjvwsFIEdp/494ZBkwS8E00bsThq\n",
    "YHYhzgXh4+t4ZLQvJyzClkZYAhKFavV+Dz1qpSkHkSn2PrZPmoMvM/RxKV72D5gh\n",
    "EMaitVgrTyr3muNz9RtAvYTZxOyushUumTCes2JvO0rYTgq4zXs=\n",
    "-----END RSA PRIVATE KEY-----\n",
);
/// `n` of [`PROVIDER_KEY_PEM`], base64url.
const PROVIDER_KEY_N: &str = "oD3A_X50xJo4IRgaycyaz6tWQAR1fXtJSNQ1RGGzZiStmIO2GyZP6jA-BXd7uLbcIGDALZKkArWmoYyrZTSbNVbCwEXQSMVfgCJGSH5Wcg5hrSCb9u_eL_g9lqFJILHeI9h4Msezu-Y4Fpg-gLLtUHd4QnrF0Yx7m5vbDtqbB_uleBoI3Sfy31xXWBd9m5gMaVOxdFPx12Qg6yYztFBNkNmN1WbFXkG6DZYhzokJtqar5M_va6XWVOowcfMFxWfa-TpEks0Flpp5a4TIO7iACDoNtMGudMMxTCxTGKGzkvdoNDYzkvuBaEx_oUOj7xc-93tNKOCUgxWveRDK8p_BSQ";
/// A second key the JWKS does not hold: tokens it signs must not verify.
const ROGUE_KEY_PEM: &str = concat!(
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "MIIEpAIBAAKCAQEAk1KANLOO97JGo10+E8i+cMwBJ5sHZzXbIWV6CMrUmdrv7YZx\n",
    "pNn+6llz2oVWsO0GPbZfb7NmcBprODPOu2YABMYxA9XyrUYCIRtTdd7KcxE3fY27\n",
    "e101fENH/aQ8D+Lqe4jS09MKZ0OqhSXCkqeZy8d7oEVpPhbUzYj1m6KRT3l6teCp\n",
    "+Dnm3F2ncXfiho1d7WqeZr9K1fshP8ColZphK2dg43uQVzFCpNGG7PhhdwEDv9TO\n",
    "yM6SFVTr4efb+CzMAyyAYq4KNpBBlzb6jICfz7uiw3N7yShkJgycAvXMa3OlnkLq\n",
    "i9HY15qOO6rWk2lIUXTXpilqreK3EQAQ7sdTawIDAQABAoIBAAljQPXaw/n8Zhbu\n",
    "j/rybabswQgVOhgKwlodnXSmTtI3tYFFHMRx+xX+OZfhAPYI7JRjJNq5K7EUuzoG\n",
    "HHQsRZpdnML5+lsDR+B0iCbN2chnqPRluImIa3+Yc/kcOD2U6qHmRUpSkOpP/Ajn\n",
    "BT/o0S/p7XKi6a1ssVvK5fJoc2pad75BUmZj6CLGGDJtjt0vaDKEMHUFQuzAskk5\n",
    "gMnl1SDpT+WNaPH40Xwqet2vePz9zeEnZG7ZuAqEozavNo6/gv8mI/yXQ6PR7Y6/\n",
    "WqGXyA9HOQAMW+dj3PH2buRi8j/uDHiM1Fv4zUIzslwNZXdzrecWxrUqQw8YiTLP\n",
    "yqmMF+0CgYEAzBVXsgFvA7O0+PNFfC3Y2kUz9H4AWBOH5riPVXN1HYTE4kfaSSgA\n",
    "qs0nLqj5Gq1R3PyzBD+3utahNzBGjDXgGOo+gUSwrSbw8ggSgyYe2Vyy9VflTaA7\n",
    "z828MSX7dZ39NL+LHkgBZTsstVw6fMStYKli9X5sqCKs7MuZRD+X7k0CgYEAuMyq\n",
    "zpqhFtWFjFOwoTXhVPtNf+p1iM0ef8WEbTZl2kgC4WlqoQmLqEL73KddUiQLEZ3A\n",
    "uiSrjTXag95x8Tnm/2qibOwd5lkThelXSBG2EvgEhch8JpgtjCGXN8fO/c/9At7x\n",
    "2tNemlpCGw00SR9tQ//E8ZNpvuUZ4Wad3oMa1JcCgYEAwgc4jQBX74kXcei4E0vz\n",
    "c/F/Z9+zrAlFl9G4VGGk4x+roAb4Pb1OhRTvP6lezEIkJpoKCOwbXgNY2wOGzx8Z\n",
    "pBZwvq3z22u+gB20nAPOKJG9gwzB8X953iOX3JJj9Hr0lQXW2j9TNE+CPhslcCH9\n",
    "RH1GnGhKHcB579fSK9TaObECgYEAsh3auB4EDB0rhlCX2xoyoJVDYnpaZMvHjMGU\n",
    "3SrkStrDo/3WH3cy27AMT+YkpWpGHOme/AsiKo3wms+JpUb45dAi07dVLlNG5Pg9\n",
    "/yHLC0dwHH5bY1uj8v/hX4s/cBXLOLwoApFeConaU3aLobsftr3MVkeOUcdCBaXB\n",
    "ndlhv+sCgYAA0Ns8v+eU3GrxAzXkug9sI3AdE79MvNdEICbfocmpXRh1QvVSZHEj\n",
    "RxIMPnIhVlZ2TwI9YUoa/YO7c9bbglBzDCnAVKQVAso6R99mEgnLnrZDm+LOj2dq\n",
    "XCqb+FaPTc/jRq+8EX6xE33C54cZ1JjxBmq4oB00SyIXzyP2PIojHw==\n",
    "-----END RSA PRIVATE KEY-----\n",
);
/// `n` of [`ROGUE_KEY_PEM`], base64url (only to check the embedded keys themselves).
const ROGUE_KEY_N: &str = "k1KANLOO97JGo10-E8i-cMwBJ5sHZzXbIWV6CMrUmdrv7YZxpNn-6llz2oVWsO0GPbZfb7NmcBprODPOu2YABMYxA9XyrUYCIRtTdd7KcxE3fY27e101fENH_aQ8D-Lqe4jS09MKZ0OqhSXCkqeZy8d7oEVpPhbUzYj1m6KRT3l6teCp-Dnm3F2ncXfiho1d7WqeZr9K1fshP8ColZphK2dg43uQVzFCpNGG7PhhdwEDv9TOyM6SFVTr4efb-CzMAyyAYq4KNpBBlzb6jICfz7uiw3N7yShkJgycAvXMa3OlnkLqi9HY15qOO6rWk2lIUXTXpilqreK3EQAQ7sdTaw";
/// Both keys' public exponent, 65537.
const KEY_E: &str = "AQAB";
const KEY_ID: &str = "test-key-1";
/// The provider's P-256 key for ES256, PKCS#8 DER in base64, generated for this file with
/// `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -outform DER`.
/// Test only, like the RSA keys.
const EC_KEY_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzrgAHJxjxNnTy0RLi44+ucZ9qm4RajNvsUrLrZv2P2ShRANCAAT6jZKvo8iCheNNYXMGCDO7sLRrHq1ycvoPC6X99uD9fC6G7Go7W3akq7Me22kKj0OE8FUII0zy2B6h885TS+/q";
/// The public point of [`EC_KEY_PKCS8`] (`openssl ec -pubout`), coordinates in base64url.
const EC_KEY_X: &str = "-o2Sr6PIgoXjTWFzBggzu7C0ax6tcnL6Dwul_fbg_Xw";
const EC_KEY_Y: &str = "LobsajtbdqSrsx7baQqPQ4TwVQgjTPLYHqHzzlNL7-o";
/// The seed of the provider's Ed25519 key for EdDSA (its public half is derived from it).
const ED25519_SEED: [u8; 32] = *b"meridian-test-only-ed25519-seed!";

const CLIENT_ID: &str = "meridian-test-client";
/// Only characters that need no escaping in HTTP basic authentication, where OAuth clients
/// form-encode the id and secret first.
const CLIENT_SECRET: &str = "test-client-secret-0123456789";
const SSO_DOMAIN: &str = "sso.example";
const ALICE: &str = "alice@sso.example";

fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("embedded PEM is base64")
}

/// The Ed25519 key derived from [`ED25519_SEED`].
fn ed25519_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED)
}

/// `x` of the Ed25519 key's JWK: its public key, base64url.
fn ed25519_x() -> String {
    URL_SAFE_NO_PAD.encode(ed25519_key().verifying_key().to_bytes())
}

// ---------------------------------------------------------------------------------------------
// The identity provider.
// ---------------------------------------------------------------------------------------------

/// What the next ID token the provider issues is like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Good,
    /// `alg: none` and no signature.
    AlgNone,
    /// Signed (RS256) by a key the JWKS does not hold, under the JWKS key's `kid`.
    BadSignature,
    WrongIssuer,
    WrongAudience,
    /// Expired an hour ago.
    Expired,
    WrongNonce,
}

/// How the provider signs its ID tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alg {
    /// RSA PKCS#1 v1.5 with [`PROVIDER_KEY_PEM`].
    RS256,
    /// RSA-PSS with the same RSA key.
    PS256,
    /// ECDSA P-256 with [`EC_KEY_PKCS8`].
    ES256,
    /// Ed25519 with the key of [`ED25519_SEED`].
    EdDSA,
    /// HMAC with the client secret as the key (which OpenID Connect allows, but which anyone
    /// holding the secret can forge, so a relying party should not accept it for sign-in).
    HS256,
}

impl Alg {
    fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::PS256 => "PS256",
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
            Alg::HS256 => "HS256",
        }
    }

    /// The `kid` its key has in the JWKS (HS256 has no published key).
    fn key_id(self) -> &'static str {
        match self {
            Alg::RS256 => KEY_ID,
            Alg::PS256 => "test-key-ps256",
            Alg::ES256 => "test-key-es256",
            Alg::EdDSA => "test-key-eddsa",
            Alg::HS256 => "client-secret",
        }
    }
}

/// Who the provider says signed in.
#[derive(Clone, Debug)]
struct Person {
    subject: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

impl Person {
    fn new(subject: &str, email: &str, name: &str) -> Person {
        Person {
            subject: subject.to_owned(),
            email: Some(email.to_owned()),
            email_verified: Some(true),
            name: Some(name.to_owned()),
        }
    }
}

/// An authorization code handed out and not yet redeemed.
struct Grant {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
}

/// A call to the token endpoint, as the provider saw it.
#[derive(Clone, Debug)]
struct TokenCall {
    /// `basic` or `post`.
    client_auth: &'static str,
    /// `None` when a token was issued, else the OAuth error.
    error: Option<&'static str>,
}

/// A call to the userinfo endpoint, as the provider saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct UserinfoCall {
    /// Whether it came with an access token the token endpoint issued.
    authorized: bool,
}

/// The provider's state. What its discovery document says (`algorithms`, `auth_methods`,
/// `end_session`) is remembered by the application for minutes once it has read it, so
/// tests set those before configuring SSO.
struct ProviderState {
    issuer: String,
    mode: Mode,
    /// What ID tokens are signed with.
    alg: Alg,
    /// `id_token_signing_alg_values_supported`.
    algorithms: Vec<Alg>,
    /// `token_endpoint_auth_methods_supported`; the token endpoint refuses the others.
    auth_methods: Vec<&'static str>,
    /// `end_session_endpoint`, if any.
    end_session: Option<String>,
    /// Whether `email`, `email_verified` and `name` go in the ID token; if not, only the
    /// userinfo endpoint tells them.
    claims_in_id_token: bool,
    /// A `sub` the userinfo endpoint answers with instead of the person's.
    userinfo_subject: Option<String>,
    /// Seconds added to now for the ID token's `iat` and `exp`.
    iat_offset: i64,
    exp_offset: i64,
    person: Person,
    grants: HashMap<String, Grant>,
    /// Access tokens issued, with whom they were issued for.
    access_tokens: HashMap<String, Person>,
    authorize_requests: Vec<HashMap<String, String>>,
    token_calls: Vec<TokenCall>,
    userinfo_calls: Vec<UserinfoCall>,
}

type Shared = Arc<Mutex<ProviderState>>;

/// An OpenID provider on 127.0.0.1, stopped with the test's runtime.
struct Provider {
    url: String,
    state: Shared,
}

impl Provider {
    async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ProviderState {
            issuer: url.clone(),
            mode: Mode::Good,
            alg: Alg::RS256,
            algorithms: vec![Alg::RS256],
            auth_methods: vec!["client_secret_basic", "client_secret_post"],
            end_session: Some(format!("{url}/logout")),
            claims_in_id_token: true,
            userinfo_subject: None,
            iat_offset: 0,
            exp_offset: 300,
            person: Person::new("alice-subject", ALICE, "Alice Example"),
            grants: HashMap::new(),
            access_tokens: HashMap::new(),
            authorize_requests: Vec::new(),
            token_calls: Vec::new(),
            userinfo_calls: Vec::new(),
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .route("/logout", get(|| async { "Signed out." }))
            .with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Provider { url, state }
    }

    fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    fn set_person(&self, person: Person) {
        self.state.lock().unwrap().person = person;
    }

    /// Signs with `alg` and announces only it. (Before SSO is configured.)
    fn set_algorithm(&self, alg: Alg) {
        let mut state = self.state.lock().unwrap();
        state.alg = alg;
        state.algorithms = vec![alg];
    }

    /// Signs with `alg` but announces `announced`. (Before SSO is configured.)
    fn set_algorithms(&self, alg: Alg, announced: &[Alg]) {
        let mut state = self.state.lock().unwrap();
        state.alg = alg;
        state.algorithms = announced.to_vec();
    }

    /// The client authentication methods announced and accepted. (Before SSO is configured.)
    fn set_auth_methods(&self, methods: &[&'static str]) {
        self.state.lock().unwrap().auth_methods = methods.to_vec();
    }

    /// The end-session endpoint announced. (Before SSO is configured.)
    fn set_end_session(&self, url: Option<&str>) {
        self.state.lock().unwrap().end_session = url.map(str::to_owned);
    }

    /// Whether the ID token carries the email and name, or only the userinfo endpoint does.
    fn set_claims_in_id_token(&self, in_id_token: bool) {
        self.state.lock().unwrap().claims_in_id_token = in_id_token;
    }

    fn set_userinfo_subject(&self, subject: Option<&str>) {
        self.state.lock().unwrap().userinfo_subject = subject.map(str::to_owned);
    }

    /// `iat` and `exp` of the next ID tokens, in seconds from now.
    fn set_clock(&self, iat_offset: i64, exp_offset: i64) {
        let mut state = self.state.lock().unwrap();
        state.iat_offset = iat_offset;
        state.exp_offset = exp_offset;
    }

    fn last_authorize_request(&self) -> HashMap<String, String> {
        let state = self.state.lock().unwrap();
        state
            .authorize_requests
            .last()
            .cloned()
            .expect("the browser reached the provider")
    }

    fn token_calls(&self) -> Vec<TokenCall> {
        self.state.lock().unwrap().token_calls.clone()
    }

    fn userinfo_calls(&self) -> Vec<UserinfoCall> {
        self.state.lock().unwrap().userinfo_calls.clone()
    }
}

async fn discovery(State(state): State<Shared>) -> Json<Value> {
    let state = state.lock().unwrap();
    let issuer = &state.issuer;
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported":
            state.algorithms.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": state.auth_methods,
        "code_challenge_methods_supported": ["S256"],
    });
    if let Some(end_session) = &state.end_session {
        document["end_session_endpoint"] = json!(end_session);
    }
    Json(document)
}

/// Every key the provider signs with, each under its own `kid` and `alg`.
async fn jwks() -> Json<Value> {
    Json(json!({
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": Alg::RS256.key_id(),
                "n": PROVIDER_KEY_N,
                "e": KEY_E,
            },
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "PS256",
                "kid": Alg::PS256.key_id(),
                "n": PROVIDER_KEY_N,
                "e": KEY_E,
            },
            {
                "kty": "EC",
                "use": "sig",
                "alg": "ES256",
                "kid": Alg::ES256.key_id(),
                "crv": "P-256",
                "x": EC_KEY_X,
                "y": EC_KEY_Y,
            },
            {
                "kty": "OKP",
                "use": "sig",
                "alg": "EdDSA",
                "kid": Alg::EdDSA.key_id(),
                "crv": "Ed25519",
                "x": ed25519_x(),
            },
        ]
    }))
}

/// Signs the user in at once (no form) and sends the browser back with a code.
async fn authorize(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> ServerResponse {
    let mut state = state.lock().unwrap();
    state.authorize_requests.push(query.clone());
    let param = |name: &str| query.get(name).map(String::as_str);
    let scopes: Vec<&str> = param("scope").unwrap_or("").split(' ').collect();
    let (Some(redirect_uri), Some(challenge)) = (param("redirect_uri"), param("code_challenge"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "redirect_uri and code_challenge required",
        )
            .into_response();
    };
    if param("response_type") != Some("code")
        || param("client_id") != Some(CLIENT_ID)
        || param("code_challenge_method") != Some("S256")
        || !scopes.contains(&"openid")
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = Uuid::new_v4().simple().to_string();
    state.grants.insert(
        code.clone(),
        Grant {
            client_id: CLIENT_ID.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            nonce: param("nonce").map(str::to_owned),
            code_challenge: challenge.to_owned(),
        },
    );
    let mut back = reqwest::Url::parse(redirect_uri).expect("redirect_uri is a URL");
    back.query_pairs_mut().append_pair("code", &code);
    if let Some(returned) = param("state") {
        back.query_pairs_mut().append_pair("state", returned);
    }
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

/// Redeems a code: client credentials (basic or form, whichever the discovery document
/// announces), the code once, the same redirect URI, and the PKCE verifier against the
/// challenge.
async fn token(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> ServerResponse {
    let mut state = state.lock().unwrap();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let (client_auth, client_id, client_secret) = match basic.as_deref() {
        Some(pair) => {
            let (id, secret) = pair.split_once(':').unwrap_or((pair, ""));
            ("basic", id.to_owned(), secret.to_owned())
        }
        None => ("post", field("client_id"), field("client_secret")),
    };
    let method_allowed = state
        .auth_methods
        .iter()
        .any(|m| m.strip_prefix("client_secret_") == Some(client_auth));
    let error = if client_id != CLIENT_ID || client_secret != CLIENT_SECRET || !method_allowed {
        Some("invalid_client")
    } else if field("grant_type") != "authorization_code" {
        Some("unsupported_grant_type")
    } else {
        match state.grants.remove(&field("code")) {
            None => Some("invalid_grant"),
            Some(grant)
                if grant.client_id != client_id
                    || grant.redirect_uri != field("redirect_uri")
                    || URL_SAFE_NO_PAD
                        .encode(Sha256::digest(field("code_verifier").as_bytes()))
                        != grant.code_challenge =>
            {
                Some("invalid_grant")
            }
            Some(grant) => {
                let id_token = id_token(&state, grant.nonce.as_deref());
                let access_token = Uuid::new_v4().simple().to_string();
                let person = state.person.clone();
                state.access_tokens.insert(access_token.clone(), person);
                state.token_calls.push(TokenCall {
                    client_auth,
                    error: None,
                });
                return Json(json!({
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "id_token": id_token,
                }))
                .into_response();
            }
        }
    };
    state.token_calls.push(TokenCall { client_auth, error });
    let status = if error == Some("invalid_client") {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, Json(json!({ "error": error }))).into_response()
}

/// Tells who an access token it issued was issued for: `sub`, and `email`, `email_verified`
/// and `name` where the provider knows them. 401 without such a token.
async fn userinfo(State(state): State<Shared>, headers: HeaderMap) -> ServerResponse {
    let mut state = state.lock().unwrap();
    let person = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.access_tokens.get(token).cloned());
    state.userinfo_calls.push(UserinfoCall {
        authorized: person.is_some(),
    });
    let Some(person) = person else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response();
    };
    let subject = state
        .userinfo_subject
        .clone()
        .unwrap_or(person.subject.clone());
    let mut claims = json!({ "sub": subject });
    add_profile(&mut claims, &person);
    Json(claims).into_response()
}

/// `email`, `email_verified` and `name`, those the person has.
fn add_profile(claims: &mut Value, person: &Person) {
    if let Some(email) = &person.email {
        claims["email"] = json!(email);
    }
    if let Some(verified) = person.email_verified {
        claims["email_verified"] = json!(verified);
    }
    if let Some(name) = &person.name {
        claims["name"] = json!(name);
    }
}

fn id_token(state: &ProviderState, nonce: Option<&str>) -> String {
    let (mode, person) = (state.mode, &state.person);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (iat, exp) = if mode == Mode::Expired {
        (now - 7200, now - 3600)
    } else {
        (now + state.iat_offset, now + state.exp_offset)
    };
    let mut claims = json!({
        "iss": if mode == Mode::WrongIssuer { "https://impostor.example" } else { &state.issuer },
        "sub": person.subject,
        "aud": if mode == Mode::WrongAudience { "someone-else" } else { CLIENT_ID },
        "iat": iat,
        "exp": exp,
    });
    let nonce = if mode == Mode::WrongNonce {
        Some("not-the-nonce-we-were-given")
    } else {
        nonce
    };
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if state.claims_in_id_token {
        add_profile(&mut claims, person);
    }
    if mode == Mode::AlgNone {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        return format!("{header}.{payload}.");
    }
    if mode == Mode::BadSignature {
        return sign(Alg::RS256, ROGUE_KEY_PEM, &claims);
    }
    sign(state.alg, PROVIDER_KEY_PEM, &claims)
}

/// A JWS of `claims` with `alg` under its `kid`; `rsa_pem` is the key for RS256 and PS256.
fn sign(alg: Alg, rsa_pem: &str, claims: &Value) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let (algorithm, key) = match alg {
        Alg::RS256 => (
            Algorithm::RS256,
            EncodingKey::from_rsa_der(&der_of(rsa_pem)),
        ),
        Alg::PS256 => (
            Algorithm::PS256,
            EncodingKey::from_rsa_der(&der_of(rsa_pem)),
        ),
        Alg::ES256 => (
            Algorithm::ES256,
            EncodingKey::from_ec_der(&STANDARD.decode(EC_KEY_PKCS8).unwrap()),
        ),
        Alg::HS256 => (
            Algorithm::HS256,
            EncodingKey::from_secret(CLIENT_SECRET.as_bytes()),
        ),
        Alg::EdDSA => {
            use ed25519_dalek::Signer;
            let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": alg.key_id()});
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let signature = ed25519_key().sign(input.as_bytes());
            return format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        }
    };
    let mut header = Header::new(algorithm);
    header.kid = Some(alg.key_id().to_owned());
    jsonwebtoken::encode(&header, claims, &key).expect("signing a test ID token")
}

// ---------------------------------------------------------------------------------------------
// The application side.
// ---------------------------------------------------------------------------------------------

/// Saves the default organization's SSO settings as its admin would, pointing at `provider`
/// and covering [`SSO_DOMAIN`], proven.
async fn configure_sso(app: &TestApp, provider: &Provider, require_sso: bool) {
    configure_sso_for(app, provider, &[SSO_DOMAIN], require_sso).await;
}

/// Saves the settings with `domains`, and marks them proven as if their DNS records had been
/// found (finding them is `dns`'s matter): only a proven domain's addresses are the
/// provider's to speak for.
async fn configure_sso_for(
    app: &TestApp,
    provider: &Provider,
    domains: &[&str],
    require_sso: bool,
) {
    let organization = DEFAULT_ORGANIZATION_ID.to_string();
    let domains = domains.join(", ");
    let mut form = vec![
        ("organization_id", organization.as_str()),
        ("issuer", provider.url.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("domains", domains.as_str()),
        ("default_role", "member"),
    ];
    if require_sso {
        form.push(("require_sso", "on"));
    }
    let res = app.admin().await.call("sso/save", &form).await;
    let status = res.status();
    assert_eq!(
        status,
        StatusCode::OK,
        "saving SSO settings: {}",
        res.text().await.unwrap()
    );
    let saved = db::sso::get(&app.pool, DEFAULT_ORGANIZATION_ID)
        .await
        .unwrap()
        .expect("SSO settings saved");
    assert_eq!(saved.issuer, provider.url);
    assert_eq!(saved.require_sso, require_sso);
    sqlx::query(
        "update organization_domains set verified_at = coalesce(verified_at, now())
         where organization_id = $1",
    )
    .bind(DEFAULT_ORGANIZATION_ID)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Takes back the proof of `domain`, as if the organization had given it up.
async fn unprove(app: &TestApp, domain: &str) {
    sqlx::query("update organization_domains set verified_at = null where domain = $1")
        .bind(domain)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// `(actor, after)` of each sign-in through SSO (the admin who configures SSO signs in with
/// a password first), oldest first.
async fn sso_sign_ins(app: &TestApp) -> Vec<(String, Value)> {
    sqlx::query_as(
        "select actor, after from audit_events
         where action = 'user.sign_in' and after->>'method' = 'sso'
         order by occurred_at, id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// A running app with SSO for the default organization, and its provider.
async fn app_with_sso(pool: PgPool) -> (TestApp, Provider) {
    let app = TestApp::spawn(pool).await;
    let provider = Provider::start().await;
    configure_sso(&app, &provider, false).await;
    (app, provider)
}

/// A new provider, set up by `set_up` (what its discovery document says), made the default
/// organization's (in place of the one before, if any).
async fn new_provider_for(app: &TestApp, set_up: impl FnOnce(&Provider)) -> Provider {
    let provider = Provider::start().await;
    set_up(&provider);
    configure_sso(app, &provider, false).await;
    provider
}

/// The default organization's settings page, where a member lands after signing in.
fn general_page() -> String {
    format!("/orgs/{DEFAULT_ORGANIZATION_ID}/settings/general")
}

/// Signs `client` out; returns where the browser is sent.
async fn sign_out(client: &Client) -> String {
    let res = client.call("session/sign-out", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    redirect_target(&res).expect("signing out answers with a redirect")
}

/// The header of the ID token a sign-out address hands the provider as `id_token_hint`.
fn id_token_hint_header(sign_out_target: &str) -> Value {
    let url = reqwest::Url::parse(sign_out_target).expect("the provider's sign-out address");
    let hint = url
        .query_pairs()
        .find(|(k, _)| k == "id_token_hint")
        .expect("an id_token_hint")
        .1
        .into_owned();
    let header = hint.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies()
        .find(|c| c.name() == "meridian_session")
        .map(|c| c.value().to_owned())
}

/// A refused callback hands out no session id of its own: its answer sets no session cookie,
/// or a removal (empty), or re-sends the id the browser already had (`current`).
fn assert_no_new_session(res: &reqwest::Response, current: Option<&str>) {
    if let Some(id) = session_cookie(res) {
        assert!(
            id.is_empty() || Some(id.as_str()) == current,
            "a refused callback handed out session id {id} (had {current:?})"
        );
    }
}

/// The reason a failed sign-in was sent back to the sign-in page with.
fn sso_error(res: &reqwest::Response) -> Option<String> {
    redirect_target(res)?
        .strip_prefix("/login?sso_error=")
        .map(str::to_owned)
}

/// Submits the sign-in form; returns where it sends the browser.
async fn sign_in_form(client: &Client, email: &str, password: &str, next: Option<&str>) -> String {
    let mut form = vec![("email", email), ("password", password)];
    if let Some(next) = next {
        form.push(("next", next));
    }
    let res = client.call("session/sign-in", &form).await;
    assert_eq!(res.status(), StatusCode::OK, "sign-in of {email}");
    redirect_target(&res).expect("the sign-in form answers with a redirect")
}

/// `/auth/sso/start` for the default organization as the sign-in form builds it, less its
/// one-time ticket (see [`without_ticket`]).
fn start_path(login_hint: &str, next: Option<&str>) -> String {
    let mut path = format!(
        "/auth/sso/start?organization={DEFAULT_ORGANIZATION_ID}&login_hint={}",
        meridian::paths::encode_query_value(login_hint)
    );
    if let Some(next) = next {
        path.push_str("&next=");
        path.push_str(&meridian::paths::encode_query_value(next));
    }
    path
}

/// A start address with its one-time ticket taken out (checking there is one).
fn without_ticket(start: &str) -> String {
    let at = start
        .find("&ticket=")
        .expect("the start address carries a ticket");
    let end = start[at + 1..]
        .find('&')
        .map_or(start.len(), |i| at + 1 + i);
    format!("{}{}", &start[..at], &start[end..])
}

/// How far a browser got: the session cookie it was given before leaving for the provider,
/// and the callback address the provider sent it back to.
struct Trip {
    session_before: String,
    callback_url: String,
}

/// From `/auth/sso/start...` to the provider and back to (not into) our callback.
async fn to_provider_and_back(
    app: &TestApp,
    provider: &Provider,
    client: &Client,
    start: &str,
) -> Trip {
    let res = client.get(start).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{start}");
    let session_before = session_cookie(&res).expect("starting SSO sets a session cookie");
    let authorize = redirect_target(&res).unwrap();
    assert!(
        authorize.starts_with(&format!("{}/authorize?", provider.url)),
        "{authorize}"
    );
    // The provider is another site: the browser brings it none of our cookies.
    let at_provider = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = at_provider.get(&authorize).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "{authorize}");
    let callback_url = redirect_target(&res).unwrap();
    assert!(
        callback_url.starts_with(&format!("http://{}/auth/sso/callback?", app.addr)),
        "{callback_url}"
    );
    Trip {
        session_before,
        callback_url,
    }
}

async fn get_url(client: &Client, url: &str) -> reqwest::Response {
    client.http.get(url).send().await.unwrap()
}

/// The whole round trip from the sign-in form; returns the callback's answer.
async fn sign_in_with_sso(
    app: &TestApp,
    provider: &Provider,
    client: &Client,
    email: &str,
) -> reqwest::Response {
    let start = sign_in_form(client, email, "", None).await;
    let trip = to_provider_and_back(app, provider, client, &start).await;
    get_url(client, &trip.callback_url).await
}

async fn viewer(client: &Client) -> Value {
    client
        .call("session/viewer", &[])
        .await
        .json()
        .await
        .unwrap()
}

async fn users_with_email(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select count(*) from users where lower(email) = lower($1)")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// `(actor, object name, after)` of each audit event with `action`, oldest first.
async fn audit_events(app: &TestApp, action: &str) -> Vec<(String, String, Option<Value>)> {
    sqlx::query_as(
        "select actor, object_name, after from audit_events where action = $1
         order by occurred_at, id",
    )
    .bind(action)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// A user with a password, a member of the default organization; returns the id.
async fn member_with_password(app: &TestApp, email: &str) -> Uuid {
    let hash = meridian::auth::password::hash(PASSWORD);
    let id = db::users::create(
        &app.pool,
        &Email::parse(email).unwrap(),
        "Password Member",
        Some(&hash),
        false,
    )
    .await
    .unwrap();
    db::organizations::add_member(&app.pool, DEFAULT_ORGANIZATION_ID, id, OrgRole::Member)
        .await
        .unwrap();
    id
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_embedded_test_keys_match_their_published_moduli() {
    let claims = json!({"sub": "x", "exp": 4_000_000_000u64});
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    for (pem, n) in [
        (PROVIDER_KEY_PEM, PROVIDER_KEY_N),
        (ROGUE_KEY_PEM, ROGUE_KEY_N),
    ] {
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_rsa_der(&der_of(pem)),
        )
        .unwrap();
        let own = jsonwebtoken::DecodingKey::from_rsa_components(n, KEY_E).unwrap();
        jsonwebtoken::decode::<Value>(&token, &own, &validation).expect("own modulus verifies");
        let other = if n == PROVIDER_KEY_N {
            ROGUE_KEY_N
        } else {
            PROVIDER_KEY_N
        };
        let other = jsonwebtoken::DecodingKey::from_rsa_components(other, KEY_E).unwrap();
        assert!(jsonwebtoken::decode::<Value>(&token, &other, &validation).is_err());
    }
}

#[test]
fn the_embedded_ec_key_and_the_ed25519_seed_match_their_published_jwks() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
    let claims = json!({"sub": "x", "exp": 4_000_000_000u64});
    let forged_payload =
        URL_SAFE_NO_PAD.encode(json!({"sub": "y", "exp": 4_000_000_000u64}).to_string());
    for (alg, algorithm, published) in [
        (
            Alg::ES256,
            Algorithm::ES256,
            DecodingKey::from_ec_components(EC_KEY_X, EC_KEY_Y).unwrap(),
        ),
        (
            Alg::EdDSA,
            Algorithm::EdDSA,
            DecodingKey::from_ed_components(&ed25519_x()).unwrap(),
        ),
        (
            Alg::PS256,
            Algorithm::PS256,
            DecodingKey::from_rsa_components(PROVIDER_KEY_N, KEY_E).unwrap(),
        ),
    ] {
        let mut validation = Validation::new(algorithm);
        validation.validate_aud = false;
        let token = sign(alg, PROVIDER_KEY_PEM, &claims);
        let verified = decode::<Value>(&token, &published, &validation)
            .unwrap_or_else(|e| panic!("{alg:?}: the published key verifies: {e}"));
        assert_eq!(verified.header.kid.as_deref(), Some(alg.key_id()));
        // The signature is really checked: the same signature over other claims fails.
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert!(
            decode::<Value>(&forged, &published, &validation).is_err(),
            "{alg:?}"
        );
    }
}

#[sqlx::test]
async fn sso_sign_in_creates_the_user_just_in_time_and_rotates_the_session(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    let org = DEFAULT_ORGANIZATION_ID;
    let client = app.client();
    let wanted = format!("/orgs/{org}/settings/regions");

    // The form sends a covered address with no password to the identity provider.
    let start = sign_in_form(&client, ALICE, "", Some(&wanted)).await;
    assert_eq!(without_ticket(&start), start_path(ALICE, Some(&wanted)));
    assert!(
        without_ticket(&start).starts_with(&format!(
            "/auth/sso/start?organization={org}&login_hint=alice%40sso.example&next="
        )),
        "{start}"
    );
    let trip = to_provider_and_back(&app, &provider, &client, &start).await;

    // What the provider was asked: code flow with PKCE (S256), state, nonce, our callback.
    let asked = provider.last_authorize_request();
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["client_id"], CLIENT_ID);
    assert_eq!(
        asked["redirect_uri"],
        format!("http://{}/auth/sso/callback", app.addr)
    );
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["login_hint"], ALICE);
    let scopes: Vec<&str> = asked["scope"].split(' ').collect();
    for scope in ["openid", "email", "profile"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
    for value in ["state", "nonce", "code_challenge"] {
        assert!(
            asked.get(value).is_some_and(|v| v.len() >= 16),
            "{value} is random and long enough: {asked:?}"
        );
    }
    assert_ne!(asked["state"], asked["nonce"]);
    assert_eq!(users_with_email(&app, ALICE).await, 0, "no one yet");

    let res = get_url(&client, &trip.callback_url).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(redirect_target(&res), Some(wanted), "`next` is honoured");
    let session_after = session_cookie(&res).expect("signing in sets a new session cookie");
    assert_ne!(
        session_after, trip.session_before,
        "the session id changes on sign-in"
    );
    let stale: i64 = sqlx::query_scalar("select count(*) from sessions where id = $1")
        .bind(&trip.session_before)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        stale, 0,
        "the pre-sign-in session id is gone from the store"
    );

    // The token endpoint was called once, with client credentials and a PKCE verifier that
    // matched (the provider refuses otherwise).
    let calls = provider.token_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].error, None, "{calls:?}");
    assert_eq!(
        calls[0].client_auth, "basic",
        "openidconnect's default, client_secret_basic"
    );
    // The ID token told the email: the userinfo endpoint was not needed.
    assert!(provider.userinfo_calls().is_empty());

    // Signed in as a new user, made a member with the default role.
    let me = viewer(&client).await;
    assert_eq!(me["email"], ALICE);
    assert_eq!(me["name"], "Alice Example");
    assert_eq!(me["is_instance_admin"], false);
    assert_eq!(me["memberships"].as_array().unwrap().len(), 1, "{me}");
    assert_eq!(me["memberships"][0]["organization_id"], org.to_string());
    let user_id: Uuid = me["user_id"].as_str().unwrap().parse().unwrap();
    let (name, password_hash, last_sign_in, admin): (
        String,
        Option<String>,
        Option<time::OffsetDateTime>,
        bool,
    ) = sqlx::query_as(
        "select name, password_hash, last_sign_in_at, is_instance_admin from users where id = $1",
    )
    .bind(user_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(name, "Alice Example");
    assert_eq!(password_hash, None, "an SSO user has no password");
    assert!(last_sign_in.is_some(), "the sign-in is recorded");
    assert!(!admin);
    let role: String = sqlx::query_scalar(
        "select role from organization_members where organization_id = $1 and user_id = $2",
    )
    .bind(org)
    .bind(user_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(role, "member");
    let identity: (String, String) =
        sqlx::query_as("select issuer, subject from user_identities where user_id = $1")
            .bind(user_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(identity, (provider.url.clone(), "alice-subject".to_owned()));
    let res = client.get(&format!("/orgs/{org}/settings/general")).await;
    assert_eq!(res.status(), StatusCode::OK, "a protected page opens");

    // Audited: the membership and the sign-in, by Alice, through SSO.
    let added = audit_events(&app, "member.add").await;
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0].0, ALICE);
    assert_eq!(added[0].2.as_ref().unwrap()["via"], "sso");
    assert_eq!(added[0].2.as_ref().unwrap()["role"], "member");
    let signed_in = sso_sign_ins(&app).await;
    assert_eq!(signed_in.len(), 1, "{signed_in:?}");
    assert_eq!(signed_in[0].0, ALICE);
    assert_eq!(signed_in[0].1["issuer"], provider.url);

    // Again from another browser, through the sign-in form with an off-site `next`:
    // the same user (linked by the provider's subject), no second membership, landing on the
    // organization rather than elsewhere.
    let other = app.client();
    let trip = to_provider_and_back(
        &app,
        &provider,
        &other,
        &sign_in_form(&other, ALICE, "", Some("//evil.example/x")).await,
    )
    .await;
    assert!(
        !trip.callback_url.contains("evil"),
        "the off-site address never travels: {}",
        trip.callback_url
    );
    let res = get_url(&other, &trip.callback_url).await;
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{org}/settings/general")),
        "an off-site `next` is ignored"
    );
    assert_eq!(viewer(&other).await["user_id"], user_id.to_string());
    assert_eq!(users_with_email(&app, ALICE).await, 1);
    assert_eq!(app.count("select count(*) from user_identities").await, 1);
    assert_eq!(app.audit_count("member.add").await, 1);
    assert_eq!(sso_sign_ins(&app).await.len(), 2);
    assert_eq!(app.audit_count("user.sign_in_failed").await, 0);
}

#[sqlx::test]
async fn id_tokens_that_do_not_verify_sign_no_one_in(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    let mut failures = 0;
    for mode in [
        Mode::AlgNone,
        Mode::BadSignature,
        Mode::WrongIssuer,
        Mode::WrongAudience,
        Mode::Expired,
        Mode::WrongNonce,
    ] {
        provider.set_mode(mode);
        let client = app.client();
        let start = sign_in_form(&client, ALICE, "", None).await;
        let trip = to_provider_and_back(&app, &provider, &client, &start).await;
        let res = get_url(&client, &trip.callback_url).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{mode:?}");
        assert_eq!(
            sso_error(&res).as_deref(),
            Some("unverified"),
            "{mode:?}: {:?}",
            redirect_target(&res)
        );
        assert_no_new_session(&res, Some(&trip.session_before));
        assert!(viewer(&client).await.is_null(), "{mode:?}: signed out");
        assert_eq!(users_with_email(&app, ALICE).await, 0, "{mode:?}: no user");
        failures += 1;
        let failed = audit_events(&app, "user.sign_in_failed").await;
        assert_eq!(failed.len(), failures, "{mode:?}: {failed:?}");
        assert_eq!(
            failed.last().unwrap().2.as_ref().unwrap()["method"],
            "sso",
            "{mode:?}"
        );
        let last = provider.token_calls().last().cloned().unwrap();
        assert_eq!(last.error, None, "{mode:?}: the code itself was good");
    }
    assert!(sso_sign_ins(&app).await.is_empty());
    assert_eq!(app.audit_count("member.add").await, 0);
    assert_eq!(app.count("select count(*) from user_identities").await, 0);

    // The same provider with a good token lets Alice in: the refusals were the tokens'.
    provider.set_mode(Mode::Good);
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{DEFAULT_ORGANIZATION_ID}/settings/general"))
    );
    assert_eq!(viewer(&client).await["email"], ALICE);
}

#[sqlx::test]
async fn a_callback_serves_once_and_only_for_its_own_state(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    let client = app.client();
    let start = sign_in_form(&client, ALICE, "", None).await;
    let trip = to_provider_and_back(&app, &provider, &client, &start).await;
    let res = get_url(&client, &trip.callback_url).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(sso_error(&res), None, "{:?}", redirect_target(&res));
    assert_eq!(viewer(&client).await["email"], ALICE);
    let session = session_cookie(&res).unwrap();
    let sessions = app.count("select count(*) from sessions").await;

    // Replayed from a browser with no cookies.
    let stranger = app.client();
    let res = get_url(&stranger, &trip.callback_url).await;
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));
    assert!(viewer(&stranger).await.is_null());

    // Replayed with the cookie the browser held before signing in (rotated away since).
    let res = app
        .client()
        .http
        .get(&trip.callback_url)
        .header(
            "cookie",
            format!("meridian_session={}", trip.session_before),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));
    assert_no_new_session(&res, None);

    // Replayed by the same browser while signed in: refused, still the same session.
    let res = get_url(&client, &trip.callback_url).await;
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));
    assert_no_new_session(&res, Some(&session));
    assert_eq!(
        app.count("select count(*) from sessions").await,
        sessions,
        "no replay made a session"
    );

    // Signing out sends the browser to the provider's end-session endpoint, with the ID token
    // as a hint; the replay after that signs no one in either.
    let res = client.call("session/sign-out", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let out = redirect_target(&res).unwrap();
    assert!(
        out.starts_with(&format!("{}/logout?", provider.url)),
        "{out}"
    );
    let out = reqwest::Url::parse(&out).unwrap();
    let pairs: HashMap<String, String> = out.query_pairs().into_owned().collect();
    assert_eq!(pairs["client_id"], CLIENT_ID);
    assert_eq!(
        pairs["post_logout_redirect_uri"],
        format!("http://{}/login", app.addr)
    );
    assert_eq!(pairs["id_token_hint"].split('.').count(), 3);
    assert!(viewer(&client).await.is_null());
    let res = get_url(&client, &trip.callback_url).await;
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(
        provider.token_calls().len(),
        1,
        "no replay reached the provider"
    );

    // A callback whose state is not the one this browser was sent off with: refused, and the
    // attempt it was spent against is gone too.
    let other = app.client();
    let trip = to_provider_and_back(
        &app,
        &provider,
        &other,
        &sign_in_form(&other, ALICE, "", None).await,
    )
    .await;
    let mut forged = reqwest::Url::parse(&trip.callback_url).unwrap();
    let code = forged
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    forged
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "not-the-state");
    let failed_before = app.audit_count("user.sign_in_failed").await;
    let res = get_url(&other, forged.as_str()).await;
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));
    assert!(viewer(&other).await.is_null());
    // Not written to the organization's trail (anyone could send such requests); logged.
    assert_eq!(
        app.audit_count("user.sign_in_failed").await,
        failed_before,
        "a forged state is not audited"
    );
    let res = get_url(&other, &trip.callback_url).await;
    assert_eq!(
        sso_error(&res).as_deref(),
        Some("expired"),
        "the genuine callback after a mismatch is refused too"
    );
    assert!(viewer(&other).await.is_null());
    assert_eq!(provider.token_calls().len(), 1, "no code was redeemed");
    assert_eq!(sso_sign_ins(&app).await.len(), 1);
}

#[sqlx::test]
async fn addresses_outside_the_proven_domains_are_refused_even_for_members(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;

    // Not covered, not a member: refused, no account.
    provider.set_person(Person::new("bob-subject", "bob@elsewhere.example", "Bob"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(users_with_email(&app, "bob@elsewhere.example").await, 0);
    let failed = audit_events(&app, "user.sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "bob@elsewhere.example");
    assert_eq!(
        failed[0].2.as_ref().unwrap()["reason"],
        "not covered by SSO"
    );

    // The instance admin's address: never linked to a provider, whatever it says.
    provider.set_person(Person::new("admin-subject", ADMIN_EMAIL, "Impostor"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());

    // Not covered, though a member of the organization: the provider does not speak for an
    // address its organization has not proven it controls, so it is refused and not linked.
    let carol = member_with_password(&app, "carol@partner.example").await;
    provider.set_person(Person::new(
        "carol-subject",
        "carol@partner.example",
        "Carol",
    ));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(app.count("select count(*) from user_identities").await, 0);
    assert_eq!(app.audit_count("member.add").await, 0);
    // Carol keeps her password as her way in.
    let client = app.client();
    assert_eq!(
        sign_in_form(&client, "carol@partner.example", PASSWORD, None).await,
        format!("/orgs/{DEFAULT_ORGANIZATION_ID}/settings/general")
    );
    assert_eq!(viewer(&client).await["user_id"], carol.to_string());
}

#[sqlx::test]
async fn an_unverified_or_missing_email_is_refused(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    let mut unverified = Person::new("alice-subject", ALICE, "Alice Example");
    unverified.email_verified = Some(false);
    provider.set_person(unverified);
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("no_email"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(users_with_email(&app, ALICE).await, 0);
    let failed = audit_events(&app, "user.sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        failed[0].2.as_ref().unwrap()["reason"],
        "email not verified"
    );

    let mut no_email = Person::new("alice-subject", ALICE, "Alice Example");
    no_email.email = None;
    no_email.email_verified = None;
    provider.set_person(no_email);
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("no_email"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(
        app.count("select count(*) from users").await,
        1,
        "only the admin"
    );
    assert_eq!(app.count("select count(*) from user_identities").await, 0);
}

#[sqlx::test]
async fn requiring_sso_sends_members_of_proven_domains_to_the_provider(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    let org = DEFAULT_ORGANIZATION_ID;
    let dave = "dave@sso.example";
    let erin = "erin@example.com";
    member_with_password(&app, dave).await;
    member_with_password(&app, erin).await;
    let general = format!("/orgs/{org}/settings/general");

    // While passwords are still allowed, a covered address with a password signs in with it.
    let client = app.client();
    assert_eq!(sign_in_form(&client, dave, PASSWORD, None).await, general);
    assert_eq!(viewer(&client).await["email"], dave);

    configure_sso(&app, &provider, true).await;
    let sign_ins = app.audit_count("user.sign_in").await;
    let client = app.client();
    let target = sign_in_form(&client, dave, PASSWORD, None).await;
    assert_eq!(without_ticket(&target), start_path(dave, None));
    assert!(viewer(&client).await.is_null(), "{dave} is not signed in");
    // ...and the way it points leads to the provider.
    let trip = to_provider_and_back(&app, &provider, &client, &target).await;
    assert!(trip.callback_url.contains("code="));
    assert_eq!(
        app.audit_count("user.sign_in").await,
        sign_ins,
        "no password sign-in happened"
    );

    // A member whose address is of no domain the organization proved keeps the password: its
    // provider could not sign them in.
    let client = app.client();
    assert_eq!(sign_in_form(&client, erin, PASSWORD, None).await, general);
    assert_eq!(viewer(&client).await["email"], erin);

    // The instance admin keeps the password as the way in.
    let client = app.client();
    assert_eq!(
        sign_in_form(&client, ADMIN_EMAIL, PASSWORD, None).await,
        general
    );
    assert_eq!(viewer(&client).await["email"], ADMIN_EMAIL);
}

#[sqlx::test]
async fn an_error_from_the_provider_signs_no_one_in(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    for (error, code) in [("access_denied", "cancelled"), ("server_error", "refused")] {
        let client = app.client();
        let start = sign_in_form(&client, ALICE, "", None).await;
        let trip = to_provider_and_back(&app, &provider, &client, &start).await;
        let state = provider.last_authorize_request()["state"].clone();
        let mut back = reqwest::Url::parse(&trip.callback_url).unwrap();
        back.query_pairs_mut()
            .clear()
            .append_pair("error", error)
            .append_pair("state", &state);
        let res = get_url(&client, back.as_str()).await;
        assert_eq!(sso_error(&res).as_deref(), Some(code), "{error}");
        assert_no_new_session(&res, Some(&trip.session_before));
        assert!(viewer(&client).await.is_null(), "{error}");
    }
    assert_eq!(app.audit_count("user.sign_in_failed").await, 2);
    assert_eq!(users_with_email(&app, ALICE).await, 0);
    assert!(provider.token_calls().is_empty(), "no code was redeemed");
}

#[sqlx::test]
async fn an_instance_admin_on_a_domain_that_requires_sso_keeps_the_password(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let provider = Provider::start().await;
    // The organization's SSO covers the instance admin's own domain and is required.
    let admin_domain = ADMIN_EMAIL.split_once('@').unwrap().1;
    configure_sso_for(&app, &provider, &[SSO_DOMAIN, admin_domain], true).await;
    let client = app.client();
    let target = sign_in_form(&client, ADMIN_EMAIL, PASSWORD, None).await;
    if target.starts_with("/auth/sso/start") {
        // Where that would lead: the provider cannot let the admin in either (instance admins
        // are never linked to a provider), so the instance would have no way in left.
        let trip = to_provider_and_back(&app, &provider, &client, &target).await;
        provider.set_person(Person::new("admin-subject", ADMIN_EMAIL, "Admin"));
        let res = get_url(&client, &trip.callback_url).await;
        panic!(
            "the instance admin's password sign-in was sent to SSO, which answered {:?}",
            redirect_target(&res)
        );
    }
    assert_eq!(
        target,
        format!("/orgs/{DEFAULT_ORGANIZATION_ID}/settings/general"),
        "the instance admin's password is the way in when SSO is broken"
    );
    assert_eq!(viewer(&client).await["email"], ADMIN_EMAIL);
}

#[sqlx::test]
async fn a_provider_reaches_only_addresses_of_proven_domains_and_accounts_it_created(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let provider = Provider::start().await;
    let admin_domain = ADMIN_EMAIL.split_once('@').unwrap().1;
    configure_sso_for(
        &app,
        &provider,
        &[SSO_DOMAIN, "gone.example", "claimed.example", admin_domain],
        false,
    )
    .await;
    // Claimed, never proven.
    unprove(&app, "claimed.example").await;
    let other = app.other_organization().await;

    // A member of the organization at an address it only claimed: refused, even as an admin
    // of it.
    let gil = member_with_password(&app, "gil@claimed.example").await;
    db::organizations::set_role(&app.pool, DEFAULT_ORGANIZATION_ID, gil, OrgRole::Admin)
        .await
        .unwrap();
    provider.set_person(Person::new("gil-subject", "gil@claimed.example", "Gil"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(app.count("select count(*) from user_identities").await, 0);

    // The instance admin, even at a proven address: never.
    provider.set_person(Person::new("admin-subject", ADMIN_EMAIL, "Impostor"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(app.count("select count(*) from user_identities").await, 0);

    // Belonging to another organization as well no longer matters: the address is of a
    // proven domain, so the provider speaks for it.
    let both = member_with_password(&app, "both@sso.example").await;
    db::organizations::add_member(&app.pool, other, both, OrgRole::Admin)
        .await
        .unwrap();
    provider.set_person(Person::new("both-subject", "both@sso.example", "Both"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res), None, "{:?}", redirect_target(&res));
    assert_eq!(viewer(&client).await["user_id"], both.to_string());

    // Once the organization gives a domain up, an account its provider only linked there is
    // out of its reach; one it created there itself is still its own.
    let ivy = member_with_password(&app, "ivy@gone.example").await;
    provider.set_person(Person::new("ivy-subject", "ivy@gone.example", "Ivy"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res), None, "{:?}", redirect_target(&res));
    assert_eq!(viewer(&client).await["user_id"], ivy.to_string());
    provider.set_person(Person::new("hal-subject", "hal@gone.example", "Hal"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, "hal@gone.example").await;
    assert_eq!(sso_error(&res), None, "{:?}", redirect_target(&res));
    let hal = viewer(&client).await["user_id"].clone();
    assert_eq!(users_with_email(&app, "hal@gone.example").await, 1);
    unprove(&app, "gone.example").await;
    provider.set_person(Person::new("ivy-subject", "ivy@gone.example", "Ivy"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
    provider.set_person(Person::new("hal-subject", "hal@gone.example", "Hal"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res), None, "{:?}", redirect_target(&res));
    assert_eq!(viewer(&client).await["user_id"], hal);

    // An account it created that later becomes an instance admin is refused from then on.
    provider.set_person(Person::new("dana-subject", "dana@sso.example", "Dana"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, "dana@sso.example").await;
    assert_eq!(sso_error(&res), None, "{:?}", redirect_target(&res));
    let dana = db::users::find_by_email(&app.pool, &Email::parse("dana@sso.example").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    sqlx::query("update users set is_instance_admin = true where id = $1")
        .bind(dana)
        .execute(&app.pool)
        .await
        .unwrap();
    // The sign-in form no longer sends Dana's address to the provider (an instance admin
    // signs in with a password) ...
    let client = app.client();
    let res = client
        .call(
            "session/sign-in",
            &[("email", "dana@sso.example"), ("password", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // ... and the provider's word for her identity is refused at the callback.
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());

    // Linking an existing member needs an address the provider vouches for.
    member_with_password(&app, "eve@sso.example").await;
    let mut eve = Person::new("eve-subject", "eve@sso.example", "Eve");
    eve.email_verified = None;
    provider.set_person(eve);
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
}

#[sqlx::test]
async fn the_start_address_serves_only_a_browser_sent_by_the_sign_in_form(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    // A link planted elsewhere: no ticket in this browser's session.
    let client = app.client();
    let forged = format!(
        "{}/auth/sso/start?organization={DEFAULT_ORGANIZATION_ID}&ticket=0123&login_hint=x",
        client.base
    );
    let res = get_url(&client, &forged).await;
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));

    // A ticket serves once.
    let start = sign_in_form(&client, ALICE, "", None).await;
    let first = get_url(&client, &format!("{}{start}", client.base)).await;
    assert!(redirect_target(&first).unwrap().starts_with(&provider.url));
    let again = get_url(&client, &format!("{}{start}", client.base)).await;
    assert_eq!(sso_error(&again).as_deref(), Some("expired"));

    // A malformed query lands on the sign-in page too, not on a bare 400.
    let res = get_url(
        &client,
        &format!("{}/auth/sso/start?organization=abc", client.base),
    )
    .await;
    assert_eq!(sso_error(&res).as_deref(), Some("expired"));
}

#[sqlx::test]
async fn the_saved_secret_is_never_sent_to_a_new_issuer_or_client(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    let admin = app.admin().await;
    let organization = DEFAULT_ORGANIZATION_ID.to_string();
    for (issuer, client_id) in [
        ("https://elsewhere.example", CLIENT_ID),
        (provider.url.as_str(), "another-client"),
    ] {
        let res = admin
            .call(
                "sso/save",
                &[
                    ("organization_id", organization.as_str()),
                    ("issuer", issuer),
                    ("client_id", client_id),
                    ("client_secret", ""),
                    ("domains", SSO_DOMAIN),
                    ("default_role", "member"),
                ],
            )
            .await;
        let (status, error) = error_of(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            field_message(&error, "client_secret")
                .unwrap()
                .contains("Enter the client secret again"),
            "{error}"
        );
    }
    let saved = db::sso::get(&app.pool, DEFAULT_ORGANIZATION_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.issuer, provider.url);
    assert_eq!(saved.client_id, CLIENT_ID);
}

#[sqlx::test]
async fn id_tokens_signed_with_es256_ps256_or_eddsa_sign_the_person_in(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for alg in [Alg::ES256, Alg::PS256, Alg::EdDSA] {
        let provider = new_provider_for(&app, |p| p.set_algorithm(alg)).await;
        let email = format!("{}@{SSO_DOMAIN}", alg.name().to_lowercase());
        provider.set_person(Person::new(
            &format!("{}-subject", alg.name()),
            &email,
            alg.name(),
        ));
        let client = app.client();
        let res = sign_in_with_sso(&app, &provider, &client, &email).await;
        assert_eq!(
            redirect_target(&res),
            Some(general_page()),
            "{alg:?} signs in"
        );
        assert_eq!(viewer(&client).await["email"], email, "{alg:?}");
        // The token that got them in was the one signed so (it is the hint at sign-out).
        let header = id_token_hint_header(&sign_out(&client).await);
        assert_eq!(header["alg"], alg.name());
        assert_eq!(header["kid"], alg.key_id());
    }
    assert_eq!(app.audit_count("user.sign_in_failed").await, 0);
    assert_eq!(sso_sign_ins(&app).await.len(), 3);
}

#[sqlx::test]
async fn id_tokens_signed_with_an_unannounced_algorithm_or_the_client_secret_are_refused(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    for (alg, announced) in [
        // Its key is in the JWKS, but the provider says it signs with RS256 only.
        (Alg::ES256, &[Alg::RS256][..]),
        // HMAC keyed with the client secret: anyone holding the secret could sign these.
        (Alg::HS256, &[Alg::HS256][..]),
        (Alg::HS256, &[Alg::RS256, Alg::HS256][..]),
    ] {
        let provider = new_provider_for(&app, |p| p.set_algorithms(alg, announced)).await;
        let client = app.client();
        let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
        assert_eq!(
            sso_error(&res).as_deref(),
            Some("unverified"),
            "{alg:?} announcing {announced:?}: {:?}",
            redirect_target(&res)
        );
        assert!(viewer(&client).await.is_null());
        assert_eq!(provider.token_calls().len(), 1, "the code itself was good");
    }
    assert_eq!(users_with_email(&app, ALICE).await, 0);
    assert!(sso_sign_ins(&app).await.is_empty());
}

#[sqlx::test]
async fn a_provider_that_tells_the_email_only_at_userinfo_signs_the_person_in(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    // Its userinfo endpoint answers only with an access token it issued.
    let http = http_client();
    let userinfo = format!("{}/userinfo", provider.url);
    let res = http.get(&userinfo).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = http
        .get(&userinfo)
        .bearer_auth("made-up")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let probes = provider.userinfo_calls().len();

    provider.set_claims_in_id_token(false);
    let ulla = "ulla@sso.example";
    provider.set_person(Person::new("ulla-subject", ulla, "Ulla Userinfo"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ulla).await;
    assert_eq!(
        redirect_target(&res),
        Some(general_page()),
        "signed in with the email from userinfo"
    );
    let me = viewer(&client).await;
    assert_eq!(me["email"], ulla);
    assert_eq!(me["name"], "Ulla Userinfo", "the name from userinfo too");
    assert_eq!(
        provider.userinfo_calls()[probes..],
        [UserinfoCall { authorized: true }],
        "asked once, with the access token it issued"
    );
    let identity: (String, String, bool) = sqlx::query_as(
        "select issuer, subject, created_user from user_identities where user_id = $1",
    )
    .bind(Uuid::parse_str(me["user_id"].as_str().unwrap()).unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        identity,
        (provider.url.clone(), "ulla-subject".into(), true)
    );

    // What userinfo says is held to the same rules as an ID token: a verified address ...
    let mut unverified = Person::new("uma-subject", "uma@sso.example", "Uma");
    unverified.email_verified = Some(false);
    provider.set_person(unverified);
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("no_email"));
    assert!(viewer(&client).await.is_null());
    // ... of a proven domain ...
    provider.set_person(Person::new("bob-subject", "bob@elsewhere.example", "Bob"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("not_covered"));
    assert!(viewer(&client).await.is_null());
    // ... and about the subject the ID token named (OpenID Connect Core 5.3.4): an answer
    // about someone else is not taken.
    provider.set_person(Person::new("vic-subject", "vic@sso.example", "Vic"));
    provider.set_userinfo_subject(Some("ulla-subject"));
    let client = app.client();
    let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
    assert_eq!(sso_error(&res).as_deref(), Some("refused"));
    assert!(viewer(&client).await.is_null());
    assert_eq!(users_with_email(&app, "uma@sso.example").await, 0);
    assert_eq!(users_with_email(&app, "bob@elsewhere.example").await, 0);
    assert_eq!(users_with_email(&app, "vic@sso.example").await, 0);
    assert_eq!(sso_sign_ins(&app).await.len(), 1);
}

#[sqlx::test]
async fn a_provider_that_takes_only_client_secret_post_gets_the_secret_in_the_body(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for (announced, expected) in [
        (&["client_secret_post"][..], "post"),
        (&["client_secret_basic"][..], "basic"),
    ] {
        let provider = new_provider_for(&app, |p| p.set_auth_methods(announced)).await;
        let client = app.client();
        let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
        assert_eq!(redirect_target(&res), Some(general_page()), "{announced:?}");
        assert_eq!(viewer(&client).await["email"], ALICE);
        let calls = provider.token_calls();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].client_auth, expected, "{announced:?}");
        assert_eq!(calls[0].error, None, "{calls:?}");
    }
}

#[sqlx::test]
async fn id_tokens_up_to_a_minute_off_our_clock_verify_and_further_off_do_not(pool: PgPool) {
    let (app, provider) = app_with_sso(pool).await;
    // (what, iat and exp in seconds from now, whether it signs in)
    for (what, iat, exp, signs_in) in [
        ("expired 30 s ago", -600, -30, true),
        ("issued 30 s in the future", 30, 330, true),
        ("expired 120 s ago", -600, -120, false),
        ("issued 120 s in the future", 120, 420, false),
    ] {
        provider.set_clock(iat, exp);
        let client = app.client();
        let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
        if signs_in {
            assert_eq!(redirect_target(&res), Some(general_page()), "{what}");
            assert_eq!(viewer(&client).await["email"], ALICE, "{what}");
        } else {
            assert_eq!(
                sso_error(&res).as_deref(),
                Some("unverified"),
                "{what}: {:?}",
                redirect_target(&res)
            );
            assert!(viewer(&client).await.is_null(), "{what}");
        }
    }
    assert_eq!(sso_sign_ins(&app).await.len(), 2);
    assert_eq!(app.audit_count("user.sign_in_failed").await, 2);
}

#[sqlx::test]
async fn an_end_session_endpoint_that_is_not_a_web_address_is_never_used_at_sign_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for endpoint in [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(document.cookie)</script>",
    ] {
        let provider = new_provider_for(&app, |p| p.set_end_session(Some(endpoint))).await;
        let client = app.client();
        let res = sign_in_with_sso(&app, &provider, &client, ALICE).await;
        assert_eq!(
            redirect_target(&res),
            Some(general_page()),
            "signing in is not hindered: {endpoint}"
        );
        assert_eq!(viewer(&client).await["email"], ALICE);
        assert_eq!(sign_out(&client).await, "/login", "{endpoint}");
        assert!(viewer(&client).await.is_null());
    }
}

/// The attack of the product issue: the admin of another organization (not an instance
/// admin) invites an address of a domain they do not control, points their organization's
/// SSO at a provider of their own that claims that domain without proving it, and has the
/// provider vouch for the address. Nobody is signed in and no account is made or linked,
/// whether or not the address already has an account elsewhere.
#[sqlx::test]
async fn another_organizations_admin_cannot_sign_in_as_an_address_they_only_claim(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let provider = Provider::start().await;
    let other = app.other_organization().await;
    let mallory = "mallory@attacker.example";
    let (mallory_id, mallory_browser) = app.person(mallory).await;
    db::organizations::add_member(&app.pool, other, mallory_id, OrgRole::Admin)
        .await
        .unwrap();
    assert_eq!(viewer(&mallory_browser).await["is_instance_admin"], false);
    let other_id = other.to_string();

    let victim = "victim@corp.example";
    let res = mallory_browser
        .call(
            "members/invite",
            &[
                ("organization_id", other_id.as_str()),
                ("email", victim),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = mallory_browser
        .call(
            "sso/save",
            &[
                ("organization_id", other_id.as_str()),
                ("issuer", provider.url.as_str()),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("domains", "corp.example, attacker.example"),
                ("default_role", "admin"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    // corp.example stays merely claimed. The attacker's own domain is proven, so that their
    // browser can be sent to their provider at all.
    sqlx::query(
        "update organization_domains set verified_at = now()
         where organization_id = $1 and domain = 'attacker.example'",
    )
    .bind(other)
    .execute(&app.pool)
    .await
    .unwrap();
    provider.set_person(Person::new("victim-subject", victim, "Victim"));

    // The sign-in form never sends the victim's address to that provider.
    let res = app
        .client()
        .call("session/sign-in", &[("email", victim), ("password", "")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let open_invitations = "select count(*) from invitations
        where email = 'victim@corp.example' and accepted_at is null and revoked_at is null";
    for (case, accounts) in [("no account yet", 0), ("an account elsewhere", 1)] {
        let victim_id = if accounts == 1 {
            Some(member_with_password(&app, victim).await)
        } else {
            None
        };
        // The attacker starts from their own address; their provider answers with the
        // victim's, "verified".
        let browser = app.client();
        let start = sign_in_form(&browser, mallory, "", None).await;
        let trip = to_provider_and_back(&app, &provider, &browser, &start).await;
        let res = get_url(&browser, &trip.callback_url).await;
        assert_eq!(
            redirect_target(&res).as_deref(),
            Some("/login?sso_error=not_covered"),
            "{case}"
        );
        assert_no_new_session(&res, Some(&trip.session_before));
        assert!(viewer(&browser).await.is_null(), "{case}: nobody signed in");
        assert_eq!(users_with_email(&app, victim).await, accounts, "{case}");
        assert_eq!(
            app.count("select count(*) from user_identities").await,
            0,
            "{case}"
        );
        assert_eq!(app.count(open_invitations).await, 1, "{case}: not accepted");
        assert_eq!(app.audit_count("member.add").await, 0, "{case}");
        assert!(sso_sign_ins(&app).await.is_empty(), "{case}");
        if let Some(victim_id) = victim_id {
            assert!(
                db::organizations::member(&app.pool, other, victim_id)
                    .await
                    .unwrap()
                    .is_none(),
                "{case}: not made a member of the attacker's organization"
            );
        }
    }
    let refused = audit_events(&app, "user.sign_in_failed").await;
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|(actor, _, after)| actor == victim
        && after.as_ref().unwrap()["reason"] == "not covered by SSO"));

    // The victim still signs in with their password, into their own organization only.
    let client = app.client();
    assert_eq!(
        sign_in_form(&client, victim, PASSWORD, None).await,
        general_page()
    );
    let me = viewer(&client).await;
    assert_eq!(me["email"], victim);
    assert_eq!(me["memberships"].as_array().unwrap().len(), 1, "{me}");
    assert_eq!(
        me["memberships"][0]["organization_id"],
        DEFAULT_ORGANIZATION_ID.to_string()
    );
}
