//! Workspaces: create in a region, rename, move, delete.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use sqlx::PgPool;

async fn create_region(admin: &Client, name: &str) {
    let res = admin
        .call(
            "regions/create",
            &[("organization_id", &org()), ("name", name)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[sqlx::test]
async fn a_workspace_is_created_in_a_region_and_listed_with_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    create_region(&admin, "eu-west").await;
    let eu = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu-west")
        .await
        .to_string();
    let res = admin
        .call(
            "workspaces/create",
            &[
                ("organization_id", &org()),
                ("name", "Analytics EU"),
                ("region_id", &eu),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{}/settings/workspaces", org()))
    );
    let general: serde_json::Value = admin
        .call("general/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    let rows: Vec<(String, String)> = general["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().to_owned(),
                w["region_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Analytics EU".to_owned(), "eu-west".to_owned()),
            ("Default Workspace".to_owned(), "auto".to_owned())
        ]
    );
    assert_eq!(general["total_workspaces"], 2);
    assert_eq!(app.audit_count("workspace.create").await, 2);
}

#[sqlx::test]
async fn workspace_input_is_checked_field_by_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let auto = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/create",
                &[("organization_id", &org()), ("name", ""), ("region_id", "")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "name").is_some());
    assert!(
        field_message(&error, "region_id").is_some(),
        "both fields are reported at once"
    );

    let (status, error) = error_of(
        admin
            .call(
                "workspaces/create",
                &[
                    ("organization_id", &org()),
                    ("name", "default workspace"),
                    ("region_id", &auto),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        field_message(&error, "name").as_deref(),
        Some("A workspace with this name already exists.")
    );
    assert_eq!(app.count("select count(*) from workspaces").await, 1);
}

#[sqlx::test]
async fn disabled_regions_and_other_organizations_regions_are_not_assignable(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    create_region(&admin, "closed").await;
    let closed = app.region_id(DEFAULT_ORGANIZATION_ID, "closed").await;
    let rev = app.revision("regions", closed).await.to_string();
    admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &closed.to_string()),
                ("revision", &rev),
                ("enabled", "false"),
            ],
        )
        .await;
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/create",
                &[
                    ("organization_id", &org()),
                    ("name", "w"),
                    ("region_id", &closed.to_string()),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_message(&error, "region_id").as_deref(),
        Some("Region closed is disabled; workspaces can't be assigned to it.")
    );

    let other = app.other_organization().await;
    let foreign = app.region_id(other, "auto").await.to_string();
    let (status, _) = error_of(
        admin
            .call(
                "workspaces/create",
                &[
                    ("organization_id", &org()),
                    ("name", "w"),
                    ("region_id", &foreign),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let ws = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let rev = app.revision("workspaces", ws).await.to_string();
    let (status, _) = error_of(
        admin
            .call(
                "workspaces/move",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &ws.to_string()),
                    ("revision", &rev),
                    ("region_id", &closed.to_string()),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("select count(*) from workspaces").await,
        2,
        "the default workspaces of both organizations"
    );
    assert_eq!(app.count("select count(*) from workspaces w join regions r on r.id = w.region_id where r.name = 'closed'").await, 0);
}

#[sqlx::test]
async fn moving_a_workspace_changes_its_region_and_is_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    create_region(&admin, "eu-west").await;
    let eu = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu-west")
        .await
        .to_string();
    let auto = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let ws = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let id = ws.to_string();
    let rev = app.revision("workspaces", ws).await.to_string();
    let res = admin
        .call(
            "workspaces/move",
            &[
                ("organization_id", &org()),
                ("workspace_id", &id),
                ("revision", &rev),
                ("region_id", &eu),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: serde_json::Value = admin
        .call("workspaces/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["workspaces"][0]["region_name"], "eu-west");
    assert_eq!(
        page["meta"]["notice"],
        "Workspace Default Workspace moved from auto to eu-west."
    );
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("select before, after from audit_events where action = 'workspace.move'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(before["region_name"], "auto");
    assert_eq!(after["region_name"], "eu-west");

    // The same form again is stale; moving to where it already is, is pointless.
    let (status, _) = error_of(
        admin
            .call(
                "workspaces/move",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &id),
                    ("revision", &rev),
                    ("region_id", &auto),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let rev = app.revision("workspaces", ws).await.to_string();
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/move",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &id),
                    ("revision", &rev),
                    ("region_id", &eu),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_message(&error, "region_id")
            .unwrap()
            .contains("already in region eu-west")
    );
}

#[sqlx::test]
async fn renaming_and_deleting_a_workspace(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let ws = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let id = ws.to_string();
    let rev = app.revision("workspaces", ws).await.to_string();
    let (status, _) = error_of(
        admin
            .call(
                "workspaces/rename",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &id),
                    ("revision", &rev),
                    ("name", "bad*name"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = admin
        .call(
            "workspaces/rename",
            &[
                ("organization_id", &org()),
                ("workspace_id", &id),
                ("revision", &rev),
                ("name", "Main"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, _) = error_of(
        admin
            .call(
                "workspaces/delete",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &id),
                    ("revision", &rev),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "deleting from a stale page is refused"
    );
    let rev = app.revision("workspaces", ws).await.to_string();
    let res = admin
        .call(
            "workspaces/delete",
            &[
                ("organization_id", &org()),
                ("workspace_id", &id),
                ("revision", &rev),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("select count(*) from workspaces").await, 0);
    assert_eq!(app.audit_count("workspace.rename").await, 1);
    assert_eq!(app.audit_count("workspace.delete").await, 1);
}

#[sqlx::test]
async fn workspace_changes_need_an_admin_of_the_organization(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let outsider = app.user_in(other, OrgRole::Admin).await;
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let anonymous = app.client();
    let ws = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let (id, rev) = (
        ws.to_string(),
        app.revision("workspaces", ws).await.to_string(),
    );
    let auto = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let o = org();
    let calls: Vec<(&str, Form, StatusCode)> = vec![
        (
            "workspaces/create",
            vec![("organization_id", &o), ("name", "x"), ("region_id", &auto)],
            StatusCode::FORBIDDEN,
        ),
        (
            "workspaces/rename",
            vec![
                ("organization_id", &o),
                ("workspace_id", &id),
                ("revision", &rev),
                ("name", "x"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            "workspaces/move",
            vec![
                ("organization_id", &o),
                ("workspace_id", &id),
                ("revision", &rev),
                ("region_id", &auto),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            "workspaces/delete",
            vec![
                ("organization_id", &o),
                ("workspace_id", &id),
                ("revision", &rev),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            "workspaces/page",
            vec![("organization_id", &o)],
            StatusCode::OK,
        ),
        (
            "workspaces/detail",
            vec![("organization_id", &o), ("workspace_id", &id)],
            StatusCode::OK,
        ),
        (
            "general/page",
            vec![("organization_id", &o)],
            StatusCode::OK,
        ),
    ];
    for (endpoint, form, member_status) in calls {
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
            member_status,
            "{endpoint}"
        );
    }
    assert_eq!(
        app.count("select count(*) from workspaces where name = 'Default Workspace'")
            .await,
        2
    );
}

#[sqlx::test]
async fn lists_search_by_name_filter_by_region_and_come_in_pages(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    create_region(&admin, "eu-west").await;
    let eu = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu-west")
        .await
        .to_string();
    let auto = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    // 60 workspaces in eu-west (past one page), one more with a LIKE wildcard (_) in auto.
    for i in 0..60 {
        let name = format!("Sales {i:02}");
        let res = admin
            .call(
                "workspaces/create",
                &[
                    ("organization_id", &org()),
                    ("name", &name),
                    ("region_id", &eu),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    admin
        .call(
            "workspaces/create",
            &[
                ("organization_id", &org()),
                ("name", "Sales_all"),
                ("region_id", &auto),
            ],
        )
        .await;
    let page = |search: &str, region: &str, page: &str| {
        let (search, region, page) = (search.to_owned(), region.to_owned(), page.to_owned());
        let admin = &admin;
        async move {
            let mut form = vec![
                ("organization_id", org()),
                ("search", search),
                ("page", page),
            ];
            if !region.is_empty() {
                form.push(("region", region));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = admin.call("workspaces/page", &form).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = page("SALES", "", "0").await;
    assert_eq!(first["paging"]["total"], 61);
    assert_eq!(names(&first).len(), 50);
    assert_eq!(names(&first)[0], "Sales 00", "by name");
    let second = page("sales", "", "1").await;
    assert_eq!(names(&second).len(), 11);
    assert_eq!(names(&second).last().unwrap(), "Sales_all");
    let in_eu = page("", &eu, "0").await;
    assert_eq!(in_eu["paging"]["total"], 60);
    assert!(names(&in_eu).iter().all(|n| n.starts_with("Sales")));
    // What is typed matches itself: _ and % are no wildcards.
    assert_eq!(names(&page("s_a", "", "0").await), ["Sales_all"]);
    assert_eq!(page("s_0", "", "0").await["paging"]["total"], 0);
    assert_eq!(page("%", &eu, "0").await["paging"]["total"], 0);
    // The page itself, without JavaScript: the search box keeps the search, pages link on.
    let html = admin
        .get(&format!(
            "/orgs/{}/settings/workspaces?search=sales&region={eu}",
            org()
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("1–50 of 60 workspaces"), "{html}");
    assert!(
        html.contains(&format!("search=sales&amp;region={eu}&amp;page=1")),
        "{html}"
    );

    // Members and regions search the same way.
    let members: serde_json::Value = admin
        .call(
            "members/page",
            &[("organization_id", &org()), ("search", "ADMIN@")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members["paging"]["total"], 1);
    assert_eq!(members["admins"], 1);
    let regions: serde_json::Value = admin
        .call(
            "regions/page",
            &[("organization_id", &org()), ("search", "west")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(regions["paging"]["total"], 1);
    assert_eq!(regions["regions"][0]["region"]["name"], "eu-west");
}
