//! Residency governance through both doors: where regions are (provider, location,
//! jurisdiction), the organization's residency policy enforced on every workspace create, move
//! and classification change, and workspaces locked to their region.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Creates a region through the API; returns its id.
async fn api_region(api: &Api, body: Value) -> String {
    let mut body = body;
    body["organizationId"] = json!(org());
    let (status, region) = api.post("/regions", body).await;
    assert_eq!(status, StatusCode::OK, "{region}");
    region["regionId"].as_str().unwrap().to_owned()
}

async fn put_policy(api: &Api, body: Value) -> (StatusCode, Value) {
    api.send(
        reqwest::Method::PUT,
        &format!("/organizations/{}/residency-policy", org()),
        Some(body),
    )
    .await
}

#[sqlx::test]
async fn regions_say_where_they_are_and_lists_filter_by_jurisdiction(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;

    // A location in a member state puts the region under EU law unless told otherwise.
    let (status, created) = api
        .post(
            "/regions",
            json!({"name": "frankfurt", "organizationId": org(), "provider": "AWS", "location": "de-he"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["provider"], "AWS");
    assert_eq!(created["location"], "DE-HE");
    assert_eq!(created["jurisdiction"], "EU");
    let frankfurt = created["regionId"].as_str().unwrap().to_owned();
    api_region(&api, json!({"name": "virginia", "location": "US-VA"})).await;
    api_region(
        &api,
        json!({"name": "zurich", "location": "CH", "jurisdiction": "ch"}),
    )
    .await;

    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, eu) = api
        .get(&format!(
            "/regions?organizationId={}&jurisdiction=eu",
            org()
        ))
        .await;
    assert_eq!(names(&eu), ["frankfurt"]);
    // A country code finds the regions located there.
    let (_, us) = api
        .get(&format!(
            "/regions?organizationId={}&jurisdiction=US",
            org()
        ))
        .await;
    assert_eq!(names(&us), ["virginia"]);
    let (status, problem) = api
        .get(&format!(
            "/regions?organizationId={}&jurisdiction=E1",
            org()
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "jurisdiction").is_some());
    // Unfiltered, every region still says where it is (or `null`).
    let (_, all) = api.get(&format!("/regions?organizationId={}", org())).await;
    let auto = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "auto")
        .unwrap()
        .clone();
    assert_eq!(auto["jurisdiction"], Value::Null);

    // Moving the location brings its jurisdiction; `null` clears one field, absent keeps it.
    let (status, patched) = api
        .patch(
            &format!("/regions/{frankfurt}"),
            json!({"location": "US-OR"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["jurisdiction"], "US");
    assert_eq!(patched["provider"], "AWS");
    let (_, patched) = api
        .patch(&format!("/regions/{frankfurt}"), json!({"provider": null}))
        .await;
    assert_eq!(patched["provider"], Value::Null);
    assert_eq!(patched["location"], "US-OR");
    assert_eq!(app.audit_count("region.place").await, 2);

    // Every wrong field at once, and nothing created.
    let (status, problem) = api
        .post(
            "/regions",
            json!({"name": "bad", "organizationId": org(), "location": "ZZ", "jurisdiction": "E1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "location").is_some(), "{problem}");
    assert!(
        problem_field(&problem, "jurisdiction").is_some(),
        "{problem}"
    );
    assert_eq!(
        app.count("select count(*) from regions where name = 'bad'")
            .await,
        0
    );

    // The dashboard's door: the same rules, errors beside their fields, and the filter.
    let admin = app.admin().await;
    let (status, error) = error_of(
        admin
            .call(
                "regions/create",
                &[
                    ("organization_id", &org()),
                    ("name", "tokyo"),
                    ("location", "JPN"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "location").is_some(), "{error}");
    let res = admin
        .call(
            "regions/create",
            &[
                ("organization_id", &org()),
                ("name", "tokyo"),
                ("provider", "Google Cloud"),
                ("location", "JP-13"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokyo = app.region_id(DEFAULT_ORGANIZATION_ID, "tokyo").await;
    let page: Value = admin
        .call(
            "regions/page",
            &[("organization_id", &org()), ("jurisdiction", "JP")],
        )
        .await
        .json()
        .await
        .unwrap();
    let shown: Vec<&str> = page["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(shown, ["tokyo"]);
    assert_eq!(page["jurisdictions"], json!(["CH", "JP", "US"]));
    let res = admin
        .call(
            "regions/place",
            &[
                ("organization_id", &org()),
                ("region_id", &tokyo.to_string()),
                (
                    "revision",
                    &app.revision("regions", tokyo).await.to_string(),
                ),
                ("location", ""),
                ("jurisdiction", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (place,): (Option<String>,) =
        sqlx::query_as("select jurisdiction from regions where id = $1")
            .bind(tokyo)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(place, None, "empty fields clear what was said");
}

#[sqlx::test]
async fn the_residency_policy_refuses_placements_it_forbids_through_the_api(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let eu = api_region(&api, json!({"name": "eu", "location": "DE"})).await;
    let us = api_region(&api, json!({"name": "us", "location": "US"})).await;
    let (_, health) = api
        .post(
            "/workspaces",
            json!({"name": "health", "regionId": eu, "classifications": ["PHI"]}),
        )
        .await;
    assert_eq!(health["classifications"], json!(["phi"]));
    let health_id = health["workspaceId"].as_str().unwrap().to_owned();

    // Setting a policy moves nothing and lists who now breaks it.
    let (status, policy) = put_policy(
        &api,
        json!({"rules": [{"classification": "phi", "allowedJurisdictions": ["us"]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!(policy["allowedJurisdictions"], json!([]));
    assert_eq!(
        policy["rules"],
        json!([{"classification": "phi", "allowedJurisdictions": ["US"]}])
    );
    let violations = policy["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{policy}");
    assert_eq!(violations[0]["workspaceName"], "health");
    assert_eq!(violations[0]["rule"], "phi only in US");
    let (_, got) = api
        .get(&format!("/organizations/{}/residency-policy", org()))
        .await;
    assert_eq!(got, policy);
    let (_, still) = api.get(&format!("/workspaces/{health_id}")).await;
    assert_eq!(still["regionId"], eu, "a policy change moves nothing");

    // Audited with before and after.
    let (before, after): (Value, Value) = sqlx::query_as(
        "select before, after from audit_events where action = 'residency_policy.update'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(before["rules"], json!([]));
    assert_eq!(after["rules"][0]["classification"], "phi");

    // Create, move and classification change: 422 naming the rule, nothing changed.
    let (status, problem) = api
        .post(
            "/workspaces",
            json!({"name": "clinic", "regionId": eu, "classifications": ["phi"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = problem_field(&problem, "regionId").unwrap();
    assert!(message.contains("phi only in US"), "{message}");
    assert!(message.contains("region eu is in EU (DE)"), "{message}");
    assert_eq!(
        app.count("select count(*) from workspaces where name = 'clinic'")
            .await,
        0
    );
    let (_, plain) = api
        .post("/workspaces", json!({"name": "plain", "regionId": eu}))
        .await;
    let plain_id = plain["workspaceId"].as_str().unwrap().to_owned();
    let (status, problem) = api
        .patch(
            &format!("/workspaces/{plain_id}"),
            json!({"classifications": ["phi"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem_field(&problem, "classifications")
            .unwrap()
            .contains("phi only in US")
    );
    // Allowed where the rule says; the violation is then gone.
    let (status, moved) = api
        .patch(&format!("/workspaces/{health_id}"), json!({"regionId": us}))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (status, problem) = api
        .patch(&format!("/workspaces/{health_id}"), json!({"regionId": eu}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (_, policy) = api
        .get(&format!("/organizations/{}/residency-policy", org()))
        .await;
    assert_eq!(policy["violations"], json!([]));

    // An organization-wide list binds every workspace, classified or not; a region that says
    // nothing about where it is satisfies no restriction.
    let (status, _) = put_policy(&api, json!({"allowedJurisdictions": ["EU"]})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = api.post("/workspaces", json!({"name": "anywhere"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem_field(&problem, "regionId")
            .unwrap()
            .contains("has no jurisdiction or location set")
    );

    // Bad policies are refused whole, each wrong value named by where it is.
    let (status, problem) = put_policy(
        &api,
        json!({"allowedJurisdictions": ["E1"], "rules": [{"classification": "9x", "allowedJurisdictions": ["US"]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem_field(&problem, "allowedJurisdictions").is_some(),
        "{problem}"
    );
    assert!(
        problem_field(&problem, "rules[0].classification").is_some(),
        "{problem}"
    );
    let (status, _) = put_policy(
        &api,
        json!({"rules": [{"classification": "phi", "allowedJurisdictions": ["US"]},
                         {"classification": "phi", "allowedJurisdictions": ["CA"]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, policy) = api
        .get(&format!("/organizations/{}/residency-policy", org()))
        .await;
    assert_eq!(policy["allowedJurisdictions"], json!(["EU"]), "unchanged");

    // Members read it; only admins change it.
    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let (status, _) = member
        .get(&format!("/organizations/{}/residency-policy", org()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put_policy(&member, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn the_residency_policy_is_enforced_in_the_dashboard_too(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    for (name, location) in [("eu", "FR"), ("us", "US-CA")] {
        let res = admin
            .call(
                "regions/create",
                &[
                    ("organization_id", &org()),
                    ("name", name),
                    ("location", location),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let eu = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu")
        .await
        .to_string();
    let us = app
        .region_id(DEFAULT_ORGANIZATION_ID, "us")
        .await
        .to_string();

    // A rule line that cannot be read is an error beside the rules, and nothing is saved.
    let save = |rules: &'static str, revision: &'static str| {
        let admin = &admin;
        async move {
            admin
                .call(
                    "organizations/residency-policy/save",
                    &[
                        ("organization_id", &org()),
                        ("revision", revision),
                        ("allowed_jurisdictions", ""),
                        ("rules", rules),
                    ],
                )
                .await
        }
    };
    let (status, error) = error_of(save("pii: EU\nphi US", "0").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_message(&error, "rules")
            .unwrap()
            .starts_with("Line 2:")
    );
    assert_eq!(
        app.count("select count(*) from residency_policies").await,
        0
    );
    let res = save("pii: EU", "0").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{}/settings/residency-policy", org()))
    );
    // A form opened before that save is stale.
    let (status, _) = error_of(save("pii: US", "0").await).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Creating a pii workspace in the US is refused beside the region picker.
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/create",
                &[
                    ("organization_id", &org()),
                    ("name", "people"),
                    ("region_id", &us),
                    ("classifications", "pii"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_message(&error, "region_id")
            .unwrap()
            .contains("pii only in EU")
    );
    let res = admin
        .call(
            "workspaces/create",
            &[
                ("organization_id", &org()),
                ("name", "people"),
                ("region_id", &eu),
                ("classifications", "pii, PII"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let people = app.workspace_id(DEFAULT_ORGANIZATION_ID, "people").await;

    // The move page knows the policy; the server refuses the move whatever the page said.
    let detail: Value = admin
        .call(
            "workspaces/detail",
            &[
                ("organization_id", &org()),
                ("workspace_id", &people.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["workspace"]["classifications"], json!(["pii"]));
    assert_eq!(detail["policy"]["rules"][0]["classification"], "pii");
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/move",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &people.to_string()),
                    (
                        "revision",
                        &app.revision("workspaces", people).await.to_string(),
                    ),
                    ("region_id", &us),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.to_string().contains("pii only in EU"), "{error}");

    // Dropping the classification is allowed, and is its own audited change.
    let res = admin
        .call(
            "workspaces/classify",
            &[
                ("organization_id", &org()),
                ("workspace_id", &people.to_string()),
                (
                    "revision",
                    &app.revision("workspaces", people).await.to_string(),
                ),
                ("classifications", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("workspace.classify").await, 1);
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/classify",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &people.to_string()),
                    (
                        "revision",
                        &app.revision("workspaces", people).await.to_string(),
                    ),
                    ("classifications", "pii, 4phi"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    // The policy page lists what breaks the policy now (a region moved out of the EU).
    let res = admin
        .call(
            "workspaces/classify",
            &[
                ("organization_id", &org()),
                ("workspace_id", &people.to_string()),
                (
                    "revision",
                    &app.revision("workspaces", people).await.to_string(),
                ),
                ("classifications", "pii"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let eu_id = Uuid::parse_str(&eu).unwrap();
    let res = admin
        .call(
            "regions/place",
            &[
                ("organization_id", &org()),
                ("region_id", &eu),
                (
                    "revision",
                    &app.revision("regions", eu_id).await.to_string(),
                ),
                ("location", "GB"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = admin
        .call(
            "organizations/residency-policy",
            &[("organization_id", &org())],
        )
        .await
        .json()
        .await
        .unwrap();
    let violations = page["view"]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{page}");
    assert_eq!(violations[0]["workspace_name"], "people");
    assert_eq!(violations[0]["breach"]["rule"], "pii only in EU");
}

#[sqlx::test]
async fn a_locked_workspace_moves_only_after_an_explicit_unlock(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let other = api_region(&api, json!({"name": "elsewhere"})).await;
    let (_, created) = api.post("/workspaces", json!({"name": "pinned"})).await;
    let id = created["workspaceId"].as_str().unwrap().to_owned();
    assert_eq!(created["locked"], false);

    let (status, locked) = api
        .patch(&format!("/workspaces/{id}"), json!({"locked": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{locked}");
    assert_eq!(locked["locked"], true);
    // Unlocking and moving in one request is not an explicit unlock first.
    let (status, problem) = api
        .patch(
            &format!("/workspaces/{id}"),
            json!({"locked": false, "regionId": other}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("is locked to region auto")
    );
    let (_, still) = api.get(&format!("/workspaces/{id}")).await;
    assert_eq!(still["locked"], true, "nothing changed");
    let (status, _) = api
        .patch(&format!("/workspaces/{id}"), json!({"locked": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, moved) = api
        .patch(&format!("/workspaces/{id}"), json!({"regionId": other}))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(app.audit_count("workspace.lock").await, 1);
    assert_eq!(app.audit_count("workspace.unlock").await, 1);

    // In the dashboard: organization admins lock; a locked workspace's move is refused.
    let admin = app.admin().await;
    let workspace = Uuid::parse_str(&id).unwrap();
    let lock = |locked: &'static str| {
        let (admin, app, id) = (&admin, &app, &id);
        async move {
            admin
                .call(
                    "workspaces/lock",
                    &[
                        ("organization_id", &org()),
                        ("workspace_id", id),
                        (
                            "revision",
                            &app.revision("workspaces", workspace).await.to_string(),
                        ),
                        ("locked", locked),
                    ],
                )
                .await
        }
    };
    assert_eq!(lock("true").await.status(), StatusCode::OK);
    let auto = app
        .region_id(DEFAULT_ORGANIZATION_ID, "auto")
        .await
        .to_string();
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/move",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &id),
                    (
                        "revision",
                        &app.revision("workspaces", workspace).await.to_string(),
                    ),
                    ("region_id", &auto),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("must unlock it"), "{error}");
    assert_eq!(lock("false").await.status(), StatusCode::OK);
    assert_eq!(app.audit_count("workspace.lock").await, 2);
    assert_eq!(app.audit_count("workspace.unlock").await, 2);
}

/// Creates a managed region as the instance's operator (the instance admin, in the default
/// organization); returns its id.
async fn managed_region(app: &TestApp, name: &str) -> Uuid {
    let admin = app.admin().await;
    let res = admin
        .call(
            "regions/create",
            &[
                ("organization_id", &org()),
                ("name", name),
                ("location", "DE"),
                ("managed", "true"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.region_id(DEFAULT_ORGANIZATION_ID, name).await
}

#[sqlx::test]
async fn managed_regions_are_used_by_every_organization_and_changed_by_operators_only(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let managed = managed_region(&app, "eu-managed").await;
    let other = app.other_organization().await;
    let theirs = app.api_as(other, OrgRole::Admin).await;

    // Another organization sees it, marked managed, and may put workspaces in it.
    let (_, regions) = theirs
        .get(&format!("/regions?organizationId={other}"))
        .await;
    let listed = regions["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["regionId"] == managed.to_string())
        .cloned()
        .expect("the managed region is listed");
    assert_eq!(listed["managed"], true);
    assert_eq!(listed["jurisdiction"], "EU");
    let (status, got) = theirs.get(&format!("/regions/{managed}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    let (status, workspace) = theirs
        .post(
            "/workspaces",
            json!({"name": "borrower", "organizationId": other, "regionId": managed}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{workspace}");
    assert_eq!(workspace["regionId"], managed.to_string());

    // But cannot change or delete it: 403 naming why, nothing changed.
    let (status, problem) = theirs
        .patch(&format!("/regions/{managed}"), json!({"name": "mine-now"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("managed"));
    let (status, _) = theirs.delete(&format!("/regions/{managed}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let their_admin = app.user_in(other, OrgRole::Admin).await;
    let (status, _) = error_of(
        their_admin
            .call(
                "regions/update",
                &[
                    ("organization_id", &other.to_string()),
                    ("region_id", &managed.to_string()),
                    ("revision", "1"),
                    ("enabled", "false"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nor make one of their own managed.
    let (status, _) = error_of(
        their_admin
            .call(
                "regions/create",
                &[
                    ("organization_id", &other.to_string()),
                    ("name", "sneaky"),
                    ("managed", "true"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Their pages show it without management: no data plane secrets, their own count.
    let page: Value = their_admin
        .call(
            "regions/detail",
            &[
                ("organization_id", &other.to_string()),
                ("region_id", &managed.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["meta"]["can_manage"], false);
    assert_eq!(page["overview"]["workspace_count"], 1);
    assert_eq!(page["can_operate"], false);

    // The operator deleting it is refused while another organization's workspace lives there.
    let api = app.api_admin().await;
    let (status, problem) = api.delete(&format!("/regions/{managed}")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    // The instance can send every organization's new workspaces there by default.
    let admin = app.admin().await;
    let res = admin
        .call(
            "regions/default",
            &[
                ("organization_id", &org()),
                ("region_id", &managed.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("region.default").await, 1);
    let (_, placed) = theirs
        .post(
            "/workspaces",
            json!({"name": "defaulted", "organizationId": other}),
        )
        .await;
    assert_eq!(placed["regionId"], managed.to_string());
    let res = admin
        .call(
            "regions/default",
            &[
                ("organization_id", &org()),
                ("region_id", &managed.to_string()),
                ("clear", "true"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, placed) = theirs
        .post(
            "/workspaces",
            json!({"name": "own-auto", "organizationId": other}),
        )
        .await;
    assert_eq!(placed["dataResidency"], "auto");
    assert_ne!(placed["regionId"], managed.to_string());
}

/// Managed regions open no door into another organization's own regions: whatever writes
/// the row, a workspace lives in its organization's region or a managed one.
#[sqlx::test]
async fn a_workspace_never_lives_in_another_organizations_own_region(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let ours = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let theirs = app.api_as(other, OrgRole::Admin).await;
    let (status, problem) = theirs
        .post(
            "/workspaces",
            json!({"name": "intruder", "organizationId": other, "regionId": ours}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let refused = sqlx::query(
        "insert into workspaces (id, organization_id, region_id, name) values ($1, $2, $3, 'raw')",
    )
    .bind(Uuid::new_v4())
    .bind(other)
    .bind(ours)
    .execute(&app.pool)
    .await;
    let error = refused.expect_err("the database refuses it too");
    assert!(
        error.to_string().contains("is not one of organization"),
        "{error}"
    );
}
