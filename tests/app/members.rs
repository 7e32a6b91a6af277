//! Settings > Members: inviting by email (the person joins once they accept, signed in as
//! themselves), changing roles, removing (which ends their sessions); the last admin stays.

use crate::common::*;
use meridian::auth::password;
use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, OrgRole};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

async fn members_page(client: &Client) -> Value {
    let res = client
        .call("members/page", &[("organization_id", &org())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn members(client: &Client) -> Vec<(String, String)> {
    members_page(client).await["members"]
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

/// The invitations an admin sees on the page, as (email, role).
async fn invitations(client: &Client) -> Vec<(String, String)> {
    members_page(client).await["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["email"].as_str().unwrap().to_owned(),
                i["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn invite(client: &Client, email: &str, role: &str) -> reqwest::Response {
    client
        .call(
            "members/invite",
            &[
                ("organization_id", &org()),
                ("email", email),
                ("role", role),
            ],
        )
        .await
}

/// A person with a password who belongs to no organization, signed in; their id and client.
async fn person(app: &TestApp, email: &str) -> (uuid::Uuid, Client) {
    let id = db::users::create(
        &app.pool,
        &Email::parse(email).unwrap(),
        "Ada",
        Some(&password::hash(PASSWORD)),
        false,
    )
    .await
    .unwrap();
    let client = app.client();
    client.sign_in(email, PASSWORD).await;
    (id, client)
}

#[sqlx::test]
async fn an_admin_invites_a_person_who_accepts_and_is_then_promoted_and_removed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = invite(&admin, "Ada@Example.com", "member").await;
    assert_eq!(res.status(), StatusCode::OK);
    // Invited, not a member: no account is made and no one is added until Ada accepts.
    assert!(
        !members(&admin)
            .await
            .iter()
            .any(|(e, _)| e == "ada@example.com")
    );
    assert_eq!(
        invitations(&admin).await,
        [("ada@example.com".to_owned(), "member".to_owned())]
    );
    assert_eq!(
        app.count("select count(*) from users where lower(email) = 'ada@example.com'")
            .await,
        0
    );

    let (status, error) = error_of(invite(&admin, "ada@example.com", "admin").await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(field_message(&error, "email").is_some());
    let (status, error) = error_of(invite(&admin, "not an email", "member").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "email").is_some());

    // Ada signs in with her own account and accepts.
    let (ada_id, ada) = person(&app, "ada@example.com").await;
    let mine: Value = ada
        .call("invitations/mine", &[])
        .await
        .json()
        .await
        .unwrap();
    let open = mine["invitations"].as_array().unwrap();
    assert_eq!(open.len(), 1, "{mine}");
    assert_eq!(open[0]["organization_id"], org());
    assert_eq!(open[0]["role"], "member");
    let invitation = open[0]["id"].as_str().unwrap().to_owned();
    let res = ada
        .call("invitations/accept", &[("invitation_id", &invitation)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        members(&admin)
            .await
            .contains(&("ada@example.com".into(), "member".into()))
    );
    assert!(invitations(&admin).await.is_empty());
    assert_eq!(members_page(&ada).await["me"], ada_id.to_string());
    // A member is not invited again.
    let (status, error) = error_of(invite(&admin, "ada@example.com", "admin").await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(field_message(&error, "email").is_some());

    let ada_id = ada_id.to_string();
    let res = admin
        .call(
            "members/set-role",
            &[
                ("organization_id", &org()),
                ("user_id", &ada_id),
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
            &[("organization_id", &org()), ("user_id", &ada_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !members(&admin)
            .await
            .iter()
            .any(|(e, _)| e == "ada@example.com")
    );
    // Removed, Ada's session ended with her membership.
    let res = ada
        .call("members/page", &[("organization_id", &org())])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let viewer: Value = ada.call("session/viewer", &[]).await.json().await.unwrap();
    assert!(viewer.is_null(), "{viewer}");
    for action in [
        "invitation.create",
        "invitation.accept",
        "member.add",
        "member.role",
        "member.remove",
    ] {
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
async fn members_see_the_list_but_cannot_invite_or_change_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    assert_eq!(members(&member).await.len(), 2);
    let res = invite(&member, "x@example.com", "admin").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("select count(*) from invitations").await, 0);
    // Nor do they see who is invited: that is for admins.
    let admin = app.admin().await;
    assert_eq!(
        invite(&admin, "y@example.com", "member").await.status(),
        StatusCode::OK
    );
    assert!(invitations(&member).await.is_empty());
    let invitation: uuid::Uuid = sqlx::query_scalar("select id from invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let res = member
        .call(
            "members/revoke-invitation",
            &[
                ("organization_id", &org()),
                ("invitation_id", &invitation.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(invitations(&admin).await.len(), 1, "still invited");
    // Nor sign another member out.
    let admin_id: uuid::Uuid = sqlx::query_scalar("select id from users where email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let res = member
        .call(
            "members/sign-out",
            &[
                ("organization_id", &org()),
                ("user_id", &admin_id.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        members(&admin).await.len(),
        2,
        "the admin is still signed in"
    );
    let other = app.other_organization().await.to_string();
    let res = member
        .call("members/page", &[("organization_id", &other)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
