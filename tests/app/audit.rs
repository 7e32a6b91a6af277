//! The audit trail: Settings > Audit log, its exports, and `GET /audit-events`.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn page(client: &Client, query: &[(&str, &str)], page: i64) -> (StatusCode, Value) {
    let mut form: Vec<(String, String)> = vec![
        ("organization_id".into(), org()),
        ("page".into(), page.to_string()),
    ];
    for field in ["actor", "action", "object", "from", "to"] {
        let value = query
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        form.push((format!("query[{field}]"), value));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = client.call("audit/page", &form).await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

fn actions(data: &Value) -> Vec<String> {
    data["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test]
async fn admins_read_and_filter_their_organizations_trail(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let api = app.api_admin().await;
    api.post(
        "/regions",
        json!({"name": "eu-west", "organizationId": org()}),
    )
    .await;
    // A failed sign-in of a member, and one of a stranger.
    let stranger = app.client();
    stranger
        .call(
            "session/sign-in",
            &[("email", ADMIN_EMAIL), ("password", "wrong password!!")],
        )
        .await;
    stranger
        .call(
            "session/sign-in",
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong password!!"),
            ],
        )
        .await;
    // Another organization's change.
    let other = app.other_organization().await;
    let outsider = app.api_as(other, OrgRole::Admin).await;
    outsider
        .post(
            "/regions",
            json!({"name": "theirs", "organizationId": other}),
        )
        .await;

    let (status, all) = page(&admin, &[], 0).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all_actions = actions(&all);
    assert!(
        all_actions.contains(&"user.sign_in".to_owned()),
        "members' sign-ins"
    );
    assert_eq!(
        all_actions
            .iter()
            .filter(|a| *a == "user.sign_in_failed")
            .count(),
        1,
        "a member's failed sign-in, not a stranger's"
    );
    let text = all.to_string();
    assert!(!text.contains("theirs"), "nothing of another organization");
    assert!(!text.contains("nobody@example.com"));

    let (_, regions) = page(&admin, &[("action", "region")], 0).await;
    assert!(actions(&regions).iter().all(|a| a.starts_with("region.")));
    assert_eq!(actions(&regions).len(), 2, "auto and eu-west");
    let (_, by_app) = page(&admin, &[("actor", &api.client_id)], 0).await;
    assert_eq!(actions(&by_app), ["region.create"]);
    // An actor is found among the organization's events and its members' sign-ins alike, never
    // among strangers'.
    let (_, by_person) = page(&admin, &[("actor", &ADMIN_EMAIL.to_uppercase())], 0).await;
    let by_person = actions(&by_person);
    assert!(
        by_person.contains(&"user.sign_in".to_owned()),
        "{by_person:?}"
    );
    assert!(
        by_person.contains(&"region.create".to_owned()),
        "{by_person:?}"
    );
    let (_, no_one) = page(&admin, &[("actor", "nobody@")], 0).await;
    assert_eq!(actions(&no_one), Vec::<String>::new());
    let (_, by_object) = page(&admin, &[("object", "EU-WE")], 0).await;
    assert_eq!(actions(&by_object), ["region.create"]);
    // Part of a name finds members' sign-ins too (their address is the object's name), never
    // a stranger's, nor another organization's objects.
    let (_, by_address) = page(&admin, &[("object", &ADMIN_EMAIL[..6])], 0).await;
    assert!(
        actions(&by_address).contains(&"user.sign_in_failed".to_owned()),
        "{by_address}"
    );
    let (_, stranger) = page(&admin, &[("object", "nobody@")], 0).await;
    assert_eq!(actions(&stranger), Vec::<String>::new());
    let (_, theirs) = page(&admin, &[("object", "theirs")], 0).await;
    assert_eq!(actions(&theirs), Vec::<String>::new());
    let (_, future) = page(&admin, &[("from", "2999-01-01")], 0).await;
    assert_eq!(actions(&future), Vec::<String>::new());
    let (_, past) = page(&admin, &[("to", "2000-01-01T00:00")], 0).await;
    assert_eq!(actions(&past), Vec::<String>::new());
    // Wildcards in a filter are taken literally.
    let (_, literal) = page(&admin, &[("actor", "%")], 0).await;
    assert_eq!(actions(&literal), Vec::<String>::new());

    let (status, bad) = page(&admin, &[("from", "last tuesday")], 0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bad["problem"]["fields"][0]["field"], "from");
    assert_eq!(bad["events"], json!([]));
}

#[sqlx::test]
async fn the_trail_is_paged_and_only_for_admins(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    sqlx::query(
        "insert into audit_events (id, organization_id, actor, action, object_type, object_name, occurred_at)
         select gen_random_uuid(), $1, 'script', 'workspace.rename', 'workspace', 'w' || n, now() - n * interval '1 minute'
         from generate_series(1, 60) n",
    )
    .bind(DEFAULT_ORGANIZATION_ID)
    .execute(&app.pool)
    .await
    .unwrap();
    let admin = app.admin().await;
    let (_, first) = page(&admin, &[("action", "workspace.rename")], 0).await;
    assert_eq!(first["events"].as_array().unwrap().len(), 50);
    assert_eq!(first["has_more"], true);
    assert_eq!(first["events"][0]["object_name"], "w1", "newest first");
    let (_, second) = page(&admin, &[("action", "workspace.rename")], 1).await;
    assert_eq!(second["events"].as_array().unwrap().len(), 10);
    assert_eq!(second["has_more"], false);

    // Part of a name that over a thousand names contain is matched on the events themselves:
    // the same answers either way.
    sqlx::query(
        "insert into audit_events (id, organization_id, actor, action, object_type, object_name, occurred_at)
         select gen_random_uuid(), $1, 'script', 'workspace.create', 'workspace', 'bulk-' || lpad(n::text, 4, '0'), now() - n * interval '1 second'
         from generate_series(1, 1100) n",
    )
    .bind(DEFAULT_ORGANIZATION_ID)
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, many) = page(&admin, &[("object", "BULK-")], 0).await;
    assert_eq!(many["events"].as_array().unwrap().len(), 50);
    assert_eq!(many["has_more"], true);
    assert_eq!(
        many["events"][0]["object_name"], "bulk-0001",
        "newest first"
    );
    let (_, one) = page(&admin, &[("object", "bulk-0042")], 0).await;
    assert_eq!(one["events"].as_array().unwrap().len(), 1);
    assert_eq!(one["events"][0]["object_name"], "bulk-0042");
    let (_, few) = page(&admin, &[("object", "w5")], 0).await;
    let names: Vec<&str> = few["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["object_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "w5", "w50", "w51", "w52", "w53", "w54", "w55", "w56", "w57", "w58", "w59"
        ]
    );

    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let (status, _) = page(&member, &[], 0).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = member
        .get(&format!(
            "/orgs/{}/settings/audit-log/export?format=csv",
            org()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn the_trail_exports_as_csv_and_json(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    // Names the UI would refuse, written by hand, to prove quoting and formula defusing.
    for name in ["=HYPERLINK(1)", "eu, west"] {
        sqlx::query(
            "insert into audit_events (id, organization_id, actor, action, object_type, object_name)
             values (gen_random_uuid(), $1, 'script', 'region.create', 'region', $2)",
        )
        .bind(DEFAULT_ORGANIZATION_ID)
        .bind(name)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let base = format!("/orgs/{}/settings/audit-log/export", org());

    let csv = admin
        .get(&format!("{base}?format=csv&action=region.create"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let body = csv.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "time,actor,action,object_type,object_name,object_id,source_ip"
    );
    assert_eq!(
        lines.len(),
        1 + 3,
        "the header, auto's creation and the two above"
    );
    assert!(body.contains("\"eu, west\""), "quoted");
    assert!(body.contains("\"'=HYPERLINK(1)\""), "defused");

    let json = admin
        .get(&format!("{base}?format=json&action=region"))
        .await;
    assert_eq!(json.status(), StatusCode::OK);
    let events: Value = json.json().await.unwrap();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("region."))
    );

    // Signed out: sent to sign in.
    let anonymous = app.client().get(&format!("{base}?format=csv")).await;
    assert!(anonymous.status().is_redirection());
}

#[sqlx::test]
async fn the_api_serves_the_trail_with_the_same_filters(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    api.post("/regions", json!({"name": "eu", "organizationId": org()}))
        .await;
    let (status, events) = api
        .get(&format!(
            "/audit-events?organizationId={}&action=region&limit=1",
            org()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{events}");
    assert_eq!(events["data"].as_array().unwrap().len(), 1);
    assert_eq!(events["data"][0]["action"], "region.create");
    assert_eq!(events["data"][0]["objectName"], "eu", "newest first");
    assert!(events["next"].as_str().unwrap().contains("offset=1"));

    let (status, problem) = api
        .get(&format!("/audit-events?organizationId={}&from=soon", org()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "from").is_some());
    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    assert_eq!(
        member
            .get(&format!("/audit-events?organizationId={}", org()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let other = app.other_organization().await;
    let outsider = app.api_as(other, OrgRole::Admin).await;
    assert_eq!(
        outsider
            .get(&format!("/audit-events?organizationId={}", org()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test]
async fn an_event_shows_what_it_changed_to_its_organizations_admins_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
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
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &eu),
                ("revision", "1"),
                ("name", "eu-west"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let event: uuid::Uuid =
        sqlx::query_scalar("select id from audit_events where action = 'region.rename'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    async fn ask(client: &Client, org: String, event: uuid::Uuid) -> (StatusCode, Value) {
        let res = client
            .call(
                "audit/event",
                &[("organization_id", &org), ("event_id", &event.to_string())],
            )
            .await;
        (res.status(), res.json::<Value>().await.unwrap())
    }
    let (status, detail) = ask(&admin, org(), event).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["event"]["action"], "region.rename");
    let name = detail["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "name")
        .cloned()
        .unwrap();
    assert_eq!(
        name,
        json!({"field": "name", "before": "eu", "after": "eu-west"})
    );
    // Members may not read the trail; another organization's admin does not find the event.
    let member = app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    assert_eq!(ask(&member, org(), event).await.0, StatusCode::FORBIDDEN);
    let other = app.other_organization().await;
    let theirs = app.user_in(other, OrgRole::Admin).await;
    assert_eq!(
        ask(&theirs, other.to_string(), event).await.0,
        StatusCode::NOT_FOUND
    );
    // The page, without JavaScript.
    let html = admin
        .get(&format!("/orgs/{}/settings/audit-log/{event}", org()))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Before → after"), "{html}");
    assert!(html.contains("<code>eu-west</code>"), "{html}");
}
