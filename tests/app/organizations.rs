//! Organizations: first start, renaming, creating, switching.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test]
async fn first_start_creates_the_defaults_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let region: (String, bool) =
        sqlx::query_as("select name, enabled from regions where organization_id = $1")
            .bind(DEFAULT_ORGANIZATION_ID)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(region, ("auto".to_owned(), true));
    assert_eq!(app.count("select count(*) from data_planes").await, 1);
    assert_eq!(app.count("select count(*) from workspaces").await, 1);
    assert_eq!(
        app.count("select count(*) from users where is_instance_admin")
            .await,
        1
    );

    // A second start (another replica, a restart) adds nothing.
    let config = meridian::config::Config {
        data_dir: std::env::temp_dir(),
        admin_email: ADMIN_EMAIL.into(),
        admin_password: Some("a different password".into()),
        ..Default::default()
    };
    meridian::bootstrap::run(&app.pool, &config).await.unwrap();
    assert_eq!(app.count("select count(*) from organizations").await, 1);
    assert_eq!(app.count("select count(*) from regions").await, 1);
    assert_eq!(app.count("select count(*) from users").await, 1);
    app.admin().await; // the original password still works
}

#[sqlx::test]
async fn a_generated_admin_password_is_written_once_to_the_data_directory(pool: PgPool) {
    let dir = std::env::temp_dir().join(format!("meridian-bootstrap-{}", uuid::Uuid::new_v4()));
    let config = meridian::config::Config {
        data_dir: dir.clone(),
        admin_email: "root@example.com".into(),
        ..Default::default()
    };
    meridian::bootstrap::run(&pool, &config).await.unwrap();
    let file = dir.join(meridian::bootstrap::ADMIN_PASSWORD_FILE);
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert_eq!(password.len(), 24);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let hash: String = sqlx::query_scalar("select password_hash from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(meridian::auth::password::verify(&password, Some(&hash)));
    std::fs::remove_dir_all(dir).unwrap();
}

#[sqlx::test]
async fn an_admin_renames_the_organization(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let rev = app
        .revision("organizations", DEFAULT_ORGANIZATION_ID)
        .await
        .to_string();
    let (status, error) = error_of(
        admin
            .call(
                "general/rename-organization",
                &[
                    ("organization_id", &org()),
                    ("name", ""),
                    ("revision", &rev),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "name").is_some());
    let res = admin
        .call(
            "general/rename-organization",
            &[
                ("organization_id", &org()),
                ("name", "Acme GmbH"),
                ("revision", &rev),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, _) = error_of(
        admin
            .call(
                "general/rename-organization",
                &[
                    ("organization_id", &org()),
                    ("name", "Other"),
                    ("revision", &rev),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let name: String = sqlx::query_scalar("select name from organizations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Acme GmbH");
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let rev = app
        .revision("organizations", DEFAULT_ORGANIZATION_ID)
        .await
        .to_string();
    let (status, _) = error_of(
        member
            .call(
                "general/rename-organization",
                &[
                    ("organization_id", &org()),
                    ("name", "Mine"),
                    ("revision", &rev),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn only_instance_admins_create_organizations_and_they_can_switch_to_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .call("organizations/create", &[("name", "Acme EU")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let org_id: uuid::Uuid =
        sqlx::query_scalar("select id from organizations where name = 'Acme EU'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{org_id}/settings/general"))
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from regions where organization_id = '{org_id}' and name = 'auto'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from workspaces where organization_id = '{org_id}'"
        ))
        .await,
        1
    );
    let viewer: serde_json::Value = admin
        .call("session/viewer", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        viewer["memberships"].as_array().unwrap().len(),
        2,
        "the switcher offers both"
    );

    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Admin).await;
    let (status, _) = error_of(
        member
            .call("organizations/create", &[("name", "Mine")])
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "organization admins are not instance admins"
    );
    let (status, _) = error_of(
        app.client()
            .call("organizations/create", &[("name", "Mine")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = error_of(
        admin
            .call("organizations/create", &[("name", "no/slashes")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from organizations").await, 2);
}
