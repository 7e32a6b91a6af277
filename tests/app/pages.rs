//! Pages as a browser without JavaScript sees them: server-rendered, forms posted and
//! redirected, errors carried back to the form.

use crate::common::*;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, OrgRole};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test]
async fn settings_pages_send_anonymous_visitors_to_sign_in_and_back(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let path = format!("/orgs/{}/settings/regions", org());
    let res = app.client().get(&path).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(redirect_target(&res), Some(format!("/login?next={path}")));
    let res = app.client().get("/").await;
    assert_eq!(redirect_target(&res).as_deref(), Some("/login"));
    let login = app.client().get("/login").await;
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(
        html.contains(r#"<label for="sign-in-email">Email</label>"#),
        "{html}"
    );
}

#[sqlx::test]
async fn the_general_page_lists_every_workspace_with_its_region(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .get(&format!("/orgs/{}/settings/general", org()))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Default Workspace"));
    assert!(
        html.contains(r#"<span class="region-name">auto</span>"#),
        "{html}"
    );
    assert!(html.contains("Default Organization"));
}

#[sqlx::test]
async fn pages_of_other_organizations_and_unknown_paths_are_not_found(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let admin_of_other = app.user_in(other, OrgRole::Admin).await;
    let res = admin_of_other
        .get(&format!("/orgs/{}/settings/general", org()))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("Default Workspace"));
    let res = admin_of_other.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn without_javascript_a_failed_form_comes_back_with_the_error_and_the_typed_value(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let page = format!("/orgs/{}/settings/regions", org());
    let res = admin
        .post_form(
            "regions/create",
            &[("organization_id", &org()), ("name", "eu/west")],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = redirect_target(&res).unwrap();
    assert!(back.contains(&page) && back.contains("__err="), "{back}");
    let back = back.trim_start_matches(&admin.base).to_owned();
    let html = admin.get(&back).await.text().await.unwrap();
    assert!(
        html.contains("is not allowed. Use letters, digits"),
        "the message is beside the field"
    );
    assert!(
        html.contains(r#"value="eu/west""#),
        "the typed value is kept: {html}"
    );
    assert_eq!(app.count("select count(*) from regions").await, 1);
}

#[sqlx::test]
async fn without_javascript_a_successful_form_redirects_with_a_notice_shown_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let page = format!("/orgs/{}/settings/regions", org());
    let res = admin
        .post_form(
            "regions/create",
            &[("organization_id", &org()), ("name", "eu-west")],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let id = app.region_id(DEFAULT_ORGANIZATION_ID, "eu-west").await;
    let target = redirect_target(&res).unwrap();
    assert_eq!(target, format!("{page}/{id}"));
    let html = admin.get(&target).await.text().await.unwrap();
    assert!(html.contains("Region eu-west created."), "{html}");
    let html = admin.get(&target).await.text().await.unwrap();
    assert!(!html.contains("Region eu-west created."), "shown once");
}

#[sqlx::test]
async fn the_credentials_page_shows_the_secret_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let region = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let page = format!("/orgs/{}/settings/regions/{region}", org());
    let res = admin
        .post_form(
            "dataplanes/create",
            &[
                ("organization_id", &org()),
                ("region_id", &region.to_string()),
                ("name", "dp-2"),
            ],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let target = redirect_target(&res).unwrap();
    let first = admin.get(&target).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first_cache_control = first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = first.text().await.unwrap();
    assert!(html.contains("Copy the client secret now."), "{html}");
    assert!(html.contains("DATAPLANE_CLIENT_SECRET="));
    assert_eq!(
        first_cache_control, "no-store",
        "the back button must not show the secret from the browser's cache"
    );
    let second = admin.get(&target).await.text().await.unwrap();
    assert!(second.contains("Credentials no longer shown"));
    assert!(!second.contains("DATAPLANE_CLIENT_SECRET="));
}

#[sqlx::test]
async fn cross_site_form_posts_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .http
        .post(format!("{}/api/regions/create", admin.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("organization_id", org().as_str()), ("name", "evil")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("select count(*) from regions").await, 1);
}

#[sqlx::test]
async fn a_notice_is_kept_for_the_page_it_was_addressed_to(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    admin
        .call(
            "regions/create",
            &[("organization_id", &org()), ("name", "eu-west")],
        )
        .await;
    // The list refreshing behind the redirect must not take the new region's notice.
    let list: serde_json::Value = admin
        .call("regions/page", &[("organization_id", &org())])
        .await
        .json()
        .await
        .unwrap();
    assert!(list["meta"]["notice"].is_null());
    let id = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu-west")
        .await
        .to_string();
    let detail: serde_json::Value = admin
        .call(
            "regions/detail",
            &[("organization_id", &org()), ("region_id", &id)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail["meta"]["notice"],
        "Region eu-west created. Add a data plane to run its workspaces."
    );
}

#[sqlx::test]
async fn pages_flag_work_that_cannot_run_and_say_what_to_do_when_a_list_is_empty(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    // The test server runs no agent: region auto has no healthy data plane.
    let general = admin
        .get(&format!("/orgs/{}/settings/general", org()))
        .await
        .text()
        .await
        .unwrap();
    assert!(general.contains("No healthy data plane"), "{general}");
    let workspaces = admin
        .get(&format!("/orgs/{}/settings/workspaces", org()))
        .await
        .text()
        .await
        .unwrap();
    assert!(workspaces.contains("No healthy data plane"), "{workspaces}");
    // Where data lives is a choice: nothing is preselected.
    assert!(
        workspaces.contains(r#"<option value="" selected>Choose a region…</option>"#),
        "{workspaces}"
    );

    // Nobody has a role on the default workspace, and the only member is an admin.
    let workspace = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let page = admin
        .get(&format!("/orgs/{}/settings/workspaces/{workspace}", org()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nobody has a role here yet"), "{page}");
    assert!(page.contains(r#"id="nobody-to-grant""#), "{page}");
}

/// The error carried in a redirect's URL, decoded (as the page reads it).
fn carried_error(location: &str) -> serde_json::Value {
    use base64::Engine;
    let (_, query) = location.split_once('?').expect("a query");
    let (_, err) = form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "__err")
        .expect("an error in the URL");
    let json = base64::engine::general_purpose::URL_SAFE
        .decode(err.as_bytes())
        .expect("base64");
    serde_json::from_slice(&json).unwrap()
}

#[sqlx::test]
async fn without_javascript_an_error_shows_once_beside_the_form_it_belongs_to(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    for name in ["eu", "us"] {
        admin
            .call(
                "regions/create",
                &[("organization_id", &org()), ("name", name)],
            )
            .await;
    }
    let eu = app
        .region_id(DEFAULT_ORGANIZATION_ID, "eu")
        .await
        .to_string();
    let page = format!("/orgs/{}/settings/regions/{eu}", org());
    // A disabled region's page has a rename form and an enable form, both of `regions/update`.
    let res = admin
        .call(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &eu),
                ("revision", "1"),
                ("enabled", "false"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin
        .post_form(
            "regions/update",
            &[
                ("organization_id", &org()),
                ("region_id", &eu),
                ("revision", "2"),
                ("name", "US"),
                ("form", "rename-region"),
            ],
            &page,
        )
        .await;
    let back = redirect_target(&res).unwrap();
    assert_eq!(
        carried_error(&back)["input"][1],
        serde_json::json!(["form", "rename-region"])
    );
    let html = admin
        .get(back.trim_start_matches(&admin.base))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html.matches("A region with this name already exists.")
            .count(),
        // Once in the form's summary, once beside the name field.
        2,
        "{html}"
    );
    assert_eq!(html.matches(r#"class="form-error""#).count(), 1);
    assert!(
        html.contains("Enable region"),
        "the enable form is on the page, without the error"
    );
    assert!(html.contains(r#"value="US""#), "what was typed comes back");

    // Rows of one table: the error of one member's role form shows in that row only.
    let members = format!("/orgs/{}/settings/members", org());
    for _ in 0..2 {
        app.user_in(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    }
    let someone: uuid::Uuid = sqlx::query_scalar(
        "select user_id from organization_members where organization_id = $1 and role = 'member' limit 1",
    )
    .bind(DEFAULT_ORGANIZATION_ID)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let form = format!("member-role-{someone}");
    let res = admin
        .post_form(
            "members/set-role",
            &[
                ("organization_id", &org()),
                ("user_id", &someone.to_string()),
                ("role", "owner"),
                ("form", &form),
            ],
            &members,
        )
        .await;
    let back = redirect_target(&res).unwrap();
    let html = admin
        .get(back.trim_start_matches(&admin.base))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches(r#"class="form-error""#).count(), 1, "{html}");
}

#[sqlx::test]
async fn errors_carried_back_in_the_url_never_hold_what_was_typed_into_a_secret_field(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .post_form(
            "sso/save",
            &[
                ("organization_id", &org()),
                ("issuer", "not a url"),
                ("client_id", "meridian"),
                ("client_secret", "very-secret-value"),
                ("domains", "example.com"),
                ("default_role", "member"),
            ],
            &format!("/orgs/{}/settings/sso", org()),
        )
        .await;
    let back = redirect_target(&res).unwrap();
    let error = carried_error(&back);
    assert!(
        error["fields"].as_array().is_some_and(|f| !f.is_empty()),
        "{error}"
    );
    assert!(!error.to_string().contains("very-secret-value"), "{error}");
    assert!(!back.contains("very-secret-value"));
    let res = app
        .client()
        .post_form(
            "session/sign-in",
            &[
                ("email", "nobody@example.com"),
                ("password", "typed-password-1"),
            ],
            "/login",
        )
        .await;
    let back = redirect_target(&res).unwrap();
    assert!(
        !carried_error(&back)
            .to_string()
            .contains("typed-password-1")
    );
}

/// With the database gone, pages, server functions and the API answer 503 with `Retry-After`,
/// never 500; `/readyz` fails while `/healthz` (liveness) still answers.
#[sqlx::test]
async fn without_its_database_meridian_answers_503_and_is_not_ready(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    assert_eq!(admin.get("/readyz").await.status(), StatusCode::OK);
    let api = app.api_admin().await;
    pool.close().await;

    let ready = admin.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().contains_key("retry-after"));
    assert_eq!(admin.get("/healthz").await.status(), StatusCode::OK);

    let page = admin
        .get(&format!("/orgs/{}/settings/regions", org()))
        .await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Temporarily unavailable")
    );

    let call = admin
        .call("regions/page", &[("organization_id", &org())])
        .await;
    assert_eq!(call.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(call.headers()["retry-after"], "5");

    let (status, problem) = api.get(&format!("/regions?organizationId={}", org())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["status"], 503);
}
