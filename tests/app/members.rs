//! Settings > Members: adding by email, changing roles, removing; the last admin stays.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

async fn members(client: &Client) -> Vec<(String, String)> {
    let page: Value = client
        .call("members/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[sqlx::test]
async fn an_admin_adds_promotes_and_removes_a_member(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .call(
            "members/add",
            &[
                ("organization_id", &org()),
                ("email", "Ada@Example.com"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        members(&admin)
            .await
            .contains(&("ada@example.com".into(), "member".into()))
    );

    let (status, error) = error_of(
        admin
            .call(
                "members/add",
                &[
                    ("organization_id", &org()),
                    ("email", "ada@example.com"),
                    ("role", "admin"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(field_message(&error, "email").is_some());
    let (status, error) = error_of(
        admin
            .call(
                "members/add",
                &[
                    ("organization_id", &org()),
                    ("email", "not an email"),
                    ("role", "member"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "email").is_some());

    let ada: uuid::Uuid =
        sqlx::query_scalar("select id from users where lower(email) = 'ada@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let ada = ada.to_string();
    let res = admin
        .call(
            "members/set-role",
            &[
                ("organization_id", &org()),
                ("user_id", &ada),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        members(&admin)
            .await
            .contains(&("ada@example.com".into(), "admin".into()))
    );
    let res = admin
        .call(
            "members/remove",
            &[("organization_id", &org()), ("user_id", &ada)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !members(&admin)
            .await
            .iter()
            .any(|(e, _)| e == "ada@example.com")
    );
    for action in ["member.add", "member.role", "member.remove"] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
}

#[sqlx::test]
async fn the_last_admin_cannot_be_demoted_or_removed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let me: uuid::Uuid = sqlx::query_scalar("select id from users where email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let me = me.to_string();
    let (status, error) = error_of(
        admin
            .call(
                "members/set-role",
                &[
                    ("organization_id", &org()),
                    ("user_id", &me),
                    ("role", "member"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("at least one admin")
    );
    let (status, _) = error_of(
        admin
            .call(
                "members/remove",
                &[("organization_id", &org()), ("user_id", &me)],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        members(&admin).await,
        [(ADMIN_EMAIL.to_owned(), "admin".to_owned())]
    );
}

#[sqlx::test]
async fn members_see_the_list_but_cannot_change_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    assert_eq!(members(&member).await.len(), 2);
    let res = member
        .call(
            "members/add",
            &[
                ("organization_id", &org()),
                ("email", "x@example.com"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let other = app.other_organization().await.to_string();
    let res = member
        .call("members/page", &[("organization_id", &other)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
