//! Public API: `/users` and `/permissions` in Airbyte's shapes. Organization permissions are
//! memberships, workspace permissions roles on one workspace; what each request changes, how
//! listings filter, the scope and last-admin rules, and what a workspace role then lets a
//! member do through `/workspaces`. Asking for an organization permission invites the person
//! (202, `/invitations`): they become a member only once they accept it, signed in as
//! themselves. An application acts in the one organization it was created in. (Who may call
//! each endpoint is `authorization`'s matter.)

use crate::common::*;
use meridian::auth::api_access::ACCESS_TTL;
use meridian::auth::password;
use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, OrgRole};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// An audit event as these tests read it: action, object type, object id, before, after, actor.
type AuditRow = (
    String,
    String,
    Option<Uuid>,
    Option<Value>,
    Option<Value>,
    String,
);

/// A user who belongs to no organization yet.
async fn new_user(app: &TestApp, email: &str, name: &str) -> Uuid {
    db::users::create(&app.pool, &Email::parse(email).unwrap(), name, None, false)
        .await
        .unwrap()
}

/// A user with `role` in `organization`.
async fn new_member(app: &TestApp, organization: Uuid, email: &str, role: OrgRole) -> Uuid {
    let id = new_user(app, email, "Member").await;
    db::organizations::add_member(&app.pool, organization, id, role)
        .await
        .unwrap();
    id
}

/// A person with a password who belongs to no organization yet, and a browser signed in as
/// them.
async fn person(app: &TestApp, email: &str, name: &str) -> (Uuid, Client) {
    let id = db::users::create(
        &app.pool,
        &Email::parse(email).unwrap(),
        name,
        Some(&password::hash(PASSWORD)),
        false,
    )
    .await
    .unwrap();
    let client = app.client();
    client.sign_in(email, PASSWORD).await;
    (id, client)
}

/// Asks for an organization permission for `who` (`{"userId": ...}` or `{"email": ...}`):
/// 202 with the invitation. Returns its id and the body.
async fn invite(api: &Api, who: Value, organization: Uuid, permission_type: &str) -> (Uuid, Value) {
    let mut body = json!({
        "permissionType": permission_type,
        "organizationId": organization,
    });
    for (key, value) in who.as_object().unwrap() {
        body[key.as_str()] = value.clone();
    }
    let (status, invitation) = api.post("/permissions", body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{invitation}");
    let id = invitation["invitationId"]
        .as_str()
        .unwrap_or_else(|| panic!("not an invitation: {invitation}"))
        .parse()
        .unwrap();
    (id, invitation)
}

/// The invited person accepts, in their own session.
async fn accept(person: &Client, invitation: Uuid) {
    let res = person
        .call(
            "invitations/accept",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    let status = res.status();
    assert_eq!(status, StatusCode::OK, "{}", res.text().await.unwrap());
}

/// `user` joins `organization` the only way there is: `api` invites them, and they accept
/// signed in as themselves (`person`). Returns their membership: their organization
/// permission's id.
async fn join(
    app: &TestApp,
    api: &Api,
    person: &Client,
    user: Uuid,
    organization: Uuid,
    permission_type: &str,
) -> Uuid {
    let (invitation, _) = invite(api, json!({"userId": user}), organization, permission_type).await;
    accept(person, invitation).await;
    db::organizations::membership_id(&app.pool, organization, user)
        .await
        .unwrap()
        .expect("a member once the invitation is accepted")
}

/// An application of the instance admin acting in `organization`.
async fn admin_in(app: &TestApp, organization: Uuid) -> Api {
    let admin = db::users::find_by_email(&app.pool, &Email::parse(ADMIN_EMAIL).unwrap())
        .await
        .unwrap()
        .unwrap();
    app.api_in(organization, admin.id).await
}

async fn default_workspace_of(app: &TestApp, organization: Uuid) -> Uuid {
    app.workspace_id(organization, "Default Workspace").await
}

/// Gives `user` a role on `workspace` through the API; the new permission's id.
async fn grant(api: &Api, user: Uuid, workspace: Uuid, permission_type: &str) -> String {
    let (status, body) = api
        .post(
            "/permissions",
            json!({
                "permissionType": permission_type,
                "userId": user,
                "workspaceId": workspace,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["permissionId"].as_str().unwrap().to_owned()
}

/// A listing's rows as (userId, permissionType, workspaceId or organizationId), sorted.
fn rows(list: &Value) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> = list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a listing: {list}"))
        .iter()
        .map(|p| {
            let scope = p
                .get("workspaceId")
                .or_else(|| p.get("organizationId"))
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no scope: {p}"));
            (
                p["userId"].as_str().unwrap().to_owned(),
                p["permissionType"].as_str().unwrap().to_owned(),
                scope.to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(user: Uuid, permission_type: &str, scope: Uuid) -> (String, String, String) {
    (
        user.to_string(),
        permission_type.to_owned(),
        scope.to_string(),
    )
}

fn emails(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a listing: {list}"))
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

async fn user_count_with_workspace_roles(app: &TestApp, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from workspace_permissions where user_id = $1")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn users_are_an_organizations_members_filtered_by_id_and_email(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let ada = new_member(
        &app,
        DEFAULT_ORGANIZATION_ID,
        "ada@example.com",
        OrgRole::Member,
    )
    .await;
    let bob = new_member(
        &app,
        DEFAULT_ORGANIZATION_ID,
        "bob@example.com",
        OrgRole::Admin,
    )
    .await;
    // Users outside the organization never come back.
    new_user(&app, "carol@example.com", "Carol").await;
    let other = app.other_organization().await;
    new_member(&app, other, "dave@example.com", OrgRole::Member).await;

    let (status, list) = api.get(&format!("/users?organizationId={}", org())).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        emails(&list),
        ["ada@example.com", ADMIN_EMAIL, "bob@example.com"]
    );
    let first = &list["data"][0];
    assert_eq!(first["id"], ada.to_string());
    assert_eq!(first["name"], "Member");
    assert_eq!(list["data"][1]["name"], "Administrator");

    let (_, by_id) = api
        .get(&format!(
            "/users?organizationId={}&ids={ada}&ids={bob}",
            org()
        ))
        .await;
    assert_eq!(emails(&by_id), ["ada@example.com", "bob@example.com"]);
    let (_, by_id) = api
        .get(&format!("/users?organizationId={}&ids={ada},{bob}", org()))
        .await;
    assert_eq!(emails(&by_id), ["ada@example.com", "bob@example.com"]);
    let (_, nobody) = api
        .get(&format!(
            "/users?organizationId={}&ids={}",
            org(),
            Uuid::new_v4()
        ))
        .await;
    assert_eq!(nobody["data"], json!([]));

    let (_, by_email) = api
        .get(&format!(
            "/users?organizationId={}&emails=ADA@Example.com&emails=bob@example.com",
            org()
        ))
        .await;
    assert_eq!(emails(&by_email), ["ada@example.com", "bob@example.com"]);
    let (_, by_email) = api
        .get(&format!(
            "/users?organizationId={}&emails=Bob@EXAMPLE.com,%20carol@example.com",
            org()
        ))
        .await;
    assert_eq!(
        emails(&by_email),
        ["bob@example.com"],
        "carol is no member, so she is not listed"
    );
    // Both filters at once: users matching both.
    let (_, both) = api
        .get(&format!(
            "/users?organizationId={}&ids={ada},{bob}&emails=bob@example.com",
            org()
        ))
        .await;
    assert_eq!(emails(&both), ["bob@example.com"]);

    let (status, problem) = api.get("/users").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem_field(&problem, "organizationId").is_some(),
        "{problem}"
    );
    let (status, problem) = api.get(&format!("/users?ids={ada}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "organizationId").is_some());
    let (status, problem) = api
        .get(&format!("/users?organizationId={}&ids=nope", org()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "ids").is_some(), "{problem}");
}

#[sqlx::test]
async fn an_organization_permission_invites_the_user_who_becomes_a_member_on_accepting(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (ada, ada_browser) = person(&app, "ada@example.com", "Ada").await;
    let workspace = default_workspace_of(&app, DEFAULT_ORGANIZATION_ID).await;

    let (invitation, created) = invite(
        &api,
        json!({"userId": ada}),
        DEFAULT_ORGANIZATION_ID,
        "organization_member",
    )
    .await;
    for field in ["createdAt", "expiresAt"] {
        assert!(
            created[field]
                .as_str()
                .is_some_and(|t| time::OffsetDateTime::parse(
                    t,
                    &time::format_description::well_known::Rfc3339
                )
                .is_ok()),
            "{field} is RFC 3339: {created}"
        );
    }
    assert_eq!(
        created,
        json!({
            "invitationId": invitation,
            "organizationId": org(),
            "email": "ada@example.com",
            "permissionType": "organization_member",
            "status": "pending",
            "createdAt": created["createdAt"],
            "expiresAt": created["expiresAt"],
        }),
        "an invitation, not a permission"
    );
    // Not a member until she accepts: no membership, not among the organization's users.
    assert_eq!(
        db::organizations::membership_role(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
            .await
            .unwrap(),
        Some(None)
    );
    let (_, users) = api
        .get(&format!("/users?organizationId={}&ids={ada}", org()))
        .await;
    assert_eq!(users["data"], json!([]));
    let (status, pending) = api
        .get(&format!("/invitations?organizationId={}", org()))
        .await;
    assert_eq!(status, StatusCode::OK, "{pending}");
    assert_eq!(pending["data"], json!([created]));
    // Asked again while pending: the one invitation stays, whatever the role asked for.
    let (status, problem) = api
        .post(
            "/permissions",
            json!({
                "permissionType": "organization_admin",
                "userId": ada,
                "organizationId": org(),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    accept(&ada_browser, invitation).await;
    let id = db::organizations::membership_id(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
        .await
        .unwrap()
        .expect("a member once she accepted");
    let (status, got) = api.get(&format!("/permissions/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        got,
        json!({
            "permissionId": id,
            "permissionType": "organization_member",
            "userId": ada,
            "organizationId": org(),
        }),
        "the permission is the membership itself, and has no workspaceId"
    );
    let (_, users) = api
        .get(&format!("/users?organizationId={}&ids={ada}", org()))
        .await;
    assert_eq!(
        users["data"],
        json!([{"id": ada, "name": "Ada", "email": "ada@example.com"}])
    );
    let (_, pending) = api
        .get(&format!("/invitations?organizationId={}", org()))
        .await;
    assert_eq!(
        pending["data"],
        json!([]),
        "the accepted invitation is closed"
    );

    // Once only, whatever the role asked for.
    let (status, problem) = api
        .post(
            "/permissions",
            json!({
                "permissionType": "organization_admin",
                "userId": ada,
                "organizationId": org(),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        db::organizations::membership_role(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
            .await
            .unwrap(),
        Some(Some(OrgRole::Member)),
        "the duplicate changed nothing"
    );

    let (status, problem) = api
        .post(
            "/permissions",
            json!({
                "permissionType": "organization_member",
                "userId": Uuid::new_v4(),
                "organizationId": org(),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "userId").is_some(), "{problem}");

    // An admin, by email, before the person even has an account: an admin once they accept.
    let (invitation, created) = invite(
        &api,
        json!({"email": "Bob@Example.com"}),
        DEFAULT_ORGANIZATION_ID,
        "organization_admin",
    )
    .await;
    assert_eq!(created["permissionType"], "organization_admin");
    assert_eq!(created["email"], "bob@example.com");
    assert_eq!(
        app.count("select count(*) from users where email = 'bob@example.com'")
            .await,
        0,
        "inviting makes no account"
    );
    let (bob, bob_browser) = person(&app, "bob@example.com", "Bob").await;
    accept(&bob_browser, invitation).await;
    assert_eq!(
        db::organizations::membership_role(&app.pool, DEFAULT_ORGANIZATION_ID, bob)
            .await
            .unwrap(),
        Some(Some(OrgRole::Admin))
    );

    // The scope and the fields must agree, and the person is named once.
    let carol = new_user(&app, "carol@example.com", "Carol").await;
    let wrong: [(Value, &str); 8] = [
        (
            json!({"permissionType": "organization_member", "userId": carol,
                   "organizationId": org(), "workspaceId": workspace}),
            "organizationId",
        ),
        (
            json!({"permissionType": "organization_admin", "userId": carol,
                   "workspaceId": workspace}),
            "organizationId",
        ),
        (
            json!({"permissionType": "workspace_reader", "userId": carol,
                   "organizationId": org()}),
            "workspaceId",
        ),
        (
            json!({"permissionType": "workspace_editor", "userId": carol}),
            "workspaceId",
        ),
        (
            json!({"permissionType": "organization_owner", "userId": carol,
                   "organizationId": org()}),
            "permissionType",
        ),
        (
            json!({"permissionType": "organization_member", "userId": carol,
                   "email": "carol@example.com", "organizationId": org()}),
            "userId",
        ),
        (
            json!({"permissionType": "organization_member", "organizationId": org()}),
            "userId",
        ),
        (
            json!({"permissionType": "organization_member", "email": "not an email",
                   "organizationId": org()}),
            "email",
        ),
    ];
    for (body, field) in wrong {
        let (status, problem) = api.post("/permissions", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert!(
            problem_field(&problem, field).is_some(),
            "{body} names {field}: {problem}"
        );
    }
    assert_eq!(
        db::organizations::membership_role(&app.pool, DEFAULT_ORGANIZATION_ID, carol)
            .await
            .unwrap(),
        Some(None),
        "refused requests add nobody"
    );
    assert_eq!(
        app.count("select count(*) from invitations where email = 'carol@example.com'")
            .await,
        0,
        "and invite nobody"
    );
    assert_eq!(
        app.count("select count(*) from workspace_permissions")
            .await,
        0
    );
}

#[sqlx::test]
async fn workspace_permissions_go_to_members_of_the_organization_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let workspace = default_workspace_of(&app, DEFAULT_ORGANIZATION_ID).await;
    let ada = new_member(
        &app,
        DEFAULT_ORGANIZATION_ID,
        "ada@example.com",
        OrgRole::Member,
    )
    .await;

    let (status, created) = api
        .post(
            "/permissions",
            json!({
                "permissionType": "workspace_editor",
                "userId": ada,
                "workspaceId": workspace,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id: Uuid = created["permissionId"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        created,
        json!({
            "permissionId": id,
            "permissionType": "workspace_editor",
            "userId": ada,
            "workspaceId": workspace,
        }),
        "a workspace permission has no organizationId"
    );
    assert_eq!(
        db::permissions::workspace_role(&app.pool, DEFAULT_ORGANIZATION_ID, workspace, ada)
            .await
            .unwrap(),
        Some(Some(meridian::domain::WorkspaceRole::Editor))
    );

    let (status, problem) = api
        .post(
            "/permissions",
            json!({
                "permissionType": "workspace_admin",
                "userId": ada,
                "workspaceId": workspace,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        db::permissions::workspace_role(&app.pool, DEFAULT_ORGANIZATION_ID, workspace, ada)
            .await
            .unwrap(),
        Some(Some(meridian::domain::WorkspaceRole::Editor)),
        "the duplicate changed nothing"
    );

    // A user outside the organization, or in another one, gets no role on its workspaces.
    let outsider = new_user(&app, "bob@example.com", "Bob").await;
    let other = app.other_organization().await;
    let elsewhere = new_member(&app, other, "carol@example.com", OrgRole::Admin).await;
    for user in [outsider, elsewhere, Uuid::new_v4()] {
        let (status, problem) = api
            .post(
                "/permissions",
                json!({
                    "permissionType": "workspace_reader",
                    "userId": user,
                    "workspaceId": workspace,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem_field(&problem, "userId").is_some(), "{problem}");
    }
    let (status, problem) = api
        .post(
            "/permissions",
            json!({
                "permissionType": "workspace_reader",
                "userId": ada,
                "workspaceId": Uuid::new_v4(),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem_field(&problem, "workspaceId").is_some(),
        "{problem}"
    );
    assert_eq!(
        app.count("select count(*) from workspace_permissions")
            .await,
        1
    );
}

#[sqlx::test]
async fn permissions_are_listed_by_organization_by_user_or_for_the_caller(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.api_admin().await;
    let admin_id = admin.user_id;
    let org_id = DEFAULT_ORGANIZATION_ID;
    let workspace = default_workspace_of(&app, org_id).await;
    let (_, second) = admin.post("/workspaces", json!({"name": "Second"})).await;
    let second: Uuid = second["workspaceId"].as_str().unwrap().parse().unwrap();
    let (ada, ada_browser) = person(&app, "ada@example.com", "Ada").await;
    join(
        &app,
        &admin,
        &ada_browser,
        ada,
        org_id,
        "organization_member",
    )
    .await;
    let member = app.api_in(org_id, ada).await;
    let bob = new_member(&app, org_id, "bob@example.com", OrgRole::Admin).await;
    grant(&admin, ada, workspace, "workspace_editor").await;
    grant(&admin, ada, second, "workspace_admin").await;
    grant(&admin, bob, second, "workspace_reader").await;
    // In another organization, ada has a membership and a role too.
    let other = app.other_organization().await;
    let admin_there = admin_in(&app, other).await;
    join(
        &app,
        &admin_there,
        &ada_browser,
        ada,
        other,
        "organization_member",
    )
    .await;
    let other_workspace = default_workspace_of(&app, other).await;
    grant(&admin_there, ada, other_workspace, "workspace_reader").await;

    let everyone = vec![
        row(admin_id, "organization_admin", org_id),
        row(ada, "organization_member", org_id),
        row(ada, "workspace_editor", workspace),
        row(ada, "workspace_admin", second),
        row(bob, "organization_admin", org_id),
        row(bob, "workspace_reader", second),
    ];
    let sorted = |mut v: Vec<(String, String, String)>| {
        v.sort();
        v
    };
    // Members of the organization see all of them.
    for caller in [&admin, &member] {
        let (status, list) = caller
            .get(&format!("/permissions?organizationId={org_id}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(rows(&list), sorted(everyone.clone()));
    }
    let (_, list) = admin
        .get(&format!(
            "/permissions?organizationId={org_id}&userId={ada}"
        ))
        .await;
    assert_eq!(
        rows(&list),
        sorted(vec![
            row(ada, "organization_member", org_id),
            row(ada, "workspace_editor", workspace),
            row(ada, "workspace_admin", second),
        ])
    );
    // Memberships carry the organization, workspace permissions their workspace.
    for p in list["data"].as_array().unwrap() {
        let is_org = p["permissionType"]
            .as_str()
            .unwrap()
            .starts_with("organization_");
        assert_eq!(p.get("organizationId").is_some(), is_org, "{p}");
        assert_eq!(p.get("workspaceId").is_some(), !is_org, "{p}");
    }
    let (_, list) = admin
        .get(&format!(
            "/permissions?organizationId={org_id}&userId={}",
            Uuid::new_v4()
        ))
        .await;
    assert_eq!(list["data"], json!([]));

    // Without an organization: the caller's own, in the organization the application acts in.
    let own_here = sorted(vec![
        row(ada, "organization_member", org_id),
        row(ada, "workspace_editor", workspace),
        row(ada, "workspace_admin", second),
    ]);
    let (status, list) = member.get("/permissions").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(rows(&list), own_here);
    let (status, list) = member.get(&format!("/permissions?userId={ada}")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(rows(&list), own_here, "naming oneself is fine");
    let (_, list) = admin.get("/permissions").await;
    assert_eq!(
        rows(&list),
        [row(admin_id, "organization_admin", org_id)],
        "the instance admin's own: its one membership"
    );
    // Ada's application in the other organization lists hers there, and only those.
    let member_there = app.api_in(other, ada).await;
    let (status, list) = member_there.get("/permissions").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        rows(&list),
        sorted(vec![
            row(ada, "organization_member", other),
            row(ada, "workspace_reader", other_workspace),
        ])
    );
    // An application does not speak for its owner in another organization, even one they
    // belong to: as if they were no member there.
    let (status, problem) = member
        .get(&format!("/permissions?organizationId={other}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, problem) = member_there
        .get(&format!("/permissions?organizationId={org_id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");

    for caller in [&member, &admin] {
        let (status, problem) = caller.get(&format!("/permissions?userId={bob}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(
            problem_field(&problem, "organizationId").is_some(),
            "{problem}"
        );
    }
    let (status, problem) = admin.get("/permissions?organizationId=nope").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "organizationId").is_some());
}

#[sqlx::test]
async fn a_permission_is_read_by_its_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.api_admin().await;
    let workspace = default_workspace_of(&app, DEFAULT_ORGANIZATION_ID).await;
    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let ada = member.user_id;
    let granted = grant(&admin, ada, workspace, "workspace_reader").await;
    let membership = db::organizations::membership_id(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
        .await
        .unwrap()
        .unwrap();

    let (status, got) = admin.get(&format!("/permissions/{membership}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        got,
        json!({
            "permissionId": membership,
            "permissionType": "organization_member",
            "userId": ada,
            "organizationId": org(),
        })
    );
    for caller in [&admin, &member] {
        let (status, got) = caller.get(&format!("/permissions/{granted}")).await;
        assert_eq!(status, StatusCode::OK, "{got}");
        assert_eq!(
            got,
            json!({
                "permissionId": granted,
                "permissionType": "workspace_reader",
                "userId": ada,
                "workspaceId": workspace,
            })
        );
    }

    let (status, _) = admin.get(&format!("/permissions/{}", Uuid::new_v4())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = admin.get("/permissions/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("permissionId"),
        "{problem}"
    );
    for (method, body) in [
        (
            reqwest::Method::PATCH,
            Some(json!({"permissionType": "workspace_admin"})),
        ),
        (reqwest::Method::DELETE, None),
    ] {
        let (status, _) = admin
            .send(
                method.clone(),
                &format!("/permissions/{}", Uuid::new_v4()),
                body.clone(),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        let (status, _) = admin.send(method.clone(), "/permissions/12345", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method}");
    }
}

#[sqlx::test]
async fn a_permission_changes_within_its_scope(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.api_admin().await;
    let workspace = default_workspace_of(&app, DEFAULT_ORGANIZATION_ID).await;
    let member = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let ada = member.user_id;
    let membership = db::organizations::membership_id(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/permissions/{membership}");

    let (status, promoted) = admin
        .patch(&path, json!({"permissionType": "organization_admin"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    assert_eq!(
        promoted,
        json!({
            "permissionId": membership,
            "permissionType": "organization_admin",
            "userId": ada,
            "organizationId": org(),
        })
    );
    assert_eq!(admin.get(&path).await.1, promoted);
    // The promotion counts: once the short-lived access cache has let go, ada administers.
    tokio::time::sleep(ACCESS_TTL + std::time::Duration::from_millis(100)).await;
    let (status, created) = member
        .post("/workspaces", json!({"name": "Ada workspace"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");

    let (status, demoted) = admin
        .patch(&path, json!({"permissionType": "organization_member"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{demoted}");
    assert_eq!(demoted["permissionType"], "organization_member");
    assert_eq!(
        db::organizations::membership_role(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
            .await
            .unwrap(),
        Some(Some(OrgRole::Member))
    );
    // The same type again is no change, and no error.
    let (status, same) = admin
        .patch(&path, json!({"permissionType": "organization_member"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same, demoted);

    let granted = grant(&admin, ada, workspace, "workspace_reader").await;
    let granted_path = format!("/permissions/{granted}");
    let (status, changed) = admin
        .patch(&granted_path, json!({"permissionType": "workspace_admin"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed,
        json!({
            "permissionId": granted,
            "permissionType": "workspace_admin",
            "userId": ada,
            "workspaceId": workspace,
        })
    );
    assert_eq!(admin.get(&granted_path).await.1, changed);
    let (_, changed) = admin
        .patch(&granted_path, json!({"permissionType": "workspace_editor"}))
        .await;
    assert_eq!(changed["permissionType"], "workspace_editor");

    // Scopes stay what they are.
    for (path, permission_type) in [
        (&path, "workspace_reader"),
        (&path, "workspace_admin"),
        (&granted_path, "organization_admin"),
        (&granted_path, "organization_member"),
    ] {
        let (status, problem) = admin
            .patch(path, json!({"permissionType": permission_type}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} → {permission_type}: {problem}"
        );
        assert!(
            problem_field(&problem, "permissionType").is_some(),
            "{problem}"
        );
    }
    let (status, problem) = admin
        .patch(&granted_path, json!({"permissionType": "workspace_owner"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem_field(&problem, "permissionType").is_some());
    assert_eq!(
        admin.get(&path).await.1["permissionType"],
        "organization_member"
    );
    assert_eq!(
        admin.get(&granted_path).await.1["permissionType"],
        "workspace_editor"
    );
}

#[sqlx::test]
async fn the_last_admin_of_an_organization_stays(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    // The new organization's one and only admin.
    let sole = app.api_as(other, OrgRole::Admin).await;
    let membership = db::organizations::membership_id(&app.pool, other, sole.user_id)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/permissions/{membership}");
    // Neither the admin themselves nor the instance admin (through an application of that
    // organization) may leave it without one.
    let instance_admin = admin_in(&app, other).await;
    for caller in [&sole, &instance_admin] {
        let (status, problem) = caller
            .patch(&path, json!({"permissionType": "organization_member"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("at least one admin"),
            "{problem}"
        );
        let (status, _) = caller.delete(&path).await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
    // The instance admin's application of the default organization does not reach it at all.
    let elsewhere = app.api_admin().await;
    assert_eq!(
        elsewhere
            .patch(&path, json!({"permissionType": "organization_member"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(elsewhere.delete(&path).await.0, StatusCode::NOT_FOUND);
    let (_, still) = sole.get(&path).await;
    assert_eq!(still["permissionType"], "organization_admin");
    assert_eq!(app.audit_count("member.role").await, 0);
    assert_eq!(app.audit_count("member.remove").await, 0);

    // With a second admin, the first may step down.
    let (second, second_browser) = person(&app, "second@example.com", "Second").await;
    let second_membership = join(
        &app,
        &sole,
        &second_browser,
        second,
        other,
        "organization_member",
    )
    .await;
    let (status, _) = sole
        .patch(
            &format!("/permissions/{second_membership}"),
            json!({"permissionType": "organization_admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, demoted) = sole
        .patch(&path, json!({"permissionType": "organization_member"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{demoted}");
    assert_eq!(demoted["permissionType"], "organization_member");
    // Now the second admin is the last one.
    let (status, _) = instance_admin
        .delete(&format!("/permissions/{second_membership}"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[sqlx::test]
async fn deleting_a_permission_takes_the_role_or_the_membership_away(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.api_admin().await;
    let org_id = DEFAULT_ORGANIZATION_ID;
    let workspace = default_workspace_of(&app, org_id).await;
    let (_, second) = admin.post("/workspaces", json!({"name": "Second"})).await;
    let second: Uuid = second["workspaceId"].as_str().unwrap().parse().unwrap();
    let (ada, ada_browser) = person(&app, "ada@example.com", "Ada").await;
    let membership = join(
        &app,
        &admin,
        &ada_browser,
        ada,
        org_id,
        "organization_member",
    )
    .await;
    let member = app.api_in(org_id, ada).await;

    // A workspace permission: gone, and ada is a reader there again.
    let granted = grant(&admin, ada, workspace, "workspace_editor").await;
    let (status, body) = admin.delete(&format!("/permissions/{granted}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    assert_eq!(
        admin.get(&format!("/permissions/{granted}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.delete(&format!("/permissions/{granted}")).await.0,
        StatusCode::NOT_FOUND,
        "deleted once"
    );
    assert_eq!(
        member
            .patch(&format!("/workspaces/{workspace}"), json!({"name": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        db::organizations::membership_role(&app.pool, org_id, ada)
            .await
            .unwrap(),
        Some(Some(OrgRole::Member)),
        "the membership stays"
    );

    // The membership: ada leaves the organization, with her roles on its workspaces, but
    // keeps what she holds in another organization.
    let kept_roles = [
        grant(&admin, ada, workspace, "workspace_reader").await,
        grant(&admin, ada, second, "workspace_admin").await,
    ];
    let other = app.other_organization().await;
    let admin_there = admin_in(&app, other).await;
    join(
        &app,
        &admin_there,
        &ada_browser,
        ada,
        other,
        "organization_member",
    )
    .await;
    let elsewhere = grant(
        &admin_there,
        ada,
        default_workspace_of(&app, other).await,
        "workspace_editor",
    )
    .await;
    let (status, _) = admin.delete(&format!("/permissions/{membership}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        admin.get(&format!("/permissions/{membership}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, users) = admin
        .get(&format!("/users?organizationId={org_id}&ids={ada}"))
        .await;
    assert_eq!(users["data"], json!([]));
    for id in &kept_roles {
        assert_eq!(
            admin.get(&format!("/permissions/{id}")).await.0,
            StatusCode::NOT_FOUND,
            "workspace roles go with the membership"
        );
    }
    let (_, list) = admin
        .get(&format!(
            "/permissions?organizationId={org_id}&userId={ada}"
        ))
        .await;
    assert_eq!(list["data"], json!([]));
    let (status, still) = admin_there.get(&format!("/permissions/{elsewhere}")).await;
    assert_eq!(status, StatusCode::OK, "{still}");
    assert_eq!(user_count_with_workspace_roles(&app, ada).await, 1);
    assert!(
        db::users::get(&app.pool, ada).await.unwrap().is_some(),
        "the user remains"
    );
    // Removing her ended whatever she was signed in with: her token stops at once, and her
    // browser is signed out.
    let (status, _) = member
        .get(&format!("/permissions?organizationId={org_id}"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(member.get("/permissions").await.0, StatusCode::UNAUTHORIZED);
    let viewer: Value = ada_browser
        .call("session/viewer", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(viewer.is_null(), "{viewer}");
    // What she holds in the other organization, through a new token there.
    let member_there = app.api_in(other, ada).await;
    let (_, own) = member_there.get("/permissions").await;
    let mut expected = vec![
        row(ada, "organization_member", other),
        row(
            ada,
            "workspace_editor",
            default_workspace_of(&app, other).await,
        ),
    ];
    expected.sort();
    assert_eq!(rows(&own), expected);
    let (status, _) = member_there
        .get(&format!("/permissions?organizationId={org_id}"))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "and no say in the one she left"
    );

    // The instance admin is the default organization's last admin.
    let own_membership = db::organizations::membership_id(&app.pool, org_id, admin.user_id)
        .await
        .unwrap()
        .unwrap();
    let (status, _) = admin
        .delete(&format!("/permissions/{own_membership}"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        db::organizations::membership_role(&app.pool, org_id, admin.user_id)
            .await
            .unwrap(),
        Some(Some(OrgRole::Admin))
    );
}

#[sqlx::test]
async fn workspace_roles_decide_what_a_member_may_do_to_a_workspace(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.api_admin().await;
    let (_, region) = admin
        .post(
            "/regions",
            json!({"name": "eu-west", "organizationId": org()}),
        )
        .await;
    let eu = region["regionId"].as_str().unwrap().to_owned();
    let (_, created) = admin.post("/workspaces", json!({"name": "Shared"})).await;
    let workspace: Uuid = created["workspaceId"].as_str().unwrap().parse().unwrap();
    let path = format!("/workspaces/{workspace}");
    let editor = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let bystander = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;

    // A plain member reads, nothing more.
    assert_eq!(bystander.get(&path).await.0, StatusCode::OK);
    assert_eq!(
        bystander.patch(&path, json!({"name": "Mine"})).await.0,
        StatusCode::FORBIDDEN
    );

    let permission = grant(&admin, editor.user_id, workspace, "workspace_editor").await;
    let (status, renamed) = editor.patch(&path, json!({"name": "Renamed"})).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Renamed");
    let (status, problem) = editor.patch(&path, json!({"regionId": eu})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, _) = editor
        .patch(&path, json!({"name": "Both", "regionId": eu}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a rename with a move is a move"
    );
    assert_eq!(editor.delete(&path).await.0, StatusCode::FORBIDDEN);
    let (_, unchanged) = admin.get(&path).await;
    assert_eq!(unchanged["name"], "Renamed");
    assert_eq!(unchanged["dataResidency"], "auto");
    // The role is on this workspace only.
    let default = default_workspace_of(&app, DEFAULT_ORGANIZATION_ID).await;
    assert_eq!(
        editor
            .patch(&format!("/workspaces/{default}"), json!({"name": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bystander.patch(&path, json!({"name": "Mine"})).await.0,
        StatusCode::FORBIDDEN,
        "and for this member only"
    );

    let (status, _) = admin
        .patch(
            &format!("/permissions/{permission}"),
            json!({"permissionType": "workspace_admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, moved) = editor.patch(&path, json!({"regionId": eu})).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["dataResidency"], "eu-west");
    // A workspace admin decides who else holds a role on it.
    let (status, body) = editor
        .post(
            "/permissions",
            json!({
                "permissionType": "workspace_editor",
                "userId": bystander.user_id,
                "workspaceId": workspace,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, renamed) = bystander.patch(&path, json!({"name": "Mine"})).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    // But still creates no workspaces: that is for organization admins.
    assert_eq!(
        editor.post("/workspaces", json!({"name": "New"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(editor.delete(&path).await.0, StatusCode::NO_CONTENT);
    assert_eq!(admin.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("select count(*) from workspace_permissions")
            .await,
        0,
        "the workspace's permissions went with it"
    );
    assert_eq!(
        admin.get(&format!("/permissions/{permission}")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test]
async fn permission_and_membership_changes_are_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.api_admin().await;
    let workspace = default_workspace_of(&app, DEFAULT_ORGANIZATION_ID).await;
    let (ada, ada_browser) = person(&app, "ada@example.com", "Ada").await;

    let (invitation, _) = invite(
        &admin,
        json!({"userId": ada}),
        DEFAULT_ORGANIZATION_ID,
        "organization_member",
    )
    .await;
    accept(&ada_browser, invitation).await;
    let membership = db::organizations::membership_id(&app.pool, DEFAULT_ORGANIZATION_ID, ada)
        .await
        .unwrap()
        .unwrap();
    let granted = grant(&admin, ada, workspace, "workspace_reader").await;
    admin
        .patch(
            &format!("/permissions/{granted}"),
            json!({"permissionType": "workspace_editor"}),
        )
        .await;
    admin
        .patch(
            &format!("/permissions/{membership}"),
            json!({"permissionType": "organization_admin"}),
        )
        .await;
    // Unchanged types change nothing and record nothing.
    admin
        .patch(
            &format!("/permissions/{granted}"),
            json!({"permissionType": "workspace_editor"}),
        )
        .await;
    admin
        .patch(
            &format!("/permissions/{membership}"),
            json!({"permissionType": "organization_admin"}),
        )
        .await;
    assert_eq!(
        admin.delete(&format!("/permissions/{granted}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/permissions/{membership}")).await.0,
        StatusCode::NO_CONTENT
    );
    for action in [
        "invitation.create",
        "invitation.accept",
        "permission.grant",
        "permission.update",
        "permission.revoke",
        "member.add",
        "member.role",
        "member.remove",
    ] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }

    let events: Vec<AuditRow> = sqlx::query_as(
        "select action, object_type, object_id, before, after, actor from audit_events
             where action like 'permission.%' or action like 'member.%'
                or action like 'invitation.%'
             order by occurred_at, action",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let find = |action: &str| {
        events
            .iter()
            .find(|e| e.0 == action)
            .unwrap_or_else(|| panic!("no {action}"))
            .clone()
    };
    let invited = find("invitation.create");
    assert_eq!(
        (invited.1.as_str(), invited.2),
        ("invitation", Some(invitation))
    );
    assert_eq!(invited.4.as_ref().unwrap()["role"], "member");
    let accepted = find("invitation.accept");
    assert_eq!(accepted.2, Some(invitation));
    let grant_event = find("permission.grant");
    assert_eq!(grant_event.1, "workspace");
    assert_eq!(grant_event.2, Some(workspace));
    assert_eq!(
        grant_event.4,
        Some(json!({"user": "ada@example.com", "role": "reader"}))
    );
    let update = find("permission.update");
    assert_eq!(update.3.unwrap()["role"], "reader");
    assert_eq!(update.4.unwrap()["role"], "editor");
    assert_eq!(find("permission.revoke").3.unwrap()["role"], "editor");
    let add = find("member.add");
    assert_eq!((add.1.as_str(), add.2), ("user", Some(ada)));
    assert_eq!(add.4, Some(json!({"role": "member", "via": "invitation"})));
    let role = find("member.role");
    assert_eq!(role.3, Some(json!({"role": "member"})));
    assert_eq!(role.4, Some(json!({"role": "admin"})));
    assert_eq!(find("member.remove").3, Some(json!({"role": "admin"})));
    // Ada joined herself, by accepting; everything else the application did, and the trail
    // names it as the actor.
    for event in &events {
        if ["invitation.accept", "member.add"].contains(&event.0.as_str()) {
            assert_eq!(event.5, "ada@example.com", "{event:?}");
        } else {
            assert!(
                event.5.contains(&admin.client_id),
                "the application is named as the actor: {}",
                event.5
            );
        }
    }
}
