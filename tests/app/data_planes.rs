//! Data planes: create with credentials revealed once, enable and disable, delete.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test]
async fn a_new_data_planes_secret_is_revealed_exactly_once_and_stored_only_as_a_hash(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let region = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let res = admin
        .call(
            "dataplanes/create",
            &[
                ("organization_id", &org()),
                ("region_id", &region),
                ("name", "auto-dp-2"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let target = redirect_target(&res).unwrap();
    let plane: uuid::Uuid =
        sqlx::query_scalar("select id from data_planes where name = 'auto-dp-2'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        target,
        format!(
            "/orgs/{}/settings/regions/{region}/dataplanes/{plane}/credentials",
            org()
        )
    );

    let reveal = [
        ("organization_id", org()),
        ("data_plane_id", plane.to_string()),
    ];
    let reveal: Vec<(&str, &str)> = reveal.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let shown: serde_json::Value = admin
        .call("dataplanes/reveal", &reveal)
        .await
        .json()
        .await
        .unwrap();
    let client_id = shown["client_id"].as_str().unwrap();
    let secret = shown["client_secret"].as_str().unwrap();
    assert!(client_id.starts_with("dp_"));
    assert_eq!(secret.len(), 43, "256 random bits, base64url");
    assert!(
        shown["public_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );

    let stored: Vec<u8> =
        sqlx::query_scalar("select secret_hash from data_plane_credentials where client_id = $1")
            .bind(client_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let hasher = meridian::auth::secrets::SecretHasher::load(&app.pool)
        .await
        .unwrap();
    assert!(
        hasher.verify(client_id, secret, &stored),
        "a keyed hash of the secret"
    );
    assert_ne!(stored, secret.as_bytes());
    let anywhere: i64 = sqlx::query_scalar(
        "select (select count(*) from audit_events where before::text like '%' || $1 || '%' or after::text like '%' || $1 || '%')
              + (select count(*) from sessions where encode(data, 'escape') like '%' || $1 || '%')",
    )
    .bind(secret)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        anywhere, 0,
        "the secret is nowhere in the database once shown"
    );

    let again: serde_json::Value = admin
        .call("dataplanes/reveal", &reveal)
        .await
        .json()
        .await
        .unwrap();
    assert!(again.is_null(), "a second visit shows nothing");
    assert_eq!(app.audit_count("dataplane.create").await, 2);
}

#[sqlx::test]
async fn data_plane_names_are_validated_and_unique_per_region(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let region = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let (status, error) = error_of(
        admin
            .call(
                "dataplanes/create",
                &[
                    ("organization_id", &org()),
                    ("region_id", &region),
                    ("name", "AUTO"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        field_message(&error, "name").as_deref(),
        Some("A data plane with this name already exists in this region.")
    );
    let (status, _) = error_of(
        admin
            .call(
                "dataplanes/create",
                &[
                    ("organization_id", &org()),
                    ("region_id", &region),
                    ("name", "bad|name"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from data_planes").await, 1);
    assert_eq!(
        app.count("select count(*) from data_plane_credentials")
            .await,
        0,
        "the default data plane has none until they are issued"
    );

    // The same name in another region is fine.
    admin
        .call(
            "regions/create",
            &[("organization_id", &org()), ("name", "eu")],
        )
        .await;
    let eu = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu")
        .await
        .to_string();
    let res = admin
        .call(
            "dataplanes/create",
            &[
                ("organization_id", &org()),
                ("region_id", &eu),
                ("name", "auto"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[sqlx::test]
async fn disabling_enabling_and_deleting_a_data_plane(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let plane: uuid::Uuid = sqlx::query_scalar("select id from data_planes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let id = plane.to_string();
    let rev = app.revision("data_planes", plane).await.to_string();
    let res = admin
        .call(
            "dataplanes/update",
            &[
                ("organization_id", &org()),
                ("data_plane_id", &id),
                ("revision", &rev),
                ("enabled", "false"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("dataplane.disable").await, 1);
    let (status, _) = error_of(
        admin
            .call(
                "dataplanes/update",
                &[
                    ("organization_id", &org()),
                    ("data_plane_id", &id),
                    ("revision", &rev),
                    ("enabled", "true"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the form was loaded before the change"
    );
    let rev = app.revision("data_planes", plane).await.to_string();
    let res = admin
        .call(
            "dataplanes/update",
            &[
                ("organization_id", &org()),
                ("data_plane_id", &id),
                ("revision", &rev),
                ("enabled", "true"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("dataplane.enable").await, 1);

    let res = admin
        .call(
            "dataplanes/delete",
            &[("organization_id", &org()), ("data_plane_id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("select count(*) from data_planes").await, 0);
    assert_eq!(
        app.count("select count(*) from data_plane_credentials")
            .await,
        0
    );
    let (status, _) = error_of(
        admin
            .call(
                "dataplanes/delete",
                &[("organization_id", &org()), ("data_plane_id", &id)],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn data_planes_of_other_organizations_are_out_of_reach(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let outsider = app.user_in(other, OrgRole::Admin).await;
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let anonymous = app.client();
    let region = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let plane: uuid::Uuid = sqlx::query_scalar("select id from data_planes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let plane = plane.to_string();

    // Naming the other organization with our own data plane's id gets nothing either.
    let theirs = other.to_string();
    let (status, _) = error_of(
        outsider
            .call(
                "dataplanes/delete",
                &[("organization_id", &theirs), ("data_plane_id", &plane)],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let o = org();
    let calls: [(&str, Form); 4] = [
        (
            "dataplanes/create",
            vec![
                ("organization_id", &o),
                ("region_id", &region),
                ("name", "x"),
            ],
        ),
        (
            "dataplanes/update",
            vec![
                ("organization_id", &o),
                ("data_plane_id", &plane),
                ("revision", "1"),
                ("enabled", "false"),
            ],
        ),
        (
            "dataplanes/delete",
            vec![("organization_id", &o), ("data_plane_id", &plane)],
        ),
        (
            "dataplanes/reveal",
            vec![("organization_id", &o), ("data_plane_id", &plane)],
        ),
    ];
    for (endpoint, form) in calls {
        assert_eq!(
            anonymous.call(endpoint, &form).await.status(),
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
        assert_eq!(
            outsider.call(endpoint, &form).await.status(),
            StatusCode::NOT_FOUND,
            "{endpoint}"
        );
        assert_eq!(
            member.call(endpoint, &form).await.status(),
            StatusCode::FORBIDDEN,
            "{endpoint}"
        );
    }
    assert_eq!(app.count("select count(*) from data_planes").await, 1);
    assert_eq!(
        app.count("select count(*) from data_planes where enabled")
            .await,
        1
    );
}

#[sqlx::test]
async fn a_data_planes_page_shows_its_day_and_the_workspaces_it_serves(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let plane: uuid::Uuid = sqlx::query_scalar(
        "select d.id from data_planes d join regions r on r.id = d.region_id
         where r.organization_id = $1 and r.name = 'auto'",
    )
    .bind(DEFAULT_ORGANIZATION_ID)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // It has existed for two days and reported three times three hours ago.
    sqlx::query("update data_planes set created_at = now() - interval '2 days' where id = $1")
        .bind(plane)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into data_plane_heartbeats (data_plane_id, at)
         select $1, now() - interval '3 hours' - make_interval(secs => s) from generate_series(1, 3) s",
    )
    .bind(plane)
    .execute(&app.pool)
    .await
    .unwrap();
    let detail: serde_json::Value = admin
        .call(
            "dataplanes/detail",
            &[
                ("organization_id", &org()),
                ("data_plane_id", &plane.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let beats = detail["history"]["beats"].as_array().unwrap();
    assert_eq!(beats.len(), 96, "a day in quarter-hours");
    assert!(beats.iter().all(|b| b.is_i64()), "it existed all day");
    let reported: Vec<i64> = beats
        .iter()
        .filter_map(|b| b.as_i64())
        .filter(|b| *b > 0)
        .collect();
    assert_eq!(reported.iter().sum::<i64>(), 3, "{beats:?}");
    assert_eq!(detail["workspace_count"], 1);
    assert_eq!(detail["workspaces"][0]["name"], "Default Workspace");
    let region = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let html = admin
        .get(&format!(
            "/orgs/{}/settings/regions/{region}/dataplanes/{plane}",
            org()
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Sent heartbeats in 1 of the 96 quarter-hours"),
        "{html}"
    );
    assert!(html.contains("Default Workspace"));
    assert!(html.contains(r#"aria-label="Breadcrumb""#));
    assert!(
        html.contains(r#"id="data-plane-name""#),
        "admins rename it here"
    );
}
