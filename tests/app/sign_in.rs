//! Signing in and out.

use crate::common::*;
use reqwest::StatusCode;
use sqlx::PgPool;

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies()
        .find(|c| c.name() == "meridian_session")
        .map(|c| c.value().to_owned())
}

#[sqlx::test]
async fn admin_signs_in_and_lands_on_the_default_organization(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let res = client
        .call(
            "session/sign-in",
            &[("email", ADMIN_EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res).as_deref(),
        Some(format!("/orgs/{}/settings/general", org()).as_str())
    );
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(app.audit_count("user.sign_in").await, 1);

    let viewer: serde_json::Value = client
        .call("session/viewer", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(viewer["email"], ADMIN_EMAIL);
    assert_eq!(
        viewer["memberships"][0]["organization_name"],
        "Default Organization"
    );
}

#[sqlx::test]
async fn sign_in_returns_to_the_page_first_asked_for_but_only_on_this_site(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let wanted = format!("/orgs/{}/settings/regions", org());
    let res = app
        .client()
        .call(
            "session/sign-in",
            &[
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", &wanted),
            ],
        )
        .await;
    assert_eq!(redirect_target(&res), Some(wanted));
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let res = app
            .client()
            .call(
                "session/sign-in",
                &[
                    ("email", ADMIN_EMAIL),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(
            redirect_target(&res).as_deref(),
            Some(format!("/orgs/{}/settings/general", org()).as_str()),
            "{evil}"
        );
    }
}

#[sqlx::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, wrong_password) = error_of(
        app.client()
            .call(
                "session/sign-in",
                &[("email", ADMIN_EMAIL), ("password", "not the password")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, unknown) = error_of(
        app.client()
            .call(
                "session/sign-in",
                &[
                    ("email", "nobody@example.com"),
                    ("password", "not the password"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password["message"], unknown["message"]);
    assert_eq!(
        wrong_password["input"][0],
        serde_json::json!(["email", ADMIN_EMAIL]),
        "the email is kept, the password never"
    );
    assert_eq!(app.audit_count("user.sign_in_failed").await, 2);
}

#[sqlx::test]
async fn malformed_sign_in_input_is_refused_field_by_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, error) = error_of(
        app.client()
            .call(
                "session/sign-in",
                &[("email", "not-an-email"), ("password", "x")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "email").is_some());
    let (status, error) = error_of(
        app.client()
            .call(
                "session/sign-in",
                &[("email", ADMIN_EMAIL), ("password", "")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "password").is_some());
    let (status, _) = error_of(
        app.client()
            .call("session/sign-in", &[("password", "x")])
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a missing field is bad input, not a server error"
    );
}

#[sqlx::test]
async fn signing_in_rotates_the_session_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    // A failed attempt already has a session? Plant one by visiting a page that writes none,
    // then sign in: the id after sign-in must differ from any id seen before.
    let first = client
        .call(
            "session/sign-in",
            &[("email", ADMIN_EMAIL), ("password", PASSWORD)],
        )
        .await;
    let first_id = session_cookie(&first).expect("sign-in sets a session cookie");
    let second = client
        .call(
            "session/sign-in",
            &[("email", ADMIN_EMAIL), ("password", PASSWORD)],
        )
        .await;
    let second_id = session_cookie(&second).expect("a second sign-in sets a new cookie");
    assert_ne!(first_id, second_id);
    let old_rows: i64 = sqlx::query_scalar("select count(*) from sessions where id = $1")
        .bind(&first_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        old_rows, 0,
        "the pre-rotation session id is gone from the store"
    );
}

#[sqlx::test]
async fn signing_out_ends_the_session_on_the_server(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.admin().await;
    assert_eq!(app.count("select count(*) from sessions").await, 1);
    let res = client.call("session/sign-out", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(redirect_target(&res).as_deref(), Some("/login"));
    assert_eq!(app.count("select count(*) from sessions").await, 0);
    let res = client
        .get(&format!("/orgs/{}/settings/general", org()))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[sqlx::test]
async fn anonymous_callers_see_no_viewer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer: serde_json::Value = app
        .client()
        .call("session/viewer", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(viewer.is_null());
}
