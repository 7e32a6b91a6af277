//! Trust boundaries between organizations, each written as the attack that must fail: an
//! organization's admin controls their own invitations, identity provider and applications,
//! and none of it may reach another organization's people, sessions or history. Plus the
//! abuse limits and the smaller holes found in review.

use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, OrgRole};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::*;

/// A member of `organization` with `role`: their id, email and a signed-in client.
async fn member(app: &TestApp, organization: Uuid, role: OrgRole) -> (Uuid, String, Client) {
    let email = format!("m-{}@example.com", Uuid::new_v4().simple());
    let (id, client) = app.person(&email).await;
    db::organizations::add_member(&app.pool, organization, id, role)
        .await
        .unwrap();
    (id, email, client)
}

async fn invite(admin: &Client, organization: Uuid, email: &str, role: &str) -> reqwest::Response {
    admin
        .call(
            "members/invite",
            &[
                ("organization_id", &organization.to_string()),
                ("email", email),
                ("role", role),
            ],
        )
        .await
}

/// The open invitations `client`'s user sees.
async fn my_invitations(client: &Client) -> Vec<Value> {
    let res = client.call("invitations/mine", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["invitations"].as_array().unwrap().clone()
}

async fn is_member(app: &TestApp, organization: Uuid, user: Uuid) -> bool {
    db::organizations::member(&app.pool, organization, user)
        .await
        .unwrap()
        .is_some()
}

/// Whether a signed-in client still is: a server function that needs a user answers 401 once
/// the session ended.
async fn still_signed_in(client: &Client) -> bool {
    let res = client.call("account/page", &[]).await;
    match res.status() {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("account/page answered {other}"),
    }
}

#[sqlx::test]
async fn inviting_an_address_creates_no_account_no_membership_and_no_role(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    // The attacker is an admin of their own organization only.
    let (_, _, attacker) = member(&app, other, OrgRole::Admin).await;
    let res = invite(&attacker, other, "victim@corp.example", "admin").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.count("select count(*) from users where email = 'victim@corp.example'")
            .await,
        0,
        "no account is made for an invited address"
    );
    let members = app
        .count(&format!(
            "select count(*) from organization_members where organization_id = '{other}'"
        ))
        .await;
    assert_eq!(members, 1, "only the attacker counts as a member");
    assert_eq!(app.audit_count("invitation.create").await, 1);

    // Inviting the same address again while the invitation is open is a conflict.
    let (status, error) =
        error_of(invite(&attacker, other, "Victim@corp.example", "member").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(field_message(&error, "email").is_some());
}

#[sqlx::test]
async fn only_the_invited_person_signed_in_accepts_and_becomes_a_member(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let org = DEFAULT_ORGANIZATION_ID;
    let (ada, ada_client) = app.person("ada@example.com").await;
    let (_, mallory) = app.person("mallory@example.com").await;
    assert_eq!(
        invite(&admin, org, "ada@example.com", "admin")
            .await
            .status(),
        StatusCode::OK
    );

    assert!(
        my_invitations(&mallory).await.is_empty(),
        "nobody else sees it"
    );
    let invitations = my_invitations(&ada_client).await;
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0]["role"], "admin");
    let id = invitations[0]["id"].as_str().unwrap().to_owned();
    assert!(
        !is_member(&app, org, ada).await,
        "not a member before accepting"
    );

    // Someone else holding the id cannot accept it, for themselves or anyone.
    let (status, _) = error_of(
        mallory
            .call("invitations/accept", &[("invitation_id", &id)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let res = ada_client
        .call("invitations/accept", &[("invitation_id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res).unwrap(),
        meridian::paths::general(org)
    );
    let role = db::organizations::member(&app.pool, org, ada)
        .await
        .unwrap()
        .unwrap()
        .role;
    assert_eq!(role, OrgRole::Admin);
    assert_eq!(app.audit_count("invitation.accept").await, 1);
    // Once used, it is gone.
    let (status, _) = error_of(
        ada_client
            .call("invitations/accept", &[("invitation_id", &id)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn revoked_declined_and_expired_invitations_cannot_be_accepted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let org = DEFAULT_ORGANIZATION_ID;
    let (ada, ada_client) = app.person("ada@example.com").await;
    let accept = |id: String| {
        let client = &ada_client;
        async move {
            client
                .call("invitations/accept", &[("invitation_id", &id)])
                .await
                .status()
        }
    };

    invite(&admin, org, "ada@example.com", "member").await;
    let id = my_invitations(&ada_client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = admin
        .call(
            "members/revoke-invitation",
            &[
                ("organization_id", &org.to_string()),
                ("invitation_id", &id),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(accept(id).await, StatusCode::NOT_FOUND);

    invite(&admin, org, "ada@example.com", "member").await;
    let id = my_invitations(&ada_client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sqlx::query(
        "update invitations set expires_at = now() - interval '1 second' where id = $1::uuid",
    )
    .bind(&id)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(
        my_invitations(&ada_client).await.is_empty(),
        "an expired one is not offered"
    );
    assert_eq!(accept(id).await, StatusCode::NOT_FOUND);
    // An expired invitation makes way for a new one.
    assert_eq!(
        invite(&admin, org, "ada@example.com", "member")
            .await
            .status(),
        StatusCode::OK
    );
    let id = my_invitations(&ada_client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = ada_client
        .call("invitations/decline", &[("invitation_id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(accept(id).await, StatusCode::NOT_FOUND);
    assert!(!is_member(&app, org, ada).await);
}

#[sqlx::test]
async fn an_admin_of_one_organization_cannot_reach_another_organizations_member(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let theirs = app.other_organization().await;
    let (_, _, attacker) = member(&app, theirs, OrgRole::Admin).await;
    // The victim is an admin of the default organization, signed in.
    let (victim, victim_email, victim_client) =
        member(&app, DEFAULT_ORGANIZATION_ID, OrgRole::Admin).await;

    assert_eq!(
        invite(&attacker, theirs, &victim_email, "member")
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        !is_member(&app, theirs, victim).await,
        "inviting makes no member"
    );
    // The attacker can neither remove nor sign out someone who is not their member.
    for endpoint in ["members/remove", "members/sign-out"] {
        let res = attacker
            .call(
                endpoint,
                &[
                    ("organization_id", &theirs.to_string()),
                    ("user_id", &victim.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{endpoint}");
    }
    assert!(still_signed_in(&victim_client).await);
    // Nor act on the victim's organization.
    let res = attacker
        .call(
            "members/invite",
            &[
                ("organization_id", &DEFAULT_ORGANIZATION_ID.to_string()),
                ("email", "friend@attacker.example"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn a_token_never_reaches_an_organization_its_application_was_not_created_for(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let theirs = app.other_organization().await;
    // An admin of both organizations, with an application made in the default one.
    let (user, _, _) = member(&app, DEFAULT_ORGANIZATION_ID, OrgRole::Admin).await;
    db::organizations::add_member(&app.pool, theirs, user, OrgRole::Admin)
        .await
        .unwrap();
    let api = app.api_in(DEFAULT_ORGANIZATION_ID, user).await;

    let (status, _) = api
        .get(&format!(
            "/regions?organizationId={DEFAULT_ORGANIZATION_ID}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.get(&format!("/regions?organizationId={theirs}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let their_workspace = app.workspace_id(theirs, "Default Workspace").await;
    let (status, _) = api.get(&format!("/workspaces/{their_workspace}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, orgs) = api.get("/organizations").await;
    let ids: Vec<&str> = orgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organizationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [DEFAULT_ORGANIZATION_ID.to_string()]);
    let (_, workspaces) = api.get("/workspaces").await;
    assert!(
        workspaces["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["organizationId"] == DEFAULT_ORGANIZATION_ID.to_string())
    );
}

/// Polls `check` until it holds or `within` has passed.
async fn within(within: std::time::Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > within {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[sqlx::test]
async fn removing_a_member_ends_their_sessions_and_stops_their_tokens_within_a_second(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let theirs = app.other_organization().await;
    let (user, _, session) = member(&app, DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    db::organizations::add_member(&app.pool, theirs, user, OrgRole::Member)
        .await
        .unwrap();
    let api = app.api_in(theirs, user).await;
    assert_eq!(api.get("/organizations").await.0, StatusCode::OK);

    let admin = app.admin().await;
    let res = admin
        .call(
            "members/remove",
            &[("organization_id", &org()), ("user_id", &user.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !still_signed_in(&session).await,
        "the session ended at once"
    );
    let stopped = within(std::time::Duration::from_secs(1), async || {
        api.get("/organizations").await.0 == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(stopped, "the token stopped within a second");
}

#[sqlx::test]
async fn a_new_password_or_signing_out_everywhere_ends_every_session_and_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (user, email, first) = member(&app, DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let second = app.client();
    second.sign_in(&email, PASSWORD).await;

    // Changing one's own password keeps this session, ends the others.
    let res = first
        .call(
            "account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long password"),
                ("new_password_again", "another long password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(still_signed_in(&first).await);
    assert!(!still_signed_in(&second).await);
    assert_eq!(app.audit_count("user.change_password").await, 1);

    // An admin signs the member out everywhere: the remaining session and a token stop.
    let api = app.api_in(DEFAULT_ORGANIZATION_ID, user).await;
    let admin = app.admin().await;
    let res = admin
        .call(
            "members/sign-out",
            &[("organization_id", &org()), ("user_id", &user.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!still_signed_in(&first).await);
    assert_eq!(api.get("/organizations").await.0, StatusCode::UNAUTHORIZED);

    // The operator resets the password (the command line's path): sessions end again.
    let third = app.client();
    third.sign_in(&email, "another long password").await;
    meridian::ops::users::reset_password(
        &app.state,
        &db::audit::Actor::system("test"),
        &Email::parse(&email).unwrap(),
        "a third long password",
    )
    .await
    .unwrap();
    assert!(!still_signed_in(&third).await);

    // Through the API, only an instance admin sets another person's password.
    let member_api = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Admin).await;
    let (status, _) = member_api
        .send(
            reqwest::Method::PUT,
            &format!("/users/{user}/password"),
            Some(json!({"password": "attacker chose this"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an organization admin may not"
    );
    let operator = app.api_admin().await;
    let (status, _) = operator
        .send(
            reqwest::Method::PUT,
            &format!("/users/{user}/password"),
            Some(json!({"password": "a fourth long password"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let fourth = app.client();
    fourth.sign_in(&email, "a fourth long password").await;
    let (status, _) = operator
        .send(
            reqwest::Method::POST,
            &format!("/users/{user}/sign-out"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!still_signed_in(&fourth).await);
}

/// The actions of the sign-in events an organization's admins see in its trail.
async fn sign_ins_in_trail(admin: &Client, organization: Uuid, who: &str) -> Vec<String> {
    let res = admin
        .call(
            "audit/page",
            &[
                ("organization_id", &organization.to_string()),
                ("query[actor]", ""),
                ("query[action]", "user"),
                ("query[object]", who),
                ("query[from]", ""),
                ("query[to]", ""),
                ("page", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test]
async fn an_organizations_trail_shows_a_persons_sign_ins_only_from_while_they_were_a_member(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let theirs = app.other_organization().await;
    let (_, _, their_admin) = member(&app, theirs, OrgRole::Admin).await;
    // Before joining them: a sign-in (before joining us too) and a failed one (while ours).
    let (person, email, person_client) =
        member(&app, DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let failed = app
        .client()
        .call(
            "session/sign-in",
            &[("email", &email), ("password", "wrong password!")],
        )
        .await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);

    invite(&their_admin, theirs, &email, "member").await;
    let id = my_invitations(&person_client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    person_client
        .call("invitations/accept", &[("invitation_id", &id)])
        .await;
    assert!(
        sign_ins_in_trail(&their_admin, theirs, &email)
            .await
            .iter()
            .all(|a| !a.starts_with("user.sign_in")),
        "nothing from before they joined"
    );
    // After joining, their sign-ins show.
    app.client().sign_in(&email, PASSWORD).await;
    assert_eq!(
        sign_ins_in_trail(&their_admin, theirs, &email).await,
        ["user.sign_in"]
    );
    // We see what happened while they were ours: the failure and the later sign-in, not the
    // first sign-in from before we added them.
    let admin = app.admin().await;
    let ours = sign_ins_in_trail(&admin, DEFAULT_ORGANIZATION_ID, &email).await;
    assert_eq!(ours.iter().filter(|a| *a == "user.sign_in").count(), 1);
    assert_eq!(
        ours.iter().filter(|a| *a == "user.sign_in_failed").count(),
        1
    );
    // After they leave, later sign-ins no longer show here, while the earlier ones stay.
    admin
        .call(
            "members/remove",
            &[
                ("organization_id", &org()),
                ("user_id", &person.to_string()),
            ],
        )
        .await;
    app.client().sign_in(&email, PASSWORD).await;
    let ours = sign_ins_in_trail(&admin, DEFAULT_ORGANIZATION_ID, &email).await;
    assert_eq!(ours.iter().filter(|a| *a == "user.sign_in").count(), 1);
    assert_eq!(
        sign_ins_in_trail(&their_admin, theirs, &email).await,
        ["user.sign_in", "user.sign_in"],
        "they still see both of theirs"
    );
}

/// Saves SSO settings for `organization` naming `domains`, as its admin.
async fn save_sso(admin: &Client, organization: Uuid, domains: &str) -> reqwest::Response {
    admin
        .call(
            "sso/save",
            &[
                ("organization_id", &organization.to_string()),
                ("issuer", "http://127.0.0.1:9/"),
                ("client_id", "meridian"),
                ("client_secret", "s3cret"),
                ("domains", domains),
                ("default_role", "member"),
            ],
        )
        .await
}

async fn verify(admin: &Client, organization: Uuid, domain: &str) -> reqwest::Response {
    admin
        .call(
            "sso/verify-domain",
            &[
                ("organization_id", &organization.to_string()),
                ("domain", domain),
            ],
        )
        .await
}

async fn domain_token(app: &TestApp, organization: Uuid) -> String {
    sqlx::query_scalar("select domain_token from organizations where id = $1")
        .bind(organization)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn an_email_domain_counts_once_proven_in_dns_and_then_belongs_to_one_organization(
    pool: PgPool,
) {
    let (app, dns) = TestApp::spawn_with_dns(pool).await;
    let ours = DEFAULT_ORGANIZATION_ID;
    let theirs = app.other_organization().await;
    let admin = app.admin().await;
    let (_, _, their_admin) = member(&app, theirs, OrgRole::Admin).await;

    // Public suffixes are nobody's.
    let (status, error) = error_of(save_sso(&admin, ours, "co.uk").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_message(&error, "domains")
            .unwrap()
            .contains("public suffix")
    );

    // Both claim corp.test; a claim alone proves nothing.
    assert_eq!(
        save_sso(&admin, ours, "corp.test").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        save_sso(&their_admin, theirs, "corp.test").await.status(),
        StatusCode::OK
    );
    let (status, error) = error_of(verify(&admin, ours, "corp.test").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("_meridian-challenge.corp.test"),
        "says which record to publish"
    );

    // Their token published under the name does not prove it for us, and the other way round.
    let their_token = domain_token(&app, theirs).await;
    dns.set_txt(
        "_meridian-challenge.corp.test",
        &format!("meridian-verification={their_token}"),
    )
    .await;
    let (status, _) = error_of(verify(&admin, ours, "corp.test").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let our_token = domain_token(&app, ours).await;
    dns.set_txt(
        "_meridian-challenge.corp.test",
        &format!("meridian-verification={our_token}"),
    )
    .await;
    assert_eq!(
        verify(&admin, ours, "corp.test").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.audit_count("domain.verify").await, 1);
    let owner = db::domains::owner(&app.pool, "corp.test").await.unwrap();
    assert_eq!(owner, Some(ours));

    // Now it is ours: they can neither prove it nor claim it anew.
    dns.set_txt(
        "_meridian-challenge.corp.test",
        &format!("meridian-verification={their_token}"),
    )
    .await;
    let (status, _) = error_of(verify(&their_admin, theirs, "corp.test").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, error) =
        error_of(save_sso(&their_admin, theirs, "corp.test, other.test").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(field_message(&error, "domains").is_some());
}

#[sqlx::test]
async fn password_sign_in_is_limited_per_account_and_per_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // Ten wrong guesses; a success would start the count again, but there is none.
    let (_, email, _) = member(&app, DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let guesser = app.client();
    for _ in 0..10 {
        let res = guesser
            .call(
                "session/sign-in",
                &[("email", &email), ("password", "a wrong guess")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = guesser
        .call(
            "session/sign-in",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right one waits"
    );
    let retry: u32 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry));
    let (_, error) = error_of(res).await;
    assert!(error["message"].as_str().unwrap().contains("Try again in"));
    // Another account signs in meanwhile.
    app.admin().await;
}

#[sqlx::test]
async fn password_sign_in_is_limited_per_client_address_behind_a_trusted_proxy(pool: PgPool) {
    let config = meridian::config::Config {
        trusted_proxies: vec![meridian::domain::Network::parse("127.0.0.1").unwrap()],
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(pool, config).await;
    let http = http_client();
    let attempt = |address: &'static str, i: usize| {
        let http = http.clone();
        let url = format!("http://{}/api/session/sign-in", app.addr);
        async move {
            http.post(url)
                .header("accept", "application/json")
                .header("x-forwarded-for", address)
                .form(&[
                    ("email", format!("nobody-{i}@example.com")),
                    ("password", String::new()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // 300 attempts in five minutes from one address, whichever accounts; then no more.
    for i in 0..300 {
        assert_eq!(
            attempt("192.0.2.1", i).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        attempt("192.0.2.1", 300).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client address behind the same proxy is not held back.
    assert_eq!(
        attempt("192.0.2.2", 301).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A client that is not a trusted proxy cannot pick an address to dodge the limit: without
    // the proxy, 127.0.0.1 is the address, whatever the header says.
}

#[sqlx::test]
async fn token_exchanges_and_sso_trips_are_limited_per_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let http = http_client();
    let base = format!("http://{}", app.addr);
    let exchange = |path: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            http.post(format!("{base}{path}"))
                .json(&json!({"client_id": "app_nope", "client_secret": "nope", "grant_type": "client_credentials"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for (path, limit) in [
        ("/api/public/v1/applications/token", 600),
        ("/api/v1/dataplanes/token", 1200),
    ] {
        for _ in 0..limit {
            assert_eq!(exchange(path).await, StatusCode::UNAUTHORIZED, "{path}");
        }
        assert_eq!(
            exchange(path).await,
            StatusCode::TOO_MANY_REQUESTS,
            "{path}"
        );
    }
    // SSO starts: the 61st trip within a minute is turned back before any ticket is read.
    let browser = app.client();
    for _ in 0..60 {
        browser
            .get("/auth/sso/start?organization=00000000-0000-0000-0000-000000000000&ticket=x")
            .await;
    }
    let res = browser
        .get("/auth/sso/start?organization=00000000-0000-0000-0000-000000000000&ticket=x")
        .await;
    assert_eq!(redirect_target(&res).unwrap(), "/login?sso_error=too_many");
}

#[sqlx::test]
async fn failed_sign_ins_for_unknown_addresses_are_counted_not_recorded_one_by_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    for _ in 0..5 {
        let res = client
            .call(
                "session/sign-in",
                &[
                    ("email", "ghost@example.com"),
                    ("password", "whatever it is"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.audit_count("user.sign_in_failed").await,
        1,
        "the first of the hour"
    );
    // Once the hour is over, one summary says how many there were.
    sqlx::query("update sign_in_failures set window_start = window_start - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    let written = meridian::ops::sign_in::summarize_unknown_sign_ins(&app.pool)
        .await
        .unwrap();
    assert_eq!(written, 1);
    let failures: i64 = sqlx::query_scalar(
        "select (after->>'failures')::bigint from audit_events
         where action = 'user.sign_in_failed' and after is not null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(failures, 5);
}

#[sqlx::test]
async fn a_new_secret_waits_for_its_page_sealed_not_readable_in_the_session_store(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let region = app.region_id(DEFAULT_ORGANIZATION_ID, "auto").await;
    let res = admin
        .call(
            "dataplanes/create",
            &[
                ("organization_id", &org()),
                ("region_id", &region.to_string()),
                ("name", "sealed"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select data from sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let plane: Uuid = sqlx::query_scalar("select id from data_planes where name = 'sealed'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let shown: Value = admin
        .call(
            "dataplanes/reveal",
            &[
                ("organization_id", &org()),
                ("data_plane_id", &plane.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = shown["client_secret"].as_str().unwrap();
    for data in stored {
        let text = String::from_utf8_lossy(&data);
        assert!(
            !text.contains(secret),
            "the secret sat in the session store readable"
        );
    }
    // Without the browser's key (another browser with a copy of the session), nothing.
    let again: Value = admin
        .call(
            "dataplanes/reveal",
            &[
                ("organization_id", &org()),
                ("data_plane_id", &plane.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(again.is_null());
}

#[sqlx::test]
async fn pages_allow_only_their_own_scripts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.client().get("/login").await;
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");
    assert!(policy.contains("script-src 'self'"));
    assert!(policy.contains("frame-ancestors 'none'"));
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "Leptos' inline script carries it"
    );
}

#[sqlx::test]
async fn a_page_number_too_large_is_no_server_error(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let res = admin
        .call(
            "general/page",
            &[("organization_id", &org()), ("page", "9223372036854775807")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[sqlx::test]
async fn only_operators_issue_sign_up_links_and_a_link_works_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let theirs = app.other_organization().await;
    let (_, _, their_admin) = member(&app, theirs, OrgRole::Admin).await;
    invite(&their_admin, theirs, "newcomer@example.org", "member").await;
    let invitation: Uuid =
        sqlx::query_scalar("select id from invitations where email = 'newcomer@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let link_form = [
        ("organization_id", theirs.to_string()),
        ("invitation_id", invitation.to_string()),
    ];
    let link_form: Vec<(&str, &str)> = link_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The organization's own admin never holds a way into the invited person's account.
    let (status, _) = error_of(their_admin.call("members/sign-up-link", &link_form).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let operator = app.admin().await;
    let res = operator.call("members/sign-up-link", &link_form).await;
    assert_eq!(res.status(), StatusCode::OK);
    let shown: Value = operator
        .call("members/reveal-sign-up-link", &link_form)
        .await
        .json()
        .await
        .unwrap();
    let url = shown["url"].as_str().unwrap().to_owned();
    let token = url.rsplit('/').next().unwrap().to_owned();
    assert!(
        app.count(&format!(
            "select count(*) from invitations where link_hash::text like '%{token}%'"
        ))
        .await
            == 0,
        "only a keyed hash of the link is kept"
    );

    let newcomer = app.client();
    let page: Value = newcomer
        .call("invitations/sign-up-page", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["email"], "newcomer@example.org");
    let (status, error) = error_of(
        newcomer
            .call(
                "invitations/sign-up",
                &[
                    ("token", &token),
                    ("name", "New Comer"),
                    ("password", "short"),
                    ("password_again", "short"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&error, "password").is_some());
    assert!(
        error["input"].to_string().find("short").is_none(),
        "passwords are never echoed"
    );
    let res = newcomer
        .call(
            "invitations/sign-up",
            &[
                ("token", &token),
                ("name", "New Comer"),
                ("password", "a long enough password"),
                ("password_again", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        redirect_target(&res).unwrap(),
        meridian::paths::general(theirs)
    );
    assert!(still_signed_in(&newcomer).await);
    let user = db::users::find_by_email(&app.pool, &Email::parse("newcomer@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(is_member(&app, theirs, user.id).await);
    // Used: it shows nothing and signs nobody up.
    let page: Value = app
        .client()
        .call("invitations/sign-up-page", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert!(page.is_null());
}

#[sqlx::test]
async fn the_public_api_invites_lists_and_revokes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let api = app.api_admin().await;
    let (status, invitation) = api
        .post(
            "/permissions",
            json!({"permissionType": "organization_member", "organizationId": org(), "email": "api-invitee@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(invitation["status"], "pending");
    assert_eq!(invitation["permissionType"], "organization_member");
    let (_, list) = api
        .get(&format!("/invitations?organizationId={}", org()))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let id = invitation["invitationId"].as_str().unwrap();
    let (status, _) = api.delete(&format!("/invitations/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = api
        .get(&format!("/invitations?organizationId={}", org()))
        .await;
    assert!(list["data"].as_array().unwrap().is_empty());
    // A member may not invite.
    let member_api = app.api_as(DEFAULT_ORGANIZATION_ID, OrgRole::Member).await;
    let (status, _) = member_api
        .post(
            "/permissions",
            json!({"permissionType": "organization_admin", "organizationId": org(), "email": "x@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
