//! Public API: regions, and the rules they share with the UI.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn an_admin_manages_regions_and_every_change_is_audited_as_the_application(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (status, created) = api
        .post(
            "/regions",
            json!({"name": "aws-us-east-1", "organizationId": org(), "enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["regionId"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "aws-us-east-1");
    assert_eq!(created["organizationId"], org());
    assert_eq!(created["enabled"], true);
    for field in ["createdAt", "updatedAt"] {
        let at = created[field].as_str().unwrap();
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| panic!("{field} is RFC 3339: {at}"));
    }

    let (status, list) = api.get(&format!("/regions?organizationId={}", org())).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["auto", "aws-us-east-1"]);

    let (status, got) = api.get(&format!("/regions/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, created);

    let (status, renamed) = api
        .patch(&format!("/regions/{id}"), json!({"name": "us-east"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["name"], "us-east");
    assert_eq!(renamed["enabled"], true);
    let (_, disabled) = api
        .patch(&format!("/regions/{id}"), json!({"enabled": false}))
        .await;
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["name"], "us-east");

    let (status, body) = api.delete(&format!("/regions/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_null());
    assert_eq!(
        api.get(&format!("/regions/{id}")).await.0,
        StatusCode::NOT_FOUND
    );

    let actors: Vec<(String, String)> = sqlx::query_as(
        "select action, actor from audit_events where object_id = $1::uuid order by occurred_at",
    )
    .bind(&id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = actors.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "region.create",
            "region.rename",
            "region.disable",
            "region.delete"
        ]
    );
    for (_, actor) in &actors {
        assert!(
            actor.contains(&api.client_id),
            "actor names the application: {actor}"
        );
        assert!(actor.starts_with(ADMIN_EMAIL), "and its owner: {actor}");
    }
}

#[sqlx::test]
async fn region_rules_are_the_same_as_in_the_ui(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;

    let (status, problem) = api
        .post("/regions", json!({"name": "AUTO", "organizationId": org()}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(problem_field(&problem, "name").is_some(), "{problem}");

    let (status, problem) = api
        .post(
            "/regions",
            json!({"name": "bad/name", "organizationId": org()}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem_field(&problem, "name")
            .unwrap()
            .contains("not allowed")
    );

    // Region `auto` holds the default workspace: refused while in use.
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let (status, problem) = api.delete(&format!("/regions/{auto}")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().unwrap().contains("workspace"));
    assert_eq!(app.count("select count(*) from regions").await, 1);

    // A disabled region cannot take workspaces.
    let (_, region) = api
        .post(
            "/regions",
            json!({"name": "closed", "organizationId": org(), "enabled": false}),
        )
        .await;
    let (status, problem) = api
        .post(
            "/workspaces",
            json!({"name": "w1", "organizationId": org(), "regionId": region["regionId"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem_field(&problem, "regionId")
            .unwrap()
            .contains("disabled")
    );

    let (status, problem) = api.get("/regions").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "organizationId").is_some());
    let (status, _) = api.get("/regions?organizationId=nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn members_read_admins_change_and_other_organizations_see_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    assert_eq!(
        member.get(&format!("/regions/{auto}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        member
            .get(&format!("/regions?organizationId={}", org()))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = member
        .post("/regions", json!({"name": "mine", "organizationId": org()}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = member
        .patch(&format!("/regions/{auto}"), json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        member.delete(&format!("/regions/{auto}")).await.0,
        StatusCode::FORBIDDEN
    );

    // An admin of another organization.
    let other = app.other_organization().await;
    let outsider = app.api_as(other, OrgRole::Admin).await;
    assert_eq!(
        outsider.get(&format!("/regions/{auto}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider
            .patch(&format!("/regions/{auto}"), json!({"name": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider.delete(&format!("/regions/{auto}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = outsider
        .get(&format!("/regions?organizationId={}", org()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = outsider
        .post(
            "/regions",
            json!({"name": "sneaky", "organizationId": org()}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Their own organization works.
    let (status, list) = outsider
        .get(&format!("/regions?organizationId={other}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.count("select count(*) from regions where name = 'x'")
            .await,
        0
    );
}

/// Names in an organization's region list as the API answers it.
async fn listed(api: &Api) -> Vec<String> {
    let (status, list) = api.get(&format!("/regions?organizationId={}", org())).await;
    assert_eq!(status, StatusCode::OK);
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test]
async fn region_lists_are_current_right_after_changes_on_any_replica(pool: PgPool) {
    // Two replicas over one database.
    let first = TestApp::spawn(pool.clone()).await;
    let second = TestApp::spawn(pool).await;
    let api = first.api_admin().await;
    let mut other = second.api_admin().await;
    other.token = api.token.clone();
    assert_eq!(listed(&api).await, ["auto"]);
    assert_eq!(listed(&other).await, ["auto"]);

    // The replica that made the change answers with it at once.
    let (_, created) = api
        .post("/regions", json!({"name": "eu", "organizationId": org()}))
        .await;
    assert_eq!(listed(&api).await, ["auto", "eu"]);
    // The other one as soon as the change's notification arrives, well within the copy's
    // lifetime.
    let started = std::time::Instant::now();
    while listed(&other).await != ["auto", "eu"] {
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1500),
            "the other replica still serves the old list"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Changes made in the UI count too.
    let admin = first.admin().await;
    let id = created["regionId"].as_str().unwrap().to_owned();
    let revision = first
        .revision("regions", id.parse().unwrap())
        .await
        .to_string();
    let res = admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &id),
                ("revision", &revision),
                ("name", "eu-central"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(listed(&api).await, ["auto", "eu-central"]);
    let (status, _) = api.delete(&format!("/regions/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(listed(&api).await, ["auto"]);
}
