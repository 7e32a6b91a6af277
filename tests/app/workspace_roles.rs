//! Settings > Workspaces, roles: an admin gives a member of the organization a role on one
//! workspace (editor, admin), changes it, takes it away; what the member may then do to that
//! workspace; how the list and the detail page show roles and whom a role may still be given.
//! (Who may call each server function is `authorization`'s matter.)

use crate::common::*;
use meridian::auth::password;
use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, OrgRole};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// A user with `role` in the default organization, signed in.
async fn member(app: &TestApp, email: &str, role: OrgRole) -> (Client, Uuid) {
    let id = db::users::create(
        &app.pool,
        &Email::parse(email).unwrap(),
        "Member",
        Some(&password::hash(PASSWORD)),
        false,
    )
    .await
    .unwrap();
    db::organizations::add_member(&app.pool, DEFAULT_ORGANIZATION_ID, id, role)
        .await
        .unwrap();
    let client = app.client();
    client.sign_in(email, PASSWORD).await;
    (client, id)
}

async fn default_workspace(app: &TestApp) -> Uuid {
    app.workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await
}

async fn detail(client: &Client, workspace: Uuid) -> Value {
    let res = client
        .call(
            "workspaces/detail",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn list_page(client: &Client) -> Value {
    let res = client
        .call("workspaces/page", &[("organization_id", &org())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// (workspace name, the caller's role) for each workspace of the list page, as listed.
async fn roles_by_name(client: &Client) -> Vec<(String, String)> {
    let page = list_page(client).await;
    let workspaces = page["workspaces"].as_array().unwrap();
    let roles = page["roles"].as_array().unwrap();
    assert_eq!(
        workspaces.len(),
        roles.len(),
        "one role per workspace: {page}"
    );
    workspaces
        .iter()
        .zip(roles)
        .map(|(w, r)| {
            (
                w["name"].as_str().unwrap().to_owned(),
                r.as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn grant(client: &Client, workspace: Uuid, user: &str, role: &str) -> reqwest::Response {
    client
        .call(
            "workspaces/grant",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
                ("user_id", user),
                ("role", role),
            ],
        )
        .await
}

async fn rename(app: &TestApp, client: &Client, workspace: Uuid, name: &str) -> reqwest::Response {
    let revision = app.revision("workspaces", workspace).await.to_string();
    client
        .call(
            "workspaces/rename",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
                ("revision", &revision),
                ("name", name),
            ],
        )
        .await
}

async fn move_to(
    app: &TestApp,
    client: &Client,
    workspace: Uuid,
    region: Uuid,
) -> reqwest::Response {
    let revision = app.revision("workspaces", workspace).await.to_string();
    client
        .call(
            "workspaces/move",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
                ("revision", &revision),
                ("region_id", &region.to_string()),
            ],
        )
        .await
}

async fn delete(app: &TestApp, client: &Client, workspace: Uuid) -> reqwest::Response {
    let revision = app.revision("workspaces", workspace).await.to_string();
    client
        .call(
            "workspaces/delete",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
                ("revision", &revision),
            ],
        )
        .await
}

async fn create_region(app: &TestApp, admin: &Client, name: &str) -> Uuid {
    let res = admin
        .call(
            "regions/create",
            &[("organization_id", &org()), ("name", name)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.region_id(DEFAULT_ORGANIZATION_ID, name).await
}

async fn create_workspace(app: &TestApp, admin: &Client, name: &str) -> Uuid {
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let res = admin
        .call(
            "workspaces/create",
            &[
                ("organization_id", &org()),
                ("name", name),
                ("region_id", &auto.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.workspace_id(DEFAULT_ORGANIZATION_ID, name).await
}

fn emails_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|g| g["email"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test]
async fn a_role_on_a_workspace_is_given_changed_and_taken_away(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let eu = create_region(&app, &admin, "eu-west").await;
    let auto = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let workspace = default_workspace(&app).await;
    let (ada, ada_id) = member(&app, "ada@example.com", OrgRole::Member).await;
    assert_eq!(detail(&ada, workspace).await["role"], "reader");

    let res = grant(&admin, workspace, &ada_id.to_string(), "editor").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{}/settings/workspaces/{workspace}", org()))
    );
    let page = detail(&admin, workspace).await;
    assert_eq!(
        page["meta"]["notice"],
        "ada@example.com is now editor of this workspace."
    );
    assert_eq!(page["role"], "admin", "organization admins administer it");
    let grants = page["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{page}");
    assert_eq!(grants[0]["email"], "ada@example.com");
    assert_eq!(grants[0]["role"], "editor");
    let permission = grants[0]["permission_id"].as_str().unwrap().to_owned();

    // An editor renames, but neither moves nor deletes.
    let seen = detail(&ada, workspace).await;
    assert_eq!(seen["role"], "editor");
    assert_eq!(
        seen["grants"], page["grants"],
        "members see who holds roles"
    );
    let res = rename(&app, &ada, workspace, "Renamed").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        detail(&ada, workspace).await["workspace"]["name"],
        "Renamed"
    );
    let (status, _) = error_of(move_to(&app, &ada, workspace, eu).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = error_of(delete(&app, &ada, workspace).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        detail(&admin, workspace).await["workspace"]["region_id"],
        auto.to_string()
    );

    // An admin of the workspace also moves it.
    let res = admin
        .call(
            "workspaces/set-role",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
                ("permission_id", &permission),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{}/settings/workspaces/{workspace}", org()))
    );
    let page = detail(&admin, workspace).await;
    assert_eq!(
        page["meta"]["notice"],
        "ada@example.com is now admin of this workspace."
    );
    assert_eq!(page["grants"][0]["role"], "admin");
    assert_eq!(
        page["grants"][0]["permission_id"], permission,
        "the same permission, changed"
    );
    assert_eq!(detail(&ada, workspace).await["role"], "admin");
    let res = move_to(&app, &ada, workspace, eu).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        detail(&ada, workspace).await["workspace"]["region_name"],
        "eu-west"
    );
    let (status, error) = error_of(
        admin
            .call(
                "workspaces/set-role",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &workspace.to_string()),
                    ("permission_id", &permission),
                    ("role", "owner"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "role").is_some(), "{error}");

    // Revoked: back to reading, like every member.
    let res = admin
        .call(
            "workspaces/revoke",
            &[
                ("organization_id", &org()),
                ("workspace_id", &workspace.to_string()),
                ("permission_id", &permission),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = detail(&admin, workspace).await;
    assert_eq!(
        page["meta"]["notice"],
        "ada@example.com no longer has a role on this workspace."
    );
    assert_eq!(page["grants"], serde_json::json!([]));
    let seen = detail(&ada, workspace).await;
    assert_eq!(seen["role"], "reader");
    let (status, _) = error_of(rename(&app, &ada, workspace, "Mine").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = error_of(move_to(&app, &ada, workspace, auto).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Revoking again finds nothing.
    let (status, _) = error_of(
        admin
            .call(
                "workspaces/revoke",
                &[
                    ("organization_id", &org()),
                    ("workspace_id", &workspace.to_string()),
                    ("permission_id", &permission),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for action in ["permission.grant", "permission.update", "permission.revoke"] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
    assert_eq!(app.audit_count("workspace.rename").await, 1);
    assert_eq!(app.audit_count("workspace.move").await, 1);
}

#[sqlx::test]
async fn a_workspace_admin_may_delete_it_and_give_roles_on_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let workspace = create_workspace(&app, &admin, "Team").await;
    let (ada, ada_id) = member(&app, "ada@example.com", OrgRole::Member).await;
    let (bob, bob_id) = member(&app, "bob@example.com", OrgRole::Member).await;
    let res = grant(&admin, workspace, &ada_id.to_string(), "admin").await;
    assert_eq!(res.status(), StatusCode::OK);

    // Ada, a workspace admin, makes bob an editor.
    let res = grant(&ada, workspace, &bob_id.to_string(), "editor").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(detail(&bob, workspace).await["role"], "editor");
    assert_eq!(
        rename(&app, &bob, workspace, "Team B").await.status(),
        StatusCode::OK
    );
    // ... but has no say on the organization's other workspaces.
    let other = default_workspace(&app).await;
    let (status, _) = error_of(grant(&ada, other, &bob_id.to_string(), "editor").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let res = delete(&app, &ada, workspace).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res),
        Some(format!("/orgs/{}/settings/workspaces", org()))
    );
    assert_eq!(
        app.count("select count(*) from workspace_permissions")
            .await,
        0,
        "roles on a deleted workspace go with it"
    );
    assert_eq!(
        roles_by_name(&ada).await,
        [("Default Workspace".to_owned(), "reader".to_owned())]
    );
}

#[sqlx::test]
async fn roles_go_to_members_of_the_organization_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let workspace = default_workspace(&app).await;
    let (_, ada_id) = member(&app, "ada@example.com", OrgRole::Member).await;

    // Users outside the organization, whether they exist or not, and ids that are none.
    let outsider = db::users::create(
        &app.pool,
        &Email::parse("outsider@example.com").unwrap(),
        "",
        None,
        false,
    )
    .await
    .unwrap();
    let other = app.other_organization().await;
    db::organizations::add_member(&app.pool, other, outsider, OrgRole::Admin)
        .await
        .unwrap();
    let loner = db::users::create(
        &app.pool,
        &Email::parse("loner@example.com").unwrap(),
        "",
        None,
        false,
    )
    .await
    .unwrap();
    for user in [
        outsider.to_string(),
        loner.to_string(),
        Uuid::new_v4().to_string(),
        "not-an-id".to_owned(),
        String::new(),
    ] {
        let (status, error) = error_of(grant(&admin, workspace, &user, "reader").await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{user}: {error}");
        assert!(
            field_message(&error, "user_id").is_some(),
            "{user}: {error}"
        );
    }
    let (status, error) =
        error_of(grant(&admin, workspace, &ada_id.to_string(), "owner").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "role").is_some(), "{error}");
    let (status, _) =
        error_of(grant(&admin, Uuid::new_v4(), &ada_id.to_string(), "reader").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("select count(*) from workspace_permissions")
            .await,
        0
    );

    let res = grant(&admin, workspace, &ada_id.to_string(), "reader").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, error) =
        error_of(grant(&admin, workspace, &ada_id.to_string(), "admin").await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(field_message(&error, "user_id").is_some(), "{error}");
    let page = detail(&admin, workspace).await;
    assert_eq!(page["grants"].as_array().unwrap().len(), 1);
    assert_eq!(
        page["grants"][0]["role"], "reader",
        "the second grant changed nothing"
    );
    assert_eq!(app.audit_count("permission.grant").await, 1);
}

#[sqlx::test]
async fn leaving_the_organization_takes_the_workspace_roles_along(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let first = default_workspace(&app).await;
    let second = create_workspace(&app, &admin, "Second").await;
    let (_, ada_id) = member(&app, "ada@example.com", OrgRole::Member).await;
    let (bob, bob_id) = member(&app, "bob@example.com", OrgRole::Member).await;
    for (workspace, user) in [(first, ada_id), (second, ada_id), (second, bob_id)] {
        let res = grant(&admin, workspace, &user.to_string(), "editor").await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    let res = admin
        .call(
            "members/remove",
            &[
                ("organization_id", &org()),
                ("user_id", &ada_id.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let left: i64 =
        sqlx::query_scalar("select count(*) from workspace_permissions where user_id = $1")
            .bind(ada_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
    assert_eq!(detail(&admin, first).await["grants"], serde_json::json!([]));
    assert_eq!(
        emails_of(&detail(&admin, second).await["grants"]),
        ["bob@example.com"],
        "other members keep theirs"
    );
    assert_eq!(detail(&bob, second).await["role"], "editor");

    // Invited back, ada accepts and starts over as a reader.
    let res = admin
        .call(
            "members/invite",
            &[
                ("organization_id", &org()),
                ("email", "ada@example.com"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ada = app.client();
    ada.sign_in("ada@example.com", PASSWORD).await;
    let mine: Value = ada
        .call("invitations/mine", &[])
        .await
        .json()
        .await
        .unwrap();
    let invitation = mine["invitations"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("ada sees her invitation: {mine}"))
        .to_owned();
    let res = ada
        .call("invitations/accept", &[("invitation_id", &invitation)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        roles_by_name(&ada).await,
        [
            ("Default Workspace".to_owned(), "reader".to_owned()),
            ("Second".to_owned(), "reader".to_owned()),
        ]
    );
}

#[sqlx::test]
async fn the_workspace_list_shows_the_callers_role_on_each(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let alpha = create_workspace(&app, &admin, "Alpha").await;
    let beta = create_workspace(&app, &admin, "Beta").await;
    let (ada, ada_id) = member(&app, "ada@example.com", OrgRole::Member).await;
    let (bob, _) = member(&app, "bob@example.com", OrgRole::Member).await;
    let (carol, carol_id) = member(&app, "carol@example.com", OrgRole::Admin).await;
    for (workspace, user, role) in [
        (alpha, ada_id, "editor"),
        (beta, ada_id, "admin"),
        // A role given to someone who is an organization admin anyway changes nothing.
        (alpha, carol_id, "reader"),
    ] {
        let res = grant(&admin, workspace, &user.to_string(), role).await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    let rows = |roles: [&str; 3]| -> Vec<(String, String)> {
        ["Alpha", "Beta", "Default Workspace"]
            .into_iter()
            .zip(roles)
            .map(|(n, r)| (n.to_owned(), r.to_owned()))
            .collect()
    };
    assert_eq!(
        roles_by_name(&ada).await,
        rows(["editor", "admin", "reader"])
    );
    assert_eq!(
        roles_by_name(&bob).await,
        rows(["reader", "reader", "reader"])
    );
    assert_eq!(
        roles_by_name(&carol).await,
        rows(["admin", "admin", "admin"])
    );
    assert_eq!(
        roles_by_name(&admin).await,
        rows(["admin", "admin", "admin"])
    );
    assert_eq!(detail(&carol, alpha).await["role"], "admin");
    // The page's roles agree with the detail pages'.
    for workspace in [alpha, beta, default_workspace(&app).await] {
        let page = detail(&ada, workspace).await;
        let name = page["workspace"]["name"].as_str().unwrap().to_owned();
        let listed = roles_by_name(&ada)
            .await
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap();
        assert_eq!(page["role"], listed.1, "{name}");
    }

    // Roles in another organization do not leak into this list.
    let other = app.other_organization().await;
    db::organizations::add_member(&app.pool, other, ada_id, OrgRole::Member)
        .await
        .unwrap();
    let elsewhere = app.workspace_id(other, "Default Workspace").await;
    db::permissions::grant(
        &app.pool,
        Uuid::new_v4(),
        elsewhere,
        ada_id,
        meridian::domain::WorkspaceRole::Admin,
    )
    .await
    .unwrap();
    assert_eq!(
        roles_by_name(&ada).await,
        rows(["editor", "admin", "reader"])
    );
}

#[sqlx::test]
async fn only_workspace_admins_see_whom_they_may_give_a_role(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let workspace = default_workspace(&app).await;
    let other_workspace = create_workspace(&app, &admin, "Other").await;
    let (ada, ada_id) = member(&app, "ada@example.com", OrgRole::Member).await;
    let (bob, bob_id) = member(&app, "bob@example.com", OrgRole::Member).await;
    let (carol, _) = member(&app, "carol@example.com", OrgRole::Admin).await;
    let (dave, dave_id) = member(&app, "dave@example.com", OrgRole::Member).await;
    let (_, eve_id) = member(&app, "eve@example.com", OrgRole::Member).await;
    // Someone in another organization is never offered.
    let other = app.other_organization().await;
    let outsider = db::users::create(
        &app.pool,
        &Email::parse("aaron@example.com").unwrap(),
        "",
        None,
        false,
    )
    .await
    .unwrap();
    db::organizations::add_member(&app.pool, other, outsider, OrgRole::Member)
        .await
        .unwrap();

    for (user, role) in [(ada_id, "editor"), (dave_id, "admin")] {
        let res = grant(&admin, workspace, &user.to_string(), role).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    // A role on another workspace does not count here.
    let res = grant(&admin, other_workspace, &bob_id.to_string(), "editor").await;
    assert_eq!(res.status(), StatusCode::OK);

    // Members without a role here and without the organization's admin role.
    let expected = ["bob@example.com", "eve@example.com"];
    for who in [&admin, &carol, &dave] {
        let page = detail(who, workspace).await;
        assert_eq!(page["role"], "admin");
        assert_eq!(emails_of(&page["grantable"]), expected, "{page}");
    }
    let page = detail(&admin, workspace).await;
    let bob_choice = &page["grantable"][0];
    assert_eq!(bob_choice["user_id"], bob_id.to_string());
    assert_eq!(
        emails_of(&page["grants"]),
        ["ada@example.com", "dave@example.com"]
    );
    assert_eq!(
        page["grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["role"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["editor", "admin"]
    );
    // Everyone else: nothing to choose from.
    for who in [&ada, &bob] {
        let page = detail(who, workspace).await;
        assert_ne!(page["role"], "admin");
        assert_eq!(page["grantable"], serde_json::json!([]), "{page}");
    }
    // On the other workspace, bob has the role and ada, dave and eve may get one.
    assert_eq!(
        emails_of(&detail(&admin, other_workspace).await["grantable"]),
        ["ada@example.com", "dave@example.com", "eve@example.com"]
    );
    assert_eq!(
        detail(&bob, other_workspace).await["grantable"],
        serde_json::json!([]),
        "an editor chooses no one"
    );

    // Once given a role, eve is no longer offered.
    let res = grant(&dave, workspace, &eve_id.to_string(), "reader").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        emails_of(&detail(&admin, workspace).await["grantable"]),
        ["bob@example.com"]
    );
}
