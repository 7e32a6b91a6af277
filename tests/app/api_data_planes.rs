//! Public API: data planes, nested under their region and flat.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn data_planes_work_in_the_nested_and_the_flat_form(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (_, region) = api
        .post("/regions", json!({"name": "eu", "organizationId": org()}))
        .await;
    let region_id = region["regionId"].as_str().unwrap().to_owned();

    let (status, nested) = api
        .post(
            &format!("/regions/{region_id}/dataplanes"),
            json!({"name": "eu-dp-1", "enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{nested}");
    assert_eq!(nested["regionId"], region_id);
    assert!(nested["clientId"].as_str().unwrap().starts_with("dp_"));
    assert_eq!(nested["clientSecret"].as_str().unwrap().len(), 43);
    let first = nested["dataplaneId"].as_str().unwrap().to_owned();
    // Its secret is told apart from a later one by its last four characters, nothing more.
    let secret = nested["clientSecret"].as_str().unwrap();
    let (_, secrets) = api.get(&format!("/dataplanes/{first}/secrets")).await;
    assert_eq!(
        secrets["data"][0]["secretHint"],
        format!("…{}", &secret[secret.len() - 4..])
    );

    let (status, flat) = api
        .post(
            "/dataplanes",
            json!({"regionId": region_id, "name": "eu-dp-2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{flat}");
    let second = flat["dataplaneId"].as_str().unwrap().to_owned();

    let (_, listed) = api.get(&format!("/regions/{region_id}/dataplanes")).await;
    let names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["eu-dp-1", "eu-dp-2"]);
    for plane in listed["data"].as_array().unwrap() {
        assert!(
            plane.get("clientSecret").is_none(),
            "secrets appear only once"
        );
        assert_eq!(plane["health"]["status"], "UNKNOWN");
        assert!(plane["health"]["lastHeartbeatAt"].is_null());
    }

    // The flat listing filters by region, repeated or comma-separated.
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let (_, all) = api.get("/dataplanes").await;
    assert_eq!(
        all["data"].as_array().unwrap().len(),
        3,
        "auto's and both new ones"
    );
    let (_, only_eu) = api.get(&format!("/dataplanes?regionIds={region_id}")).await;
    assert_eq!(only_eu["data"].as_array().unwrap().len(), 2);
    let (_, both) = api
        .get(&format!(
            "/dataplanes?regionIds={region_id}&regionIds={auto}"
        ))
        .await;
    assert_eq!(both["data"].as_array().unwrap().len(), 3);
    let (_, comma) = api
        .get(&format!("/dataplanes?regionIds={region_id},{auto}"))
        .await;
    assert_eq!(comma["data"], both["data"]);

    let (status, got) = api
        .get(&format!("/regions/{region_id}/dataplanes/{first}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, api.get(&format!("/dataplanes/{first}")).await.1);
    // Through another region's path it does not exist.
    assert_eq!(
        api.get(&format!("/regions/{auto}/dataplanes/{first}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let (status, patched) = api
        .patch(
            &format!("/regions/{region_id}/dataplanes/{first}"),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["enabled"], false);
    let (_, renamed) = api
        .patch(
            &format!("/dataplanes/{second}"),
            json!({"name": "eu-dp-two"}),
        )
        .await;
    assert_eq!(renamed["name"], "eu-dp-two");
    let (status, problem) = api
        .patch(&format!("/dataplanes/{second}"), json!({"name": "EU-DP-1"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(problem_field(&problem, "name").is_some());

    assert_eq!(
        api.delete(&format!("/regions/{region_id}/dataplanes/{first}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.delete(&format!("/dataplanes/{second}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("/dataplanes/{second}")).await.0,
        StatusCode::NOT_FOUND
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_events where object_type = 'dataplane' and actor like '%' || $1 || '%' order by occurred_at",
    )
    .bind(&api.client_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "dataplane.create",
            "dataplane.create",
            "dataplane.disable",
            "dataplane.rename",
            "dataplane.delete",
            "dataplane.delete"
        ]
    );
}

#[sqlx::test]
async fn data_planes_follow_roles_and_organizations(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let (status, listed) = member.get(&format!("/regions/{auto}/dataplanes")).await;
    assert_eq!(status, StatusCode::OK);
    let plane = listed["data"][0]["dataplaneId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        member
            .post(&format!("/regions/{auto}/dataplanes"), json!({"name": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .patch(&format!("/dataplanes/{plane}"), json!({"enabled": false}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let other = app.other_organization().await;
    let outsider = app.api_as(other, OrgRole::Admin).await;
    assert_eq!(
        outsider.get(&format!("/dataplanes/{plane}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider.get(&format!("/regions/{auto}/dataplanes")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider
            .post("/dataplanes", json!({"regionId": auto, "name": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider.delete(&format!("/dataplanes/{plane}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Filtering by someone else's region yields nothing of theirs.
    let (_, filtered) = outsider.get(&format!("/dataplanes?regionIds={auto}")).await;
    assert_eq!(filtered["data"], json!([]));
    // Their own organization has no data plane yet.
    let (_, mine) = outsider.get("/dataplanes").await;
    assert_eq!(mine["data"], json!([]));
    assert_eq!(app.count("select count(*) from data_planes").await, 1);
}
