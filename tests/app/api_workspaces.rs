//! Public API: workspaces, their residency, paging; organizations.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn workspaces_show_and_change_their_residency(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;

    // Without a region a workspace lands in `auto`, as in Airbyte.
    let (status, created) = api.post("/workspaces", json!({"name": "Acme"})).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["dataResidency"], "auto");
    assert_eq!(created["regionId"], auto.to_string());
    assert_eq!(created["organizationId"], org());
    assert_eq!(created["notifications"], json!({}));
    let id = created["workspaceId"].as_str().unwrap().to_owned();

    let (_, region) = api
        .post(
            "/regions",
            json!({"name": "EU-West", "organizationId": org()}),
        )
        .await;
    let (status, moved) = api
        .patch(
            &format!("/workspaces/{id}"),
            json!({"regionId": region["regionId"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["dataResidency"], "eu-west");
    let (_, got) = api.get(&format!("/workspaces/{id}")).await;
    assert_eq!(got, moved);
    assert_eq!(app.audit_count("workspace.move").await, 1);

    let (status, problem) = api
        .patch(
            &format!("/workspaces/{id}"),
            json!({"regionId": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "regionId").is_some());
    let (status, _) = api
        .post("/workspaces", json!({"name": "acme", "regionId": auto}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "names are unique regardless of case"
    );

    assert_eq!(
        api.delete(&format!("/workspaces/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("/workspaces/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("workspace.delete").await, 1);
}

#[sqlx::test]
async fn workspace_lists_page_and_filter_as_airbyte_clients_expect(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        let (_, w) = api
            .post("/workspaces", json!({"name": format!("w{n}")}))
            .await;
        ids.push(w["workspaceId"].as_str().unwrap().to_owned());
    }
    // Default Workspace, w1..w4 by name.
    let (status, page) = api.get("/workspaces?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    let names = |page: &serde_json::Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&page), ["Default Workspace", "w1"]);
    assert!(page.get("previous").is_none());
    let next = page["next"].as_str().unwrap().to_owned();
    assert!(
        next.contains("limit=2") && next.contains("offset=2"),
        "{next}"
    );

    // Relative: no public address is configured.
    assert!(next.starts_with("/api/public/v1/workspaces?"), "{next}");
    let res = api
        .http
        .get(format!("http://{}{next}", app.addr))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    let (_, second) = read(res).await;
    assert_eq!(names(&second), ["w2", "w3"]);
    assert!(second["previous"].as_str().unwrap().contains("offset=0"));
    let (_, last) = api.get("/workspaces?limit=2&offset=4").await;
    assert_eq!(names(&last), ["w4"]);
    assert!(last.get("next").is_none());

    let (_, chosen) = api
        .get(&format!(
            "/workspaces?workspaceIds={}&workspaceIds={}&includeDeleted=false",
            ids[0], ids[3]
        ))
        .await;
    assert_eq!(names(&chosen), ["w1", "w4"]);
    let (_, comma) = api
        .get(&format!("/workspaces?workspaceIds={},{}", ids[0], ids[3]))
        .await;
    assert_eq!(names(&comma), ["w1", "w4"]);

    for bad in [
        "limit=0",
        "limit=101",
        "offset=-1",
        "limit=x",
        "includeDeleted=maybe",
        "workspaceIds=nope",
    ] {
        let (status, _) = api.get(&format!("/workspaces?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[sqlx::test]
async fn workspaces_of_other_organizations_never_come_back(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let outsider = app.api_as(other, OrgRole::Admin).await;
    let ours = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;

    let (_, list) = outsider.get("/workspaces").await;
    let orgs: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["organizationId"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, [other.to_string()]);
    let (_, filtered) = outsider
        .get(&format!("/workspaces?workspaceIds={ours}"))
        .await;
    assert_eq!(filtered["data"], json!([]));
    assert_eq!(
        outsider.get(&format!("/workspaces/{ours}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider
            .patch(&format!("/workspaces/{ours}"), json!({"name": "mine"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider.delete(&format!("/workspaces/{ours}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider
            .get(&format!("/workspaces?organizationId={}", org()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Creating in the default organization is refused; without one named, the workspace goes
    // to the organization the application acts in, never ours.
    assert_eq!(
        outsider
            .post("/workspaces", json!({"name": "x", "organizationId": org()}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, created) = outsider.post("/workspaces", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(created["organizationId"], org());

    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    assert_eq!(
        member.get(&format!("/workspaces/{ours}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        member
            .patch(&format!("/workspaces/{ours}"), json!({"name": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, orgs) = member.get("/organizations").await;
    assert_eq!(orgs["data"].as_array().unwrap().len(), 1);
}
