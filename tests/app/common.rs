//! The test harness: the real application on a random port over a fresh database, and an
//! HTTP client with its own cookie jar per signed-in user.

#![allow(dead_code)]

use meridian::auth::password;
use meridian::config::Config;
use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, Name, OrgRole};
use meridian::state::AppState;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::net::SocketAddr;
use uuid::Uuid;

/// The first organization a user belongs to (the default one for an instance admin in none).
pub async fn first_organization(pool: &PgPool, user_id: Uuid) -> Uuid {
    db::organizations::memberships(pool, user_id)
        .await
        .unwrap()
        .first()
        .map(|m| m.organization_id)
        .unwrap_or(DEFAULT_ORGANIZATION_ID)
}

/// An application of `user_id` acting in `organization`, as if made on its settings page.
pub async fn create_application(
    state: &AppState,
    organization: Uuid,
    user_id: Uuid,
    name: &str,
) -> (
    meridian::domain::Application,
    meridian::auth::secrets::ClientSecret,
) {
    let user = db::users::get(&state.pool, user_id).await.unwrap().unwrap();
    let access = meridian::auth::authorize(&state.pool, user, None, organization, OrgRole::Member)
        .await
        .unwrap();
    meridian::ops::applications::create(state, &access, &Name::parse(name).unwrap())
        .await
        .unwrap()
}

/// A form body: field names and values.
pub type Form<'a> = Vec<(&'a str, &'a str)>;

pub const ADMIN_EMAIL: &str = "admin@example.com";

/// No request of a test waits longer than this: a stuck server fails the test instead of
/// hanging the run.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An HTTP client for tests, with [`REQUEST_TIMEOUT`].
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: SocketAddr,
    pub pool: PgPool,
    /// The server's state, built from [`TestApp::config`] as `meridian serve` builds its own.
    pub state: AppState,
    /// Stops the server (see [`TestApp::stop`]).
    stop: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
}

/// A browser-like client: keeps cookies, never follows redirects (tests look at them).
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl TestApp {
    /// The configuration tests run with: a fixed encryption key (so SSO secrets saved before
    /// a restart still decrypt after it), identity providers on 127.0.0.1 allowed, and health
    /// thresholds short enough to see a data plane turn healthy, then degraded.
    pub fn config() -> Config {
        use base64::Engine;
        Config {
            data_dir: std::env::temp_dir().join(format!("meridian-test-{}", Uuid::new_v4())),
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_email: ADMIN_EMAIL.into(),
            admin_password: Some(PASSWORD.into()),
            encryption_key: Some(base64::engine::general_purpose::STANDARD.encode([42u8; 32])),
            allow_local_issuers: true,
            allow_local_webhooks: true,
            allow_local_buckets: true,
            audit_retry_base: std::time::Duration::from_secs(1),
            health_watch_every: std::time::Duration::from_secs(1),
            webhook_retry_base: std::time::Duration::from_secs(1),
            health: meridian::domain::HealthThresholds {
                healthy_within: time::Duration::seconds(5),
                degraded_within: time::Duration::seconds(30),
            },
            ..Config::default()
        }
    }

    /// Boots the app the way `meridian serve` does (first-start setup included) on port 0.
    pub async fn spawn(pool: PgPool) -> TestApp {
        Self::spawn_with(pool, Self::config()).await
    }

    /// Like [`TestApp::spawn`], looking up domain proofs at a DNS server of its own.
    pub async fn spawn_with_dns(pool: PgPool) -> (TestApp, super::dns::DnsServer) {
        let dns = super::dns::DnsServer::start().await;
        let config = Config {
            dns_server: Some(dns.addr),
            ..Self::config()
        };
        (Self::spawn_with(pool, config).await, dns)
    }

    /// Boots the app with `config` (see [`TestApp::config`]).
    pub async fn spawn_with(pool: PgPool, config: Config) -> TestApp {
        meridian::bootstrap::run(&pool, &config)
            .await
            .expect("first-start setup");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::from_config(
            &Config {
                listen: addr,
                ..config
            },
            pool.clone(),
        )
        .await
        .expect("application state");
        meridian::jobs::spawn_run_upkeep(pool.clone(), state.wakeups.clone());
        let mut app = TestApp {
            addr,
            pool,
            state,
            stop: None,
        };
        app.serve(listener).await;
        app
    }

    async fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = meridian::server::router(self.state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        self.stop = Some((stop, server));
    }

    /// Stops the server, as if the control plane went down; open connections are closed.
    pub async fn stop(&mut self) {
        if let Some((stop, server)) = self.stop.take() {
            let _ = stop.send(());
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
        }
    }

    /// Starts the server again on the same address.
    pub async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener).await;
    }

    pub fn client(&self) -> Client {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            base: format!("http://{}", self.addr),
        }
    }

    /// A client signed in as the instance admin.
    pub async fn admin(&self) -> Client {
        let client = self.client();
        client.sign_in(ADMIN_EMAIL, PASSWORD).await;
        client
    }

    /// Creates a user with `role` in `organization` and returns a client signed in as them.
    pub async fn user_in(&self, organization: Uuid, role: OrgRole) -> Client {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        let hash = password::hash(PASSWORD);
        let id = db::users::create(
            &self.pool,
            &Email::parse(&email).unwrap(),
            "Test User",
            Some(&hash),
            false,
        )
        .await
        .unwrap();
        db::organizations::add_member(&self.pool, organization, id, role)
            .await
            .unwrap();
        let client = self.client();
        client.sign_in(&email, PASSWORD).await;
        client
    }

    /// A person with an account (password [`PASSWORD`]) who belongs to no organization yet;
    /// returns their id and a client signed in as them.
    pub async fn person(&self, email: &str) -> (Uuid, Client) {
        let id = db::users::create(
            &self.pool,
            &Email::parse(email).unwrap(),
            "Someone",
            Some(&password::hash(PASSWORD)),
            false,
        )
        .await
        .unwrap();
        let client = self.client();
        client.sign_in(email, PASSWORD).await;
        (id, client)
    }

    /// A second organization (with its own region `auto` and default workspace).
    pub async fn other_organization(&self) -> Uuid {
        meridian::ops::organizations::create_by_operator(
            &self.state,
            &db::audit::Actor::system("test"),
            &Name::parse("Other Org").unwrap(),
            None,
        )
        .await
        .unwrap()
        .id
    }

    pub async fn region_id(&self, organization: Uuid, name: &str) -> Uuid {
        sqlx::query_scalar(
            "select id from regions where organization_id = $1 and lower(name) = lower($2)",
        )
        .bind(organization)
        .bind(name)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    pub async fn workspace_id(&self, organization: Uuid, name: &str) -> Uuid {
        sqlx::query_scalar(
            "select id from workspaces where organization_id = $1 and lower(name) = lower($2)",
        )
        .bind(organization)
        .bind(name)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    pub async fn audit_count(&self, action: &str) -> i64 {
        sqlx::query_scalar("select count(*) from audit_events where action = $1")
            .bind(action)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn revision(&self, table: &str, id: Uuid) -> i32 {
        sqlx::query_scalar(&format!("select revision from {table} where id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

impl Client {
    /// Calls a server function the way the hydrated page does (fetch, form-encoded body).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_form(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        referer: &str,
    ) -> Response {
        self.http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", format!("{}{referer}", self.base))
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, email: &str, password: &str) {
        let res = self
            .call(
                "session/sign-in",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "sign-in of {email} failed: {}",
            res.text().await.unwrap()
        );
    }
}

/// The error body of a failed server function call, with its status.
pub async fn error_of(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let body = res.text().await.unwrap();
    let json =
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON ({status}): {body}"));
    (status, json)
}

/// The message a failed call attached to `field`.
pub fn field_message(error: &Value, field: &str) -> Option<String> {
    error["fields"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == field)
        .and_then(|f| f["message"].as_str().map(str::to_owned))
}

/// Where a successful call asked the browser to go.
pub fn redirect_target(res: &Response) -> Option<String> {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub fn org() -> String {
    DEFAULT_ORGANIZATION_ID.to_string()
}

/// A public API client holding an application's credentials and a bearer token.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub application_id: Uuid,
    pub client_id: String,
    pub client_secret: String,
    pub user_id: Uuid,
}

impl TestApp {
    /// An application owned by a new user with `role` in `organization`, with a token.
    pub async fn api_as(&self, organization: Uuid, role: OrgRole) -> Api {
        let email = format!("api-{}@example.com", Uuid::new_v4().simple());
        let user_id = db::users::create(
            &self.pool,
            &Email::parse(&email).unwrap(),
            "API User",
            None,
            false,
        )
        .await
        .unwrap();
        db::organizations::add_member(&self.pool, organization, user_id, role)
            .await
            .unwrap();
        self.api_for(user_id).await
    }

    /// An application owned by the instance admin, with a token.
    pub async fn api_admin(&self) -> Api {
        let user = db::users::find_by_email(&self.pool, &Email::parse(ADMIN_EMAIL).unwrap())
            .await
            .unwrap()
            .unwrap();
        self.api_for(user.id).await
    }

    /// An application of `user_id` in their first organization, with a token.
    pub async fn api_for(&self, user_id: Uuid) -> Api {
        let organization = first_organization(&self.pool, user_id).await;
        self.api_in(organization, user_id).await
    }

    /// An application of `user_id` acting in `organization`, with a token.
    pub async fn api_in(&self, organization: Uuid, user_id: Uuid) -> Api {
        let name = format!("app {}", Uuid::new_v4().simple());
        let (application, secret) =
            create_application(&self.state, organization, user_id, &name).await;
        let mut api = Api {
            http: http_client(),
            base: format!("http://{}/api/public/v1", self.addr),
            token: String::new(),
            application_id: application.id,
            client_id: application.client_id,
            client_secret: secret.expose().to_owned(),
            user_id,
        };
        let (status, body) = api
            .send(
                reqwest::Method::POST,
                "/applications/token",
                Some(serde_json::json!({
                    "client_id": api.client_id,
                    "client_secret": api.client_secret,
                    "grant_type": "client_credentials",
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "token exchange failed: {body}");
        api.token = body["access_token"].as_str().unwrap().to_owned();
        api
    }
}

impl Api {
    /// Sends a request with the bearer token; returns the status and the JSON body (`Null`
    /// when empty). Error bodies must be problem documents.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// Status and JSON body of an API answer, checking that errors are problem documents.
pub async fn read(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    if !status.is_success() {
        assert_eq!(
            content_type, "application/problem+json",
            "error answers are problem documents: {text}"
        );
        assert_eq!(body["status"], status.as_u16(), "{text}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{text}"
        );
    }
    (status, body)
}

/// The message a problem document attaches to `field`.
pub fn problem_field(problem: &Value, field: &str) -> Option<String> {
    problem["errors"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == field)
        .and_then(|f| f["message"].as_str().map(str::to_owned))
}

/// Waits until a server process answers `/healthz` at `addr` (at most a minute).
pub async fn wait_until_up(addr: SocketAddr) {
    let http = http_client();
    let started = std::time::Instant::now();
    while http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the server at {addr} did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `meridian admin create-application` for the instance admin, run with `env` (the same
/// database as the server): the credentials it prints, `{"clientId", "clientSecret"}`.
pub async fn create_application_with_cli(
    env: impl Fn(&mut tokio::process::Command),
    name: &str,
) -> Value {
    let mut create = tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian"));
    env(&mut create);
    let output = create
        .args([
            "admin",
            "create-application",
            "--email",
            ADMIN_EMAIL,
            "--name",
            name,
        ])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What a child process has written (to its stderr, or any pipe of it) so far, line by line,
/// kept as it is written: for waiting on a line, and for failure messages.
#[derive(Clone, Default)]
pub struct ProcessLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl ProcessLog {
    /// Follows `child`'s stderr, which must have been piped.
    pub fn of_stderr(child: &mut tokio::process::Child) -> ProcessLog {
        let log = ProcessLog::default();
        log.follow(child.stderr.take().expect("stderr is piped"));
        log
    }

    /// Adds the lines of `stream` (another pipe of the same process) as they come.
    pub fn follow(&self, stream: impl tokio::io::AsyncRead + Unpin + Send + 'static) {
        use tokio::io::AsyncBufReadExt;
        let sink = self.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                sink.0.lock().unwrap().push(line);
            }
        });
    }

    /// How many lines so far contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(text))
            .count()
    }

    pub fn contains(&self, text: &str) -> bool {
        self.count(text) > 0
    }

    /// Everything so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }

    /// The last `n` lines.
    pub fn tail(&self, n: usize) -> String {
        let lines = self.0.lock().unwrap();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}
