//! What stays in the region: scoped tokens from the control plane, and the real
//! `meridian-dataplane` serving a workspace's secrets and configuration from the region's own
//! store, checking tokens offline. Each attack on the boundary must fail.

use crate::common::*;
use meridian::dataplane::scoped::{self, Access, ScopedClaims};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The Postgres server tests run against.
pub(crate) fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database replaced by `database`.
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    format!("{prefix}/{database}{query}")
}

/// A region's store: a database of its own on the test server, dropped afterwards.
pub(crate) struct Store {
    name: String,
    pub(crate) url: String,
    pub(crate) key: String,
}

impl Store {
    pub(crate) async fn create() -> Store {
        use base64::Engine;
        let name = format!("meridian_store_{}", Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&server_url()).await.unwrap();
        sqlx::query(&format!("create database {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        Store {
            url: with_database(&server_url(), &name),
            name,
            key: base64::engine::general_purpose::STANDARD.encode(key),
        }
    }

    pub(crate) async fn pool(&self) -> PgPool {
        sqlx::PgPool::connect(&self.url).await.unwrap()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .arg(server_url())
            .args(["-q", "-c"])
            .arg(format!(
                "drop database if exists {} with (force)",
                self.name
            ))
            .output();
    }
}

/// A running data plane: the real binary, its log, and where it serves its regional API.
pub(crate) struct Plane {
    /// Killed when the plane is dropped.
    pub(crate) child: tokio::process::Child,
    log: ProcessLog,
    pub(crate) id: String,
    client_id: String,
    secret: String,
    pub(crate) url: String,
}

impl Plane {
    /// Creates a data plane in `region` and starts its agent with a regional API on a free
    /// port, storing in `store`; returns once the control plane lists its URL.
    pub(crate) async fn start(
        app: &TestApp,
        api: &Api,
        region: Uuid,
        name: &str,
        store: &Store,
    ) -> Plane {
        let (status, created) = api
            .post(
                &format!("/regions/{region}/dataplanes"),
                json!({ "name": name }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let id = created["dataplaneId"].as_str().unwrap().to_owned();
        let client_id = created["clientId"].as_str().unwrap().to_owned();
        let secret = created["clientSecret"].as_str().unwrap().to_owned();
        let mut plane = Plane::spawn(app.addr, &id, &client_id, &secret, store, &[]);
        plane.url = wait_for_url(api, &id).await;
        plane
    }

    pub(crate) fn spawn(
        control_plane: std::net::SocketAddr,
        id: &str,
        client_id: &str,
        secret: &str,
        store: &Store,
        extra: &[(&str, &str)],
    ) -> Plane {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian-dataplane"));
        command
            .env("MERIDIAN_URL", format!("http://{control_plane}"))
            .env("DATAPLANE_CLIENT_ID", client_id)
            .env("DATAPLANE_CLIENT_SECRET", secret)
            .env("DATAPLANE_HEARTBEAT_INTERVAL", "1")
            .env("DATAPLANE_LISTEN", "127.0.0.1:0")
            .env("DATAPLANE_DATABASE_URL", &store.url)
            .env("DATAPLANE_ENCRYPTION_KEY", &store.key)
            .env("DATAPLANE_LOG", "debug")
            .env(
                "DATAPLANE_WORK_DIR",
                std::env::temp_dir().join(format!("meridian-work-{}", Uuid::new_v4().simple())),
            )
            .env("NO_COLOR", "1");
        for (name, value) in extra {
            command.env(name, value);
        }
        let mut child = command
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the data plane binary starts");
        let log = ProcessLog::of_stderr(&mut child);
        Plane {
            child,
            log,
            id: id.to_owned(),
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            url: String::new(),
        }
    }

    pub(crate) fn log(&self) -> String {
        self.log.text()
    }

    /// Calls the regional API with `token`.
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = http_client()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    pub(crate) async fn put_secret(
        &self,
        token: &str,
        workspace: &str,
        name: &str,
        value: &str,
    ) -> StatusCode {
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/workspaces/{workspace}/secrets/{name}"),
            token,
            Some(json!({ "value": value })),
        )
        .await
        .0
    }

    async fn secret_names(&self, token: &str, workspace: &str) -> (StatusCode, Vec<String>) {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/workspaces/{workspace}/secrets"),
                token,
                None,
            )
            .await;
        let names = body["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        (status, names)
    }
}

/// Waits until the control plane lists the data plane's regional URL.
pub(crate) async fn wait_for_url(api: &Api, id: &str) -> String {
    let started = Instant::now();
    loop {
        let (_, got) = api.get(&format!("/dataplanes/{id}")).await;
        if let Some(url) = got["url"].as_str() {
            return url.to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the data plane never reported its regional URL: {got}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A scoped token for `workspace` from the public API.
pub(crate) async fn scoped_token(api: &Api, workspace: &str) -> Value {
    let (status, body) = api
        .post(&format!("/workspaces/{workspace}/scoped-token"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(crate) fn token_of(grant: &Value) -> String {
    grant["token"].as_str().unwrap().to_owned()
}

/// Region `auto` of the default organization and its default workspace.
async fn auto_and_default(app: &TestApp) -> (Uuid, String) {
    let org = meridian::domain::DEFAULT_ORGANIZATION_ID;
    let region = app.region_id(org, "auto").await;
    let workspace = sqlx::query_scalar::<_, Uuid>(
        "select id from workspaces where organization_id = $1 order by created_at limit 1",
    )
    .bind(org)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (region, workspace.to_string())
}

#[sqlx::test]
async fn a_scoped_token_is_for_one_workspace_in_one_region_and_is_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let store = Store::create().await;
    let (region, workspace) = auto_and_default(&app).await;
    let plane = Plane::start(&app, &api, region, "eu-1", &store).await;

    let grant = scoped_token(&api, &workspace).await;
    assert_eq!(grant["workspaceId"], workspace.as_str());
    assert_eq!(grant["regionId"], region.to_string());
    assert_eq!(grant["access"], json!(["read", "write"]));
    assert_eq!(grant["dataplaneUrls"], json!([plane.url]));
    let expires = time::OffsetDateTime::parse(
        grant["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let lifetime = expires - time::OffsetDateTime::now_utc();
    assert!(lifetime <= time::Duration::seconds(300) && lifetime > time::Duration::seconds(290));

    // The claims name the organization, workspace, region (the audience) and caller.
    let token = token_of(&grant);
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: ScopedClaims = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims.aud, scoped::region_audience(region));
    assert_eq!(claims.ws.to_string(), workspace);
    assert_eq!(claims.org, meridian::domain::DEFAULT_ORGANIZATION_ID);
    assert_eq!(claims.sub, api.user_id);
    assert_eq!(claims.exp - claims.iat, scoped::LIFETIME_SECS);

    // Audited: who, which workspace, which region; never the token.
    let (actor, object, after): (String, Option<Uuid>, Value) = sqlx::query_as(
        "select actor, object_id, after from audit_events where action = 'workspace.scoped_token'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!actor.is_empty());
    assert_eq!(object.unwrap().to_string(), workspace);
    assert_eq!(after["regionId"], region.to_string());
    let everything: String =
        sqlx::query_scalar("select string_agg(a::text, '') from audit_events a")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!everything.contains(&token));

    // Outsiders get what they get for any workspace of another organization.
    let other = app.other_organization().await;
    let stranger = app.api_as(other, meridian::domain::OrgRole::Admin).await;
    let (status, _) = stranger
        .post(&format!("/workspaces/{workspace}/scoped-token"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .post(
            &format!("/workspaces/{}/scoped-token", Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The scoped token is no key to the control plane's API.
    let (status, _) = read(
        http_client()
            .get(format!("http://{}/api/public/v1/workspaces", app.addr))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn the_jwks_lists_public_keys_only_and_keeps_a_rotated_key(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let http = http_client();
    let jwks: Value = http
        .get(format!("http://{}/.well-known/jwks.json", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[0]["alg"], "EdDSA");
    assert!(keys[0].get("d").is_none(), "a private key was published");

    let api = app.api_admin().await;
    let store = Store::create().await;
    let (region, workspace) = auto_and_default(&app).await;
    let plane = Plane::start(&app, &api, region, "eu-1", &store).await;
    let before = token_of(&scoped_token(&api, &workspace).await);
    assert_eq!(
        plane.put_secret(&before, &workspace, "OLD_KEY", "x").await,
        StatusCode::CREATED
    );

    let new_kid = meridian::ops::keys::rotate_signing_key(
        &app.state,
        &meridian::db::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    let jwks: Value = http
        .get(format!("http://{}/.well-known/jwks.json", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "the retired key stays listed: {jwks}");
    assert_eq!(kids[0], new_kid);
    // Tokens of both keys work at the data plane: the new key is fetched on first sight.
    let after = token_of(&scoped_token(&api, &workspace).await);
    assert_ne!(
        jsonwebtoken::decode_header(&after).unwrap().kid.unwrap(),
        jsonwebtoken::decode_header(&before).unwrap().kid.unwrap()
    );
    assert_eq!(
        plane.secret_names(&after, &workspace).await.0,
        StatusCode::OK
    );
    assert_eq!(
        plane.secret_names(&before, &workspace).await.0,
        StatusCode::OK
    );
    assert_eq!(app.audit_count("signing_key.rotate").await, 1);
}

#[sqlx::test]
async fn the_region_keeps_serving_while_the_control_plane_is_down(pool: PgPool) {
    let mut app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let store = Store::create().await;
    let (region, workspace) = auto_and_default(&app).await;
    let plane = Plane::start(&app, &api, region, "eu-1", &store).await;
    let token = token_of(&scoped_token(&api, &workspace).await);
    // The data plane has seen the keys (a first call), then the control plane goes away.
    assert_eq!(
        plane.secret_names(&token, &workspace).await.0,
        StatusCode::OK
    );
    app.stop().await;
    assert!(
        http_client()
            .get(format!("http://{}/healthz", app.addr))
            .send()
            .await
            .is_err(),
        "the control plane is still up"
    );
    assert_eq!(
        plane
            .put_secret(&token, &workspace, "DATABASE_PASSWORD", "hunter2")
            .await,
        StatusCode::CREATED
    );
    assert_eq!(
        plane
            .call(
                reqwest::Method::PUT,
                &format!("/v1/workspaces/{workspace}/config/BATCH_SIZE"),
                &token,
                Some(json!({"value": "500"})),
            )
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, names) = plane.secret_names(&token, &workspace).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names, ["DATABASE_PASSWORD"]);

    // Even a data plane started while the control plane is down serves the tokens it issued:
    // the region and the keys are in the store.
    let mut second = Plane::spawn(
        app.addr,
        &plane.id,
        &plane.client_id,
        &plane.secret,
        &store,
        &[],
    );
    let started = Instant::now();
    let url = loop {
        if let Some(url) = second
            .log()
            .lines()
            .filter(|l| l.contains("regional API served"))
            .find_map(|l| {
                l.split("url=")
                    .nth(1)
                    .map(|u| u.split_whitespace().next().unwrap().to_owned())
            })
        {
            break url;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            second.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    second.url = url;
    let (status, names) = second.secret_names(&token, &workspace).await;
    assert_eq!(status, StatusCode::OK, "{}", second.log());
    assert_eq!(names, ["DATABASE_PASSWORD"]);
    drop(second);
    app.restart().await;
}

#[sqlx::test]
async fn tokens_for_another_region_workspace_or_purpose_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (auto, workspace) = auto_and_default(&app).await;
    let (status, eu) = api
        .post("/regions", json!({"name": "eu", "organizationId": org()}))
        .await;
    assert_eq!(status, StatusCode::OK, "{eu}");
    let eu = eu["regionId"].as_str().unwrap().parse::<Uuid>().unwrap();
    let (status, in_eu) = api
        .post(
            "/workspaces",
            json!({"name": "EU analytics", "regionId": eu}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{in_eu}");
    let in_eu = in_eu["workspaceId"].as_str().unwrap().to_owned();
    let (status, sibling) = api
        .post("/workspaces", json!({"name": "Sibling", "regionId": auto}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let sibling = sibling["workspaceId"].as_str().unwrap().to_owned();
    let (store_a, store_b) = (Store::create().await, Store::create().await);
    let plane_a = Plane::start(&app, &api, auto, "auto-2", &store_a).await;
    let plane_b = Plane::start(&app, &api, eu, "eu-1", &store_b).await;

    let token_a = token_of(&scoped_token(&api, &workspace).await);
    assert_eq!(
        plane_a.put_secret(&token_a, &workspace, "K", "v").await,
        StatusCode::CREATED
    );
    // Region A's token at region B's data plane: another audience.
    assert_eq!(
        plane_b.secret_names(&token_a, &workspace).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        plane_b.put_secret(&token_a, &in_eu, "K", "v").await,
        StatusCode::UNAUTHORIZED
    );
    // Workspace W's token for workspace V of the same region.
    assert_eq!(
        plane_a.secret_names(&token_a, &sibling).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        plane_a.put_secret(&token_a, &sibling, "K", "v").await,
        StatusCode::FORBIDDEN
    );

    // Forged and foreign tokens.
    let claims = |exp_offset: i64| {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        ScopedClaims {
            sub: api.user_id,
            name: "forger".into(),
            org: meridian::domain::DEFAULT_ORGANIZATION_ID,
            ws: workspace.parse().unwrap(),
            region: auto,
            access: vec![Access::Read, Access::Write],
            aud: scoped::region_audience(auto),
            iss: String::new(),
            iat: now - 600,
            exp: now + exp_offset,
        }
    };
    let expired = app.state.tokens.issue_scoped(&mut claims(-1)).unwrap();
    let mut tampered = token_a.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let mut unsigned_claims = serde_json::to_value(claims(300)).unwrap();
    unsigned_claims["iss"] = json!("meridian");
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&unsigned_claims)
    );
    // Signed with the control plane's own key, but claiming another issuer.
    let key = meridian::db::keys::signing_keys(&app.pool)
        .await
        .unwrap()
        .remove(0);
    let der = {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        ed25519_dalek::SigningKey::from_bytes(&key.private_key.clone().try_into().unwrap())
            .to_pkcs8_der()
            .unwrap()
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    let mut foreign = serde_json::to_value(claims(300)).unwrap();
    foreign["iss"] = json!("someone-else");
    let wrong_issuer = jsonwebtoken::encode(
        &header,
        &foreign,
        &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
    )
    .unwrap();
    // A token signed by a key the control plane never published, naming a kid of its own.
    let stranger_key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let mut stranger_header = header.clone();
    stranger_header.kid = Some("not-a-published-key".into());
    let mut good_claims = serde_json::to_value(claims(300)).unwrap();
    good_claims["iss"] = json!("meridian");
    let unknown_key = {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        jsonwebtoken::encode(
            &stranger_header,
            &good_claims,
            &jsonwebtoken::EncodingKey::from_ed_der(
                stranger_key.to_pkcs8_der().unwrap().as_bytes(),
            ),
        )
        .unwrap()
    };
    let (api_token, _) = app
        .state
        .tokens
        .issue(api.user_id, api.application_id, 0)
        .unwrap();
    let (plane_token, _) = app
        .state
        .tokens
        .issue_data_plane(plane_a.id.parse().unwrap(), Uuid::new_v4())
        .unwrap();
    for (what, bad) in [
        ("expired", expired),
        ("tampered", tampered),
        ("alg none", alg_none),
        ("wrong issuer", wrong_issuer),
        ("unknown key", unknown_key),
        ("public API token", api_token),
        ("data plane token", plane_token),
        ("garbage", "not.a.token".to_owned()),
    ] {
        assert_eq!(
            plane_a.put_secret(&bad, &workspace, "FORGED", "x").await,
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
        assert_eq!(
            plane_a.secret_names(&bad, &workspace).await.0,
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
    }
    let (status, _) = read(
        http_client()
            .get(format!("{}/v1/workspaces/{workspace}/secrets", plane_a.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        plane_a.secret_names(&token_a, &workspace).await.1,
        ["K"],
        "nothing forged was stored"
    );

    // A reader may list but not set or delete.
    let reader = app
        .api_as(
            meridian::domain::DEFAULT_ORGANIZATION_ID,
            meridian::domain::OrgRole::Member,
        )
        .await;
    let grant = scoped_token(&reader, &workspace).await;
    assert_eq!(grant["access"], json!(["read"]));
    let reader_token = token_of(&grant);
    assert_eq!(
        plane_a.secret_names(&reader_token, &workspace).await,
        (StatusCode::OK, vec!["K".to_owned()])
    );
    assert_eq!(
        plane_a
            .put_secret(&reader_token, &workspace, "K", "changed")
            .await,
        StatusCode::FORBIDDEN
    );
    let (status, _) = plane_a
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/workspaces/{workspace}/secrets/K"),
            &reader_token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A data plane of region B pointed at region A's store refuses to serve it.
    let (_, created) = api
        .post(
            &format!("/regions/{eu}/dataplanes"),
            json!({"name": "eu-2"}),
        )
        .await;
    let mut misplaced = Plane::spawn(
        app.addr,
        created["dataplaneId"].as_str().unwrap(),
        created["clientId"].as_str().unwrap(),
        created["clientSecret"].as_str().unwrap(),
        &store_a,
        &[],
    );
    misplaced.url = wait_for_url(&api, created["dataplaneId"].as_str().unwrap()).await;
    let started = Instant::now();
    while !misplaced.log().contains("belongs to another region") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            misplaced.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token_b = token_of(&scoped_token(&api, &in_eu).await);
    assert_eq!(
        misplaced.secret_names(&token_b, &in_eu).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        plane_b.secret_names(&token_b, &in_eu).await.0,
        StatusCode::OK
    );
}

#[sqlx::test]
async fn bad_input_is_refused_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let store = Store::create().await;
    let (region, workspace) = auto_and_default(&app).await;
    let plane = Plane::start(&app, &api, region, "eu-1", &store).await;
    let token = token_of(&scoped_token(&api, &workspace).await);
    for name in ["1ABC", "a-b", "with%20space", &"A".repeat(129)] {
        assert_eq!(
            plane.put_secret(&token, &workspace, name, "v").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
    }
    let too_big = "x".repeat(64 * 1024 + 1);
    assert_eq!(
        plane.put_secret(&token, &workspace, "BIG", &too_big).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, problem) = plane
        .call(
            reqwest::Method::PUT,
            &format!("/v1/workspaces/{workspace}/secrets/OK"),
            &token,
            Some(json!({"wrong": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["detail"].is_string());
    let (status, _) = plane
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/workspaces/{workspace}/secrets/MISSING"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        plane.secret_names(&token, &workspace).await.1,
        Vec::<String>::new()
    );
    // Setting again replaces (204), and the API describes itself.
    assert_eq!(
        plane.put_secret(&token, &workspace, "OK", "1").await,
        StatusCode::CREATED
    );
    assert_eq!(
        plane.put_secret(&token, &workspace, "OK", "2").await,
        StatusCode::NO_CONTENT
    );
    let doc: Value = http_client()
        .get(format!("{}/v1/openapi.json", plane.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/workspaces/{workspaceId}/secrets"]["get"].is_object());
    // Browsers may call it from the control plane's pages only.
    let preflight = http_client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/workspaces/{workspace}/secrets", plane.url),
        )
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let preflight = http_client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/workspaces/{workspace}/secrets", plane.url),
        )
        .header("origin", format!("http://{}", app.addr))
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        format!("http://{}", app.addr).as_str()
    );
}

#[sqlx::test]
async fn two_data_planes_of_a_region_share_their_store(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let store = Store::create().await;
    let (region, workspace) = auto_and_default(&app).await;
    let one = Plane::start(&app, &api, region, "eu-1", &store).await;
    let two = Plane::start(&app, &api, region, "eu-2", &store).await;
    let grant = scoped_token(&api, &workspace).await;
    let urls: Vec<&str> = grant["dataplaneUrls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(
        urls.contains(&one.url.as_str()) && urls.contains(&two.url.as_str()),
        "{grant}"
    );
    let token = token_of(&grant);
    // The second keeps a copy of the (empty) listing; the first's change reaches it through
    // the store's notification, well before the copy would expire.
    assert!(two.secret_names(&token, &workspace).await.1.is_empty());
    assert_eq!(
        one.put_secret(&token, &workspace, "SHARED", "v").await,
        StatusCode::CREATED
    );
    let changed = Instant::now();
    while two.secret_names(&token, &workspace).await.1 != ["SHARED"] {
        assert!(
            changed.elapsed() < meridian::coherent::TTL / 2,
            "the other data plane still lists the old secrets"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        two.put_secret(&token, &workspace, "SHARED", "w").await,
        StatusCode::NO_CONTENT
    );
    // Sealed with the region's key, whichever data plane wrote it: both can open it.
    let sealed: Vec<u8> = sqlx::query_scalar("select value_encrypted from workspace_secrets")
        .fetch_one(&store.pool().await)
        .await
        .unwrap();
    let sealer = meridian::sealed::SecretBox::from_base64(&store.key).unwrap();
    let context =
        meridian::dataplane::regional::secret_context(workspace.parse().unwrap(), "SHARED");
    assert_eq!(sealer.open(&sealed, &context).unwrap(), b"w");
    // A disabled data plane is no longer offered to clients.
    let (status, _) = api
        .patch(
            &format!("/dataplanes/{}", two.id),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let grant = scoped_token(&api, &workspace).await;
    assert_eq!(grant["dataplaneUrls"], json!([one.url]));
}

/// The control plane as a real process at debug level, the data plane beside it: a secret set
/// through the data plane is nowhere in the control plane's database or logs, and only
/// encrypted in the region's store. The command line takes the same way.
#[sqlx::test]
async fn a_secret_never_reaches_the_control_plane(pool: PgPool) {
    let database: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let database_url = with_database(&server_url(), &database);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let meridian = env!("CARGO_BIN_EXE_meridian");
    let env = |cmd: &mut tokio::process::Command| {
        cmd.env("DATABASE_URL", &database_url)
            .env("MERIDIAN_LISTEN", addr.to_string())
            .env("MERIDIAN_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("MERIDIAN_ADMIN_PASSWORD", PASSWORD)
            .env("MERIDIAN_LOG", "debug")
            .env("NO_COLOR", "1");
    };
    let mut server = tokio::process::Command::new(meridian);
    env(&mut server);
    let mut server = server
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let server_log = ProcessLog::of_stderr(&mut server);
    server_log.follow(server.stdout.take().unwrap());
    let http = http_client();
    wait_until_up(addr).await;
    let credentials = create_application_with_cli(env, "cli").await;
    let client_id = credentials["clientId"].as_str().unwrap().to_owned();
    let client_secret = credentials["clientSecret"].as_str().unwrap().to_owned();
    let token: Value = http
        .post(format!("http://{addr}/api/public/v1/applications/token"))
        .json(&json!({"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api = Api {
        http: http_client(),
        base: format!("http://{addr}/api/public/v1"),
        token: token["access_token"].as_str().unwrap().to_owned(),
        application_id: Uuid::nil(),
        client_id: client_id.clone(),
        client_secret: client_secret.clone(),
        user_id: Uuid::nil(),
    };
    let (_, regions) = api.get(&format!("/regions?organizationId={}", org())).await;
    let region: Uuid = regions["data"][0]["regionId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, workspaces) = api.get("/workspaces").await;
    let workspace = workspaces["data"][0]["workspaceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let store = Store::create().await;
    let (status, created) = api
        .post(
            &format!("/regions/{region}/dataplanes"),
            json!({"name": "eu-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let plane = Plane::spawn(
        addr,
        created["dataplaneId"].as_str().unwrap(),
        created["clientId"].as_str().unwrap(),
        created["clientSecret"].as_str().unwrap(),
        &store,
        &[],
    );
    wait_for_url(&api, &plane.id).await;

    // The command line: secret from standard input, configuration from arguments. (Async
    // processes: the servers' logs are read on this runtime and must keep flowing.)
    let secret = format!("s3cr3t-{}", Uuid::new_v4().simple());
    let cli = |args: &[&str]| {
        let mut command = tokio::process::Command::new(meridian);
        command
            .env_remove("DATABASE_URL")
            .env("MERIDIAN_URL", format!("http://{addr}"))
            .env("MERIDIAN_CLIENT_ID", &client_id)
            .env("MERIDIAN_CLIENT_SECRET", &client_secret)
            .env("MERIDIAN_LOG", "warn")
            .args(args)
            .arg("--workspace")
            .arg(&workspace)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    };
    let mut set = cli(&["secrets", "set", "DATABASE_PASSWORD"])
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = set.stdin.take().unwrap();
        stdin
            .write_all(format!("{secret}\n").as_bytes())
            .await
            .unwrap();
    }
    let out = set.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(&["secrets", "list"]).output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.starts_with("DATABASE_PASSWORD\t"), "{listed}");
    assert!(!listed.contains(&secret));
    assert!(
        cli(&["config", "set", "BATCH_SIZE", "500"])
            .output()
            .await
            .unwrap()
            .status
            .success()
    );
    let got = cli(&["config", "get", "BATCH_SIZE"])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&got.stdout).trim(), "500");
    let refused = cli(&["secrets", "delete", "bad-name"])
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("422"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Work in the region: code deployed and a job run from the command line; the run gets
    // the secret and the configuration in its environment, and its log (which prints the
    // secret) and output stay in the region.
    let marker = format!("output-{}", Uuid::new_v4().simple());
    let code = std::env::temp_dir().join(format!("meridian-job-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("meridian.json"),
        r#"{"command": ["./export.sh", "--verbose"]}"#,
    )
    .unwrap();
    std::fs::write(
        code.join("export.sh"),
        format!("#!/bin/sh\necho \"password=$DATABASE_PASSWORD batch=$BATCH_SIZE arg=$1\"\necho {marker} > \"$MERIDIAN_OUTPUT_DIR/result.txt\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(
        code.join("export.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = cli(&["deploy", "exporter", code.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("exporter version 1"));
    let (status, job) = api
        .post(
            "/jobs",
            json!({"workspaceId": workspace, "name": "export", "deployment": "exporter"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let out = cli(&["run", "export", "--follow"]).output().await.unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{printed}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        plane.log()
    );
    assert!(
        printed.contains(&format!("password={secret} batch=500 arg=--verbose")),
        "{printed}"
    );
    let run_id = printed.lines().next().unwrap().trim().to_owned();
    let out = cli(&["logs", &run_id]).output().await.unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("batch=500"));
    let (_, run) = api.get(&format!("/runs/{run_id}")).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["dataplaneId"].as_str(), Some(plane.id.as_str()));
    assert!(run["outputBytes"].as_i64().unwrap() > 0);
    std::fs::remove_dir_all(&code).unwrap();

    // In the region's store, sealed: the plaintext is not there.
    let sealed: Vec<u8> = sqlx::query_scalar("select value_encrypted from workspace_secrets")
        .fetch_one(&store.pool().await)
        .await
        .unwrap();
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_bytes()));
    let context = meridian::dataplane::regional::secret_context(
        workspace.parse().unwrap(),
        "DATABASE_PASSWORD",
    );
    assert_eq!(
        meridian::sealed::SecretBox::from_base64(&store.key)
            .unwrap()
            .open(&sealed, &context)
            .unwrap(),
        secret.as_bytes()
    );
    // Not in the control plane's database, not in its debug log, not in the data plane's.
    let dump = std::process::Command::new("pg_dump")
        .arg(&database_url)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(dump.stdout.len() > 10_000, "the dump is suspiciously small");
    assert!(
        !dump
            .stdout
            .windows(secret.len())
            .any(|w| w == secret.as_bytes()),
        "the secret is in the control plane's database"
    );
    let server_log = server_log.text();
    assert!(
        server_log.contains("DEBUG"),
        "the control plane did not log at debug level"
    );
    assert!(
        !server_log.contains(&secret),
        "the secret is in the control plane's log"
    );
    assert!(
        !plane.log().contains(&secret),
        "the secret is in the data plane's log"
    );
    // Nor the run's output, nor a line of its log.
    for kept_in_region in [marker.as_str(), "batch=500 arg=--verbose"] {
        assert!(
            !dump
                .stdout
                .windows(kept_in_region.len())
                .any(|w| w == kept_in_region.as_bytes()),
            "{kept_in_region} is in the control plane's database"
        );
        assert!(
            !server_log.contains(kept_in_region),
            "{kept_in_region} is in the control plane's log"
        );
    }
    let _ = server.start_kill();
}

/// The regional API over TLS, from a configured certificate and key.
#[sqlx::test]
async fn the_regional_api_speaks_tls_with_a_configured_certificate(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let store = Store::create().await;
    let (region, workspace) = auto_and_default(&app).await;
    let dir = std::env::temp_dir().join(format!("meridian-tls-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (_, created) = api
        .post(
            &format!("/regions/{region}/dataplanes"),
            json!({"name": "tls"}),
        )
        .await;
    let plane = Plane::spawn(
        app.addr,
        created["dataplaneId"].as_str().unwrap(),
        created["clientId"].as_str().unwrap(),
        created["clientSecret"].as_str().unwrap(),
        &store,
        &[
            ("DATAPLANE_TLS_CERT", cert.to_str().unwrap()),
            ("DATAPLANE_TLS_KEY", key.to_str().unwrap()),
        ],
    );
    let url = wait_for_url(&api, &plane.id).await;
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let token = token_of(&scoped_token(&api, &workspace).await);
    let trusting = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let listed = trusting
        .get(format!("{url}/v1/workspaces/{workspace}/secrets"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    // Plain HTTP on the TLS port gets nowhere.
    let plain = url.replace("https://", "http://");
    let refused = http_client()
        .get(format!("{plain}/v1/workspaces/{workspace}/secrets"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(refused.map(|r| !r.status().is_success()).unwrap_or(true));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An organization's admin controls what its agents report: a URL that is not a plain
/// `http(s)://host[:port][/path]` is refused, so the dashboard never frames, and clients are
/// never sent to, a `javascript:` address or one carrying credentials.
#[sqlx::test]
async fn a_data_plane_cannot_report_a_dangerous_url(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (region, _) = auto_and_default(&app).await;
    let (_, created) = api
        .post(
            &format!("/regions/{region}/dataplanes"),
            json!({"name": "rogue"}),
        )
        .await;
    let base = format!("http://{}/api/v1/dataplanes", app.addr);
    let http = http_client();
    let (_, token) = read(
        http.post(format!("{base}/token"))
            .json(&json!({
                "client_id": created["clientId"],
                "client_secret": created["clientSecret"],
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    for bad in [
        "javascript:alert(1)",
        "https://user:password@dp.example.com",
        "https://dp.example.com/?next=https://evil.example",
        "https://dp.example.com/\"><script>",
        "data:text/html,hi",
    ] {
        let (status, problem) = read(
            http.post(format!("{base}/initialize"))
                .bearer_auth(&token)
                .json(&json!({"version": "1", "hostname": "h", "publicUrl": bad}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
    }
    let (_, got) = api
        .get(&format!(
            "/dataplanes/{}",
            created["dataplaneId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got["url"], Value::Null);
    let (status, _) = read(
        http.post(format!("{base}/initialize"))
            .bearer_auth(&token)
            .json(&json!({"publicUrl": "https://dp1.eu.example.com:8443/"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, got) = api
        .get(&format!(
            "/dataplanes/{}",
            created["dataplaneId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got["url"], "https://dp1.eu.example.com:8443");
}
