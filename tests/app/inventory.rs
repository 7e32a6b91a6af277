//! The data inventory: what the control plane keeps about an organization and what stays in
//! its regions, through the API and on Settings > Data residency.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test]
async fn the_data_inventory_says_what_is_kept_here_and_what_stays_in_the_regions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let (status, body) = api
        .get(&format!("/organizations/{}/data-inventory", org()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let users = body["controlPlane"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "users")
        .unwrap();
    assert_eq!(users["personalData"], true);
    assert_eq!(users["scope"], "organization");
    let email = users["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "email")
        .unwrap();
    assert_eq!(email["personalData"], true);
    let regional: Vec<&str> = body["dataPlanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["what"].as_str().unwrap())
        .collect();
    for what in [
        "Code",
        "Configuration",
        "Secrets",
        "Workload output",
        "Logs",
    ] {
        assert!(regional.contains(&what), "{regional:?}");
    }
    // Another organization's inventory is not this caller's to read.
    let other = app.other_organization().await;
    let (status, _) = api
        .get(&format!("/organizations/{other}/data-inventory"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn members_read_the_data_residency_page_without_javascript(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let res = member
        .get(&format!("/orgs/{}/settings/data-residency", org()))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    for expected in [
        "Stays in your regions",
        "Workload output",
        r#"id="table-audit_events""#,
        "<code>source_ip</code>",
        "Shared by the whole instance",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    let other = app.other_organization().await;
    let res = member
        .get(&format!("/orgs/{other}/settings/data-residency"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
