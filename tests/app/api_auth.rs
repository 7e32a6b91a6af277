//! Public API authentication: the token exchange, bearer tokens, revocation.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn the_token_endpoint_accepts_json_and_form_bodies(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let url = format!("{}/applications/token", api.base);

    let form = api
        .http
        .post(&url)
        .form(&[
            ("client_id", api.client_id.as_str()),
            ("client_secret", api.client_secret.as_str()),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        form.headers()["cache-control"],
        "no-store",
        "tokens are never cached"
    );
    let (status, body) = read(form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");

    // Airbyte's spelling of the grant field works too.
    let (status, _) = api
        .post(
            "/applications/token",
            json!({"client_id": api.client_id, "client_secret": api.client_secret, "grant-type": "client_credentials"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let res = api
        .http
        .get(format!("{}/organizations", api.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (status, orgs) = read(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        orgs["data"][0]["organizationId"],
        DEFAULT_ORGANIZATION_ID.to_string()
    );
    assert_eq!(orgs["data"][0]["email"], ADMIN_EMAIL);

    let used: Option<time::OffsetDateTime> =
        sqlx::query_scalar("select last_used_at from api_applications where id = $1")
            .bind(api.application_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(used.is_some(), "the exchange is recorded as a use");
}

#[sqlx::test]
async fn wrong_and_unknown_credentials_get_the_same_401(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let attempt = |client_id: String, secret: String| {
        let api = &api;
        async move {
            api.post(
                "/applications/token",
                json!({"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}),
            )
            .await
        }
    };
    let (s1, wrong_secret) = attempt(api.client_id.clone(), "nope".into()).await;
    let (s2, unknown_id) = attempt("app_unknown".into(), api.client_secret.clone()).await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    // The same answer, but for the request's own id.
    let (mut wrong_secret, mut unknown_id) = (wrong_secret, unknown_id);
    for problem in [&mut wrong_secret, &mut unknown_id] {
        problem.as_object_mut().unwrap().remove("requestId");
    }
    assert_eq!(wrong_secret, unknown_id, "no hint which part was wrong");

    let (status, problem) = api
        .post(
            "/applications/token",
            json!({"client_id": api.client_id, "client_secret": api.client_secret, "grant_type": "password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "grantType").is_some(), "{problem}");
    let (status, problem) = api
        .post("/applications/token", json!({"client_id": api.client_id}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}

#[sqlx::test]
async fn requests_without_a_valid_token_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut api = app.api_admin().await;
    let good = api.token.clone();

    let bad_tokens = [
        String::new(),
        "not-a-jwt".to_owned(),
        // The same claims, unsigned.
        {
            let mut parts: Vec<&str> = good.split('.').collect();
            let none = base64_url(r#"{"alg":"none","typ":"JWT"}"#);
            parts[0] = &none;
            format!("{}.{}.", parts[0], parts[1])
        },
        // The payload changed under the signature.
        {
            let parts: Vec<&str> = good.split('.').collect();
            let payload = base64_url(&format!(
                r#"{{"sub":"{}","app":"{}","aud":"meridian-public-api","iss":"meridian","iat":1,"exp":99999999999}}"#,
                uuid::Uuid::new_v4(),
                api.application_id
            ));
            format!("{}.{}.{}", parts[0], payload, parts[2])
        },
    ];
    for token in bad_tokens {
        api.token = token.clone();
        let (status, _) = api.get("/organizations").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "token {token:?}");
    }
    let res = api
        .http
        .get(format!("{}/organizations", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().contains_key("www-authenticate"));
    api.token = good;
    assert_eq!(api.get("/organizations").await.0, StatusCode::OK);
}

#[sqlx::test]
async fn expired_tokens_and_tokens_of_other_instances_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let mut api = app.api_admin().await;
    let keys = meridian::auth::tokens::TokenKeys::load(&pool)
        .await
        .unwrap();
    let an_hour_ago = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let (expired, _) = keys
        .issue_at(api.user_id, api.application_id, 0, an_hour_ago)
        .unwrap();
    let (fresh, _) = keys.issue(api.user_id, api.application_id, 0).unwrap();
    api.token = expired;
    assert_eq!(api.get("/organizations").await.0, StatusCode::UNAUTHORIZED);
    api.token = fresh;
    assert_eq!(
        api.get("/organizations").await.0,
        StatusCode::OK,
        "a token signed by this instance's key, by any replica, is accepted"
    );

    // A key this instance does not keep (another instance's) signs tokens it refuses: make
    // one, sign with it, and remove it again.
    let ours: Vec<String> = sqlx::query_scalar("select kid from token_signing_keys")
        .fetch_all(&pool)
        .await
        .unwrap();
    sqlx::query("delete from token_signing_keys")
        .execute(&pool)
        .await
        .unwrap();
    let stranger = meridian::auth::tokens::TokenKeys::load(&pool)
        .await
        .unwrap();
    let (foreign, _) = stranger.issue(api.user_id, api.application_id, 0).unwrap();
    sqlx::query("delete from token_signing_keys where not (kid = any($1))")
        .bind(&ours)
        .execute(&pool)
        .await
        .unwrap();
    api.token = foreign;
    assert_eq!(api.get("/organizations").await.0, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn deleting_an_application_revokes_its_credentials_and_tokens(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    assert_eq!(api.get("/organizations").await.0, StatusCode::OK);

    let admin = app.admin().await;
    let res = admin
        .call(
            "applications/delete",
            &[
                ("organization_id", &org()),
                ("application_id", &api.application_id.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("application.delete").await, 1);

    assert_eq!(api.get("/organizations").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = api
        .post(
            "/applications/token",
            json!({"client_id": api.client_id, "client_secret": api.client_secret, "grant_type": "client_credentials"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn users_manage_only_their_own_applications(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let res = member
        .call(
            "applications/create",
            &[("organization_id", &org()), ("name", "ci bot")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let target = redirect_target(&res).unwrap();
    assert!(target.ends_with("/secret"), "{target}");
    let app_id = target.split('/').nth_back(1).unwrap().to_owned();

    // The secret is shown once.
    let reveal = [
        ("organization_id", org()),
        ("application_id", app_id.clone()),
    ];
    let reveal: Vec<(&str, &str)> = reveal.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first: serde_json::Value = member
        .call("applications/reveal", &reveal)
        .await
        .json()
        .await
        .unwrap();
    let secret = first["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43);
    let second: serde_json::Value = member
        .call("applications/reveal", &reveal)
        .await
        .json()
        .await
        .unwrap();
    assert!(second.is_null());
    let stored: Vec<u8> =
        sqlx::query_scalar("select secret_hash from api_applications where id = $1::uuid")
            .bind(&app_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_ne!(stored, secret.as_bytes(), "only a hash is stored");

    // Duplicate names are refused with the field named.
    let dup = member
        .call(
            "applications/create",
            &[("organization_id", &org()), ("name", "CI BOT")],
        )
        .await;
    let (status, error) = error_of(dup).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(field_message(&error, "name").is_some(), "{error}");

    // Someone else cannot delete it.
    let admin = app.admin().await;
    let res = admin.call("applications/delete", &reveal).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page: serde_json::Value = member
        .call("applications/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["applications"].as_array().unwrap().len(), 1);
}

#[sqlx::test]
async fn the_command_line_creates_an_application(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let options = pool.connect_options();
    let url = format!(
        "postgres://postgres@127.0.0.1:5432/{}",
        options.get_database().unwrap()
    );
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args([
            "admin",
            "create-application",
            "--email",
            ADMIN_EMAIL,
            "--name",
            "terraform",
        ])
        .env("DATABASE_URL", url)
        .env("MERIDIAN_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("MERIDIAN_ADMIN_PASSWORD", PASSWORD)
        .kill_on_drop(true)
        .output();
    // Not a blocking wait: the test's runtime also serves the app.
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), command)
        .await
        .expect("the command finishes")
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let api = app.api_admin().await;
    let (status, body) = api
        .post(
            "/applications/token",
            json!({"client_id": printed["clientId"], "client_secret": printed["clientSecret"], "grant_type": "client_credentials"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn base64_url(raw: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}
