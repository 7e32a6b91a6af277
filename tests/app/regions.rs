//! Regions: create, rename, enable and disable, delete.

use crate::common::*;
use meridian::domain::OrgRole;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test]
async fn an_admin_creates_a_region_and_the_change_is_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .call(
            "regions/create",
            &[("organization_id", &org()), ("name", "  eu-west-1 ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "eu-west-1")
        .await;
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{}/settings/regions/{id}", org()))
    );
    assert_eq!(
        app.audit_count("region.create").await,
        2,
        "the default region and this one"
    );
    let actor: String = sqlx::query_scalar(
        "select actor from audit_events where action = 'region.create' and object_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(actor, ADMIN_EMAIL);

    let page: serde_json::Value = admin
        .call("regions/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["auto", "eu-west-1"]);
    let detail = [("organization_id", org()), ("region_id", id.to_string())];
    let detail: Vec<(&str, &str)> = detail.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let shown: serde_json::Value = admin
        .call("regions/detail", &detail)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown["meta"]["notice"],
        "Region eu-west-1 created. Add a data plane to run its workspaces."
    );
    let again: serde_json::Value = admin
        .call("regions/detail", &detail)
        .await
        .json()
        .await
        .unwrap();
    assert!(again["meta"]["notice"].is_null(), "a notice is shown once");
}

#[sqlx::test]
async fn each_name_rule_is_enforced_and_nothing_changes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let long = "a".repeat(65);
    for (name, expected) in [
        ("", "Enter a name."),
        ("   ", "Enter a name."),
        (long.as_str(), "at most 64"),
        ("eu/west", "not allowed"),
        ("a<script>", "not allowed"),
    ] {
        let (status, error) = error_of(
            admin
                .call(
                    "regions/create",
                    &[("organization_id", &org()), ("name", name)],
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let message = field_message(&error, "name").unwrap();
        assert!(message.contains(expected), "{name:?}: {message}");
        assert_eq!(error["input"][0][1], name, "what was typed comes back");
    }
    assert_eq!(app.count("select count(*) from regions").await, 1);
}

#[sqlx::test]
async fn region_names_are_unique_regardless_of_case(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let (status, error) = error_of(
        admin
            .call(
                "regions/create",
                &[("organization_id", &org()), ("name", "AUTO")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        field_message(&error, "name").as_deref(),
        Some("A region with this name already exists.")
    );
    assert_eq!(app.count("select count(*) from regions").await, 1);
}

#[sqlx::test]
async fn twenty_parallel_creates_of_one_name_make_exactly_one_region(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = std::sync::Arc::new(app.admin().await);
    let calls = (0..20).map(|_| {
        let admin = admin.clone();
        tokio::spawn(async move {
            admin
                .call(
                    "regions/create",
                    &[("organization_id", &org()), ("name", "us-east-1")],
                )
                .await
                .status()
        })
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        19,
        "{statuses:?}"
    );
    assert_eq!(
        app.count("select count(*) from regions where name = 'us-east-1'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from audit_events where action = 'region.create' and object_name = 'us-east-1'").await, 1);
}

#[sqlx::test]
async fn renaming_disabling_and_enabling_a_region(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let id = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "auto")
        .await;
    let rev = |r: i32| r.to_string();
    let r1 = app.revision("regions", id).await;
    let res = admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &id.to_string()),
                ("revision", &rev(r1)),
                ("name", "global"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let r2 = app.revision("regions", id).await;
    let res = admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &id.to_string()),
                ("revision", &rev(r2)),
                ("enabled", "false"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (name, enabled): (String, bool) =
        sqlx::query_as("select name, enabled from regions where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), enabled), ("global", false));
    assert_eq!(app.audit_count("region.rename").await, 1);
    assert_eq!(app.audit_count("region.disable").await, 1);
    let r3 = app.revision("regions", id).await;
    let res = admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &id.to_string()),
                ("revision", &rev(r3)),
                ("enabled", "true"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("region.enable").await, 1);
}

#[sqlx::test]
async fn a_stale_form_is_refused_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let id = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "auto")
        .await;
    let loaded = app.revision("regions", id).await.to_string();
    let first = admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &id.to_string()),
                ("revision", &loaded),
                ("name", "one"),
            ],
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let (status, error) = error_of(
        admin
            .call(
                "regions/update",
                &[
                    ("organization_id", &org()),
                    ("region_id", &id.to_string()),
                    ("revision", &loaded),
                    ("name", "two"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("changed by someone else")
    );
    assert_eq!(
        app.count("select count(*) from regions where name = 'one'")
            .await,
        1
    );
}

#[sqlx::test]
async fn a_region_in_use_cannot_be_deleted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let id = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "auto")
        .await;
    let (status, error) = error_of(
        admin
            .call(
                "regions/delete",
                &[("organization_id", &org()), ("region_id", &id.to_string())],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error["message"],
        "Region auto can't be deleted: 1 workspace is assigned to it. Move them to another region first."
    );
    assert_eq!(app.count("select count(*) from regions").await, 1);
    assert_eq!(app.count("select count(*) from data_planes").await, 1);
}

#[sqlx::test]
async fn an_unused_region_is_deleted_with_its_data_planes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    admin
        .call(
            "regions/create",
            &[("organization_id", &org()), ("name", "spare")],
        )
        .await;
    let id = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "spare")
        .await;
    admin
        .call(
            "dataplanes/create",
            &[
                ("organization_id", &org()),
                ("region_id", &id.to_string()),
                ("name", "dp-1"),
            ],
        )
        .await;
    let res = admin
        .call(
            "regions/delete",
            &[("organization_id", &org()), ("region_id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("select count(*) from regions").await, 1);
    assert_eq!(
        app.count("select count(*) from data_planes").await,
        1,
        "only auto's data plane is left"
    );
    assert_eq!(
        app.count("select count(*) from data_plane_credentials")
            .await,
        0,
        "the deleted data planes' credentials went with them"
    );
    assert_eq!(app.audit_count("region.delete").await, 1);
}

#[sqlx::test]
async fn callers_outside_the_organization_or_without_the_role_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let outsider = app.user_in(other, OrgRole::Admin).await;
    let member = app
        .user_in(meridian::domain::DEFAULT_ORGANIZATION_ID, OrgRole::Member)
        .await;
    let anonymous = app.client();
    let id = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let revision = app
        .revision("regions", id.parse().unwrap())
        .await
        .to_string();

    let create = [("organization_id", org()), ("name", "x".to_owned())];
    let update = [
        ("organization_id", org()),
        ("region_id", id.clone()),
        ("revision", revision),
        ("name", "y".to_owned()),
    ];
    let delete = [("organization_id", org()), ("region_id", id.clone())];
    let page = [("organization_id", org())];
    let detail = [("organization_id", org()), ("region_id", id.clone())];
    let as_refs =
        |f: &[(&'static str, String)]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();

    for (endpoint, form) in [
        ("regions/create", as_refs(&create)),
        ("regions/update", as_refs(&update)),
        ("regions/delete", as_refs(&delete)),
        ("regions/page", as_refs(&page)),
        ("regions/detail", as_refs(&detail)),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            anonymous.call(endpoint, &form).await.status(),
            StatusCode::UNAUTHORIZED,
            "{endpoint} anonymous"
        );
        assert_eq!(
            outsider.call(endpoint, &form).await.status(),
            StatusCode::NOT_FOUND,
            "{endpoint} other organization"
        );
        let member_status = member.call(endpoint, &form).await.status();
        if endpoint.ends_with("page") || endpoint.ends_with("detail") {
            assert_eq!(member_status, StatusCode::OK, "{endpoint} members may look");
        } else {
            assert_eq!(
                member_status,
                StatusCode::FORBIDDEN,
                "{endpoint} members may not change"
            );
        }
    }
    assert_eq!(
        app.count("select count(*) from regions").await,
        2,
        "auto and the other organization's auto"
    );
    assert_eq!(
        app.count("select count(*) from regions where name = 'auto'")
            .await,
        2
    );
}

#[sqlx::test]
async fn the_live_data_planes_table_gives_admin_links_to_admins_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let member = app
        .user_in(meridian::domain::DEFAULT_ORGANIZATION_ID, OrgRole::Member)
        .await;
    let region = app
        .region_id(meridian::domain::DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let plane: String = sqlx::query_scalar::<_, uuid::Uuid>(
        "select id from data_planes where region_id = $1::uuid limit 1",
    )
    .bind(&region)
    .fetch_one(&app.pool)
    .await
    .unwrap()
    .to_string();
    let for_admin = planes_fragment(&admin, &region, None).await;
    assert!(for_admin.contains("healthy</p>"), "{for_admin}");
    assert!(
        for_admin.contains(&format!("{plane}/delete")),
        "{for_admin}"
    );
    let for_member = planes_fragment(&member, &region, None).await;
    assert!(for_member.contains(&format!("/{plane}\"")), "{for_member}");
    assert!(!for_member.contains("/delete"), "{for_member}");
    // The data plane's own page has its actions elsewhere.
    let own_page = planes_fragment(&admin, &region, Some(&plane)).await;
    assert!(!own_page.contains("/delete"), "{own_page}");
}

/// The live data planes table of a region as `client` gets it.
async fn planes_fragment(client: &Client, region: &str, only: Option<&str>) -> String {
    let mut form = vec![("organization_id", org()), ("region_id", region.to_owned())];
    if let Some(only) = only {
        form.push(("only", only.to_owned()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = client.call("regions/data-planes", &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["done"], false, "health keeps changing");
    body["html"].as_str().unwrap().to_owned()
}
