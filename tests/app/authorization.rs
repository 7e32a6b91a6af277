//! The authorization matrix: every server function and every public API endpoint, called by
//! every kind of caller against the default organization's objects, with the answer each one
//! must get. Anonymous callers get 401; members of another organization 404, as if the object
//! did not exist (the API: 403 "not a member" when the request names the organization in its
//! query or body); members lacking the role 403; the rest succeed. Organization members read
//! everything in their organization; a workspace role adds to that on one workspace (editors
//! rename, admins also move, delete and decide who holds a role); organization admins may do
//! everything. A person invited to the organization who has not accepted is still a stranger
//! to it, answered exactly like one. A member of two organizations is a member of ours in the
//! browser, but through an API application made in the other organization as good as a
//! stranger to ours (an application acts only in the organization it was made for).
//!
//! Every successful answer is also searched for the ids of the organization the caller does
//! not belong to (organization, regions, workspaces, data planes, their secrets, permissions):
//! nothing of another organization ever comes back. (The invited see our organization's id in
//! their invitation; the member of both, the other organization's in their list of
//! organizations; an application of the other organization, nothing of ours.)
//!
//! One row per endpoint, with one expectation per principal. A row's call runs once per
//! principal, and whenever it changes something it first makes objects of its own (a fresh
//! workspace, region, data plane, member...), so rows do not depend on each other or on their
//! order. Server function rows with an `own_org` expectation run once more as each admin of
//! the other organization (the outsider, and the member of both) naming *their own*
//! organization with our object ids, which must not reach our objects either, even for
//! someone who may see them in ours. Every mismatch is collected and reported at the end,
//! with its row, principal and answer.
//!
//! To cover a new endpoint, add a row to [`server_functions`] or [`api_endpoints`].
//!
//! One more test, outside the tables: another organization's single sign-on settings must not
//! take over how our members sign in.

use crate::common::*;
use futures::FutureExt;
use futures::future::LocalBoxFuture;
use meridian::auth::{self, OrgAccess, password};
use meridian::db;
use meridian::domain::{DEFAULT_ORGANIZATION_ID, Email, Name, OrgRole, WorkspaceRole};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// Who calls: the columns of the tables, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// No session cookie, no bearer token.
    Anonymous,
    /// An admin of the other organization, member of nothing of ours.
    Outsider,
    /// A member of the default organization without any workspace role.
    Member,
    /// A member with the `reader` role on the target workspace.
    Reader,
    /// A member with the `editor` role on the target workspace.
    Editor,
    /// A member with the `admin` role on the target workspace.
    WsAdmin,
    /// An admin of the default organization (not an instance admin).
    OrgAdmin,
    /// The outsider again (an admin of the other organization, where their API application
    /// acts), but holding an open invitation to be an admin of ours, not accepted: still a
    /// stranger to ours, answered exactly like the outsider.
    Invited,
    /// A member of the default organization and an admin of the other one, whose API
    /// application was made in the other one: in the browser a member of ours, through the
    /// API as good as a stranger to ours.
    TwoOrgs,
}

use Who::*;

const PRINCIPALS: [Who; 9] = [
    Anonymous, Outsider, Member, Reader, Editor, WsAdmin, OrgAdmin, Invited, TwoOrgs,
];

impl Who {
    /// The role this principal holds on the target workspace, and on each fresh workspace a
    /// row makes for them.
    fn workspace_role(self) -> Option<WorkspaceRole> {
        match self {
            Reader => Some(WorkspaceRole::Reader),
            Editor => Some(WorkspaceRole::Editor),
            WsAdmin => Some(WorkspaceRole::Admin),
            _ => None,
        }
    }
}

/// The class of answer a principal must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
enum Expect {
    /// Allowed: 2xx, or a redirect.
    OK,
    /// Not signed in.
    E401,
    /// Signed in, but the role is too low (or, in the API, the named organization is not
    /// theirs).
    E403,
    /// Not a member of the object's organization: as if it did not exist.
    E404,
    /// An id in a request body that names nothing the caller can see.
    E422,
}

use Expect::*;

impl Expect {
    fn matches(self, status: StatusCode) -> bool {
        match self {
            OK => status.is_success() || status.is_redirection(),
            E401 => status == StatusCode::UNAUTHORIZED,
            E403 => status == StatusCode::FORBIDDEN,
            E404 => status == StatusCode::NOT_FOUND,
            E422 => status == StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// An answer: its status and raw body.
struct Answer {
    status: StatusCode,
    body: String,
}

impl Answer {
    async fn read(res: reqwest::Response) -> Answer {
        Answer {
            status: res.status(),
            body: res.text().await.unwrap(),
        }
    }
}

/// One call as one principal: gets the fixture, the principal and the organization id to name
/// (ours, or the caller's own in the second pass). API rows ignore the organization id.
type Call = fn(Arc<Fixture>, Who, Uuid) -> LocalBoxFuture<'static, Answer>;

/// A row's [`Call`], written as a closure whose body runs as `async move`: the fixture `f`, the
/// principal `w`, and the organization id to name.
macro_rules! call {
    (|$f:ident, $w:ident, $org:pat_param| $body:expr) => {
        |$f: Arc<Fixture>, $w: Who, $org: Uuid| async move { $body }.boxed_local()
    };
}

/// A row: an endpoint, how to call it, and what each principal gets (in [`PRINCIPALS`] order).
struct Case {
    name: &'static str,
    expect: [Expect; 9],
    /// What the other organization's admins (the outsider, and the member of both) get naming
    /// their own organization instead of ours, with our objects' ids; `None` when the row has
    /// no object id to misuse.
    own_org: Option<Expect>,
    call: Call,
}

/// A principal: their user, a signed-in browser session and an API token.
struct Principal {
    who: Who,
    user_id: Option<Uuid>,
    email: String,
    client: Client,
    /// `None` for the anonymous caller.
    api: Option<Api>,
}

/// What every row works on, made once per test.
struct Fixture {
    pool: PgPool,
    base: String,
    http: reqwest::Client,
    state: meridian::state::AppState,
    /// The instance admin acting on the default organization, to make fresh objects.
    ours: OrgAccess,
    other_org: Uuid,
    /// The default organization's region `auto`.
    auto: Uuid,
    /// A second region of the default organization, with `data_plane` in it.
    region: Uuid,
    /// The workspace the reader, editor and workspace admin hold their roles on.
    workspace: Uuid,
    data_plane: Uuid,
    /// The reader's permission on `workspace`.
    reader_permission: Uuid,
    /// A member of the default organization that rows give workspace roles to.
    bystander: Uuid,
    /// The issuer URL of a stand-in OpenID provider, for the SSO rows.
    provider: String,
    principals: Vec<Principal>,
    /// Ids of everything in the other organization, with what they are.
    their_ids: Vec<(String, Uuid)>,
    /// Ids of everything in the default organization, with what they are.
    our_ids: Vec<(String, Uuid)>,
}

fn s(value: impl ToString) -> String {
    value.to_string()
}

/// A valid name nobody has used yet.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..12])
}

fn org_id() -> Uuid {
    DEFAULT_ORGANIZATION_ID
}

impl Fixture {
    fn p(&self, who: Who) -> &Principal {
        let p = &self.principals[who as usize];
        assert_eq!(p.who, who);
        p
    }

    /// The principal's user; the anonymous caller has none, and borrows the organization
    /// admin's where a row needs one (say, whose application to look at).
    fn user(&self, who: Who) -> Uuid {
        self.p(who)
            .user_id
            .unwrap_or_else(|| self.p(OrgAdmin).user_id.unwrap())
    }

    /// The organization the principal's browser session acts in when not naming ours: the
    /// other one for those who are not members of ours, else ours (the organization admin's
    /// for the anonymous).
    fn home(&self, who: Who) -> Uuid {
        match who {
            Outsider | Invited => self.other_org,
            _ => org_id(),
        }
    }

    /// The principal's own API application (the organization admin's for the anonymous). The
    /// member of both organizations made theirs in the other one.
    fn application(&self, who: Who) -> Uuid {
        self.p(who)
            .api
            .as_ref()
            .unwrap_or_else(|| self.p(OrgAdmin).api.as_ref().unwrap())
            .application_id
    }

    /// A browser without a session.
    fn browser(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// Calls a server function in the principal's session.
    async fn sf(&self, who: Who, endpoint: &str, form: &[(&str, String)]) -> Answer {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Answer::read(self.p(who).client.call(endpoint, &form).await).await
    }

    /// Calls the public API with the principal's token (none for the anonymous).
    async fn api(&self, who: Who, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/api/public/v1{path}", self.base));
        if let Some(api) = &self.p(who).api {
            request = request.bearer_auth(&api.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    async fn revision(&self, table: &str, id: Uuid) -> String {
        let revision: i32 =
            sqlx::query_scalar(&format!("select revision from {table} where id = $1"))
                .bind(id)
                .fetch_one(&self.pool)
                .await
                .unwrap();
        revision.to_string()
    }

    /// A new workspace of the default organization in region `auto`, on which the principal
    /// holds their workspace role.
    async fn fresh_workspace(&self, who: Who) -> Uuid {
        let workspace = meridian::ops::workspaces::create(
            &self.state,
            &self.ours,
            &Name::parse(&unique("ws")).unwrap(),
            self.auto,
            &[],
        )
        .await
        .unwrap();
        if let (Some(role), Some(user)) = (who.workspace_role(), self.p(who).user_id) {
            assert!(
                db::permissions::grant(&self.pool, Uuid::new_v4(), workspace.id, user, role)
                    .await
                    .unwrap()
            );
        }
        workspace.id
    }

    /// A new job in a fresh workspace on which the principal holds their workspace role.
    async fn fresh_job(&self, who: Who) -> (Uuid, Uuid) {
        let workspace = self.fresh_workspace(who).await;
        let input = meridian::ops::work::JobInput {
            name: Some(unique("job")),
            deployment: Some("etl".into()),
            ..Default::default()
        };
        let job = meridian::ops::work::create_job(&self.state, &self.ours, workspace, &input)
            .await
            .unwrap();
        (workspace, job.id)
    }

    /// A new queued run of a fresh job (see [`Fixture::fresh_job`]): (workspace, job, run).
    async fn fresh_run(&self, who: Who) -> (Uuid, Uuid, Uuid) {
        let (workspace, job) = self.fresh_job(who).await;
        let run = meridian::ops::work::run_now(&self.state, &self.ours, job)
            .await
            .unwrap();
        (workspace, job, run.id)
    }

    /// The bystander's new `reader` permission on `workspace`.
    async fn fresh_grant(&self, workspace: Uuid) -> Uuid {
        let id = Uuid::new_v4();
        assert!(
            db::permissions::grant(
                &self.pool,
                id,
                workspace,
                self.bystander,
                WorkspaceRole::Reader
            )
            .await
            .unwrap()
        );
        id
    }

    /// A bucket for the default organization's audit trail, so that there is one to remove.
    async fn ensure_audit_bucket(&self) {
        let input = meridian::domain::AuditBucketInput {
            endpoint: "https://s3.example.com".into(),
            region: "eu-central-1".into(),
            bucket: "authz-audit".into(),
            prefix: String::new(),
            access_key_id: "AKIAAUTHZ".into(),
            secret_access_key: "authz-secret-0000".into(),
        };
        meridian::ops::audit_bucket::save(&self.state, &self.ours, &input)
            .await
            .unwrap();
    }

    /// A new webhook endpoint of the default organization.
    async fn fresh_webhook(&self) -> Uuid {
        let url = meridian::domain::WebhookUrl::parse("https://hooks.example.com/meridian", false)
            .unwrap();
        meridian::ops::webhooks::create(
            &self.state,
            &self.ours,
            &url,
            &meridian::domain::WebhookEvent::SUBSCRIBABLE,
        )
        .await
        .unwrap()
        .webhook
        .id
    }

    /// A new region of the default organization, without workspaces.
    async fn fresh_region(&self) -> Uuid {
        create_region(&self.pool, org_id(), &unique("region")).await
    }

    /// A new data plane in `region`, with one secret.
    async fn fresh_plane(&self) -> Uuid {
        meridian::ops::data_planes::create(
            &self.state,
            &self.ours,
            self.region,
            &Name::parse(&unique("plane")).unwrap(),
            true,
        )
        .await
        .unwrap()
        .data_plane
        .id
    }

    /// A new data plane with two secrets; returns it and the second secret's id.
    async fn fresh_plane_with_second_secret(&self) -> (Uuid, Uuid) {
        let plane = self.fresh_plane().await;
        let issued = meridian::ops::data_planes::rotate_secret(&self.state, &self.ours, plane)
            .await
            .unwrap();
        (plane, issued.credential_id)
    }

    /// A new user, member of nothing.
    async fn fresh_user(&self) -> Uuid {
        let email = Email::parse(&format!("{}@example.com", unique("someone"))).unwrap();
        db::users::create(&self.pool, &email, "Someone", None, false)
            .await
            .unwrap()
    }

    /// A new member of the default organization.
    async fn fresh_member(&self) -> Uuid {
        let user = self.fresh_user().await;
        db::organizations::add_member(&self.pool, org_id(), user, OrgRole::Member)
            .await
            .unwrap();
        user
    }

    /// The id of a new member's membership (their organization permission in the API).
    async fn fresh_membership(&self) -> Uuid {
        let user = self.fresh_member().await;
        db::organizations::membership_id(&self.pool, org_id(), user)
            .await
            .unwrap()
            .unwrap()
    }

    /// A new API application of `user`, acting in `organization`.
    async fn fresh_application(&self, organization: Uuid, user: Uuid) -> Uuid {
        create_application(&self.state, organization, user, &unique("app"))
            .await
            .0
            .id
    }

    /// SSO settings for the default organization, so that there is something to turn off;
    /// returns the email domain they claim (not proven).
    async fn sso_configured(&self) -> String {
        let domain = format!("{}.test", unique("authz"));
        let input = meridian::ops::sso::SsoInput {
            issuer: self.provider.clone(),
            client_id: "meridian".into(),
            client_secret: Some("s3cret".into()),
            domains: vec![domain.clone()],
            default_role: OrgRole::Member,
            require_sso: false,
        };
        meridian::ops::sso::save(&self.state, &self.ours, input, None)
            .await
            .unwrap();
        domain
    }

    /// A claimed email domain of the default organization whose proof is already found, so
    /// that looking for it again succeeds without DNS.
    async fn proven_domain(&self) -> String {
        let domain = self.sso_configured().await;
        sqlx::query("update organization_domains set verified_at = now() where domain = $1")
            .bind(&domain)
            .execute(&self.pool)
            .await
            .unwrap();
        domain
    }

    /// A new open invitation of the default organization, for an address without an account.
    async fn fresh_invitation(&self) -> Uuid {
        let email = Email::parse(&format!("{}@example.com", unique("invited"))).unwrap();
        meridian::ops::invitations::invite(&self.state, &self.ours, &email, OrgRole::Member)
            .await
            .unwrap()
            .id
    }

    /// Ids the principal must never see in an answer about ours (through the API when
    /// `api`, else in the browser).
    fn foreign_ids(&self, who: Who, api: bool) -> Vec<&(String, Uuid)> {
        match who {
            Anonymous => self.their_ids.iter().chain(&self.our_ids).collect(),
            Outsider => self.our_ids.iter().collect(),
            // Their invitation names our organization (its id and name), nothing else of it.
            Invited => self
                .our_ids
                .iter()
                .filter(|(_, id)| *id != org_id())
                .collect(),
            // Their application is the other organization's: ours is foreign to it.
            TwoOrgs if api => self.our_ids.iter().collect(),
            // In the browser they belong to both; what they are told of ours carries nothing
            // of the other organization but its id (in the list of their organizations).
            TwoOrgs => self
                .their_ids
                .iter()
                .filter(|(_, id)| *id != self.other_org)
                .collect(),
            _ => self.their_ids.iter().collect(),
        }
    }
}

async fn create_region(pool: &PgPool, organization: Uuid, name: &str) -> Uuid {
    let mut tx = pool.begin().await.unwrap();
    let name = Name::parse(name).unwrap();
    let region = db::regions::create(
        &mut *tx,
        organization,
        &name,
        true,
        &Default::default(),
        false,
    )
    .await
    .unwrap();
    db::regions::notify_changed(&mut tx, Some(organization))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    region.id
}

/// An OpenID provider that only publishes its discovery document and a key: enough for
/// `sso/test` to succeed.
async fn start_provider() -> String {
    use axum::{Json, routing::get};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let discovery = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    // A 2048-bit modulus in form only: nothing is ever verified with it.
    let jwks = json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
        "n": "w".repeat(342), "e": "AQAB",
    }]});
    let router = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(discovery) }),
        )
        .route("/jwks", get(move || async move { Json(jwks) }));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    issuer
}

/// Everything of one organization that an answer could carry, by id.
async fn ids_of(pool: &PgPool, organization: Uuid) -> Vec<(String, Uuid)> {
    let queries = [
        ("organization", "select id from organizations where id = $1"),
        (
            "region",
            "select id from regions where organization_id = $1",
        ),
        (
            "workspace",
            "select id from workspaces where organization_id = $1",
        ),
        (
            "data plane",
            "select d.id from data_planes d join regions r on r.id = d.region_id
             where r.organization_id = $1",
        ),
        (
            "data plane secret",
            "select c.id from data_plane_credentials c join data_planes d on d.id = c.data_plane_id
             join regions r on r.id = d.region_id where r.organization_id = $1",
        ),
        (
            "membership",
            "select id from organization_members where organization_id = $1",
        ),
        (
            "workspace permission",
            "select p.id from workspace_permissions p join workspaces w on w.id = p.workspace_id
             where w.organization_id = $1",
        ),
    ];
    let mut ids = Vec::new();
    for (what, sql) in queries {
        let found: Vec<Uuid> = sqlx::query_scalar(sql)
            .bind(organization)
            .fetch_all(pool)
            .await
            .unwrap();
        ids.extend(found.into_iter().map(|id| (what.to_owned(), id)));
    }
    ids
}

/// A user with a password and, optionally, a membership; returns their id and email.
async fn user(
    pool: &PgPool,
    hash: &str,
    who: Who,
    membership: Option<(Uuid, OrgRole)>,
) -> (Uuid, String) {
    let email = format!("{}@example.com", unique(&format!("{who:?}").to_lowercase()));
    let id = db::users::create(
        pool,
        &Email::parse(&email).unwrap(),
        "Principal",
        Some(hash),
        false,
    )
    .await
    .unwrap();
    if let Some((organization, role)) = membership {
        db::organizations::add_member(pool, organization, id, role)
            .await
            .unwrap();
    }
    (id, email)
}

/// The default organization with region `auto` and its default workspace, a second region
/// with a data plane and a target workspace, the other organization with the same, and the
/// principals.
async fn fixture(app: &TestApp) -> Arc<Fixture> {
    let pool = app.pool.clone();
    let state = app.state.clone();
    let instance_admin = db::users::find_by_email(&pool, &Email::parse(ADMIN_EMAIL).unwrap())
        .await
        .unwrap()
        .unwrap();
    let ours = auth::authorize(
        &pool,
        instance_admin.clone(),
        None,
        org_id(),
        OrgRole::Admin,
    )
    .await
    .unwrap();
    let other_org = app.other_organization().await;
    let theirs = auth::authorize(&pool, instance_admin, None, other_org, OrgRole::Admin)
        .await
        .unwrap();
    let hash = password::hash(PASSWORD);

    // Ours: `auto` and the default workspace from the first start, plus a region with a data
    // plane and the target workspace.
    let auto = app.region_id(org_id(), "auto").await;
    let region = create_region(&pool, org_id(), "Authz Region").await;
    let data_plane = meridian::ops::data_planes::create(
        &state,
        &ours,
        region,
        &Name::parse("authz-plane").unwrap(),
        true,
    )
    .await
    .unwrap()
    .data_plane
    .id;
    let workspace = meridian::ops::workspaces::create(
        &state,
        &ours,
        &Name::parse("Authz Target").unwrap(),
        region,
        &[],
    )
    .await
    .unwrap()
    .id;

    // Theirs: the same, and a member of theirs with a workspace role, so that their lists of
    // permissions hold something.
    let their_region = create_region(&pool, other_org, "Their Region").await;
    meridian::ops::data_planes::create(
        &state,
        &theirs,
        their_region,
        &Name::parse("their-plane").unwrap(),
        true,
    )
    .await
    .unwrap();
    let their_workspace = meridian::ops::workspaces::create(
        &state,
        &theirs,
        &Name::parse("Their Workspace").unwrap(),
        their_region,
        &[],
    )
    .await
    .unwrap()
    .id;
    let (their_member, _) = user(&pool, &hash, Member, Some((other_org, OrgRole::Member))).await;
    db::permissions::grant(
        &pool,
        Uuid::new_v4(),
        their_workspace,
        their_member,
        WorkspaceRole::Editor,
    )
    .await
    .unwrap();

    let (bystander, _) = user(&pool, &hash, Member, Some((org_id(), OrgRole::Member))).await;
    let reader_permission = Uuid::new_v4();
    let mut principals = Vec::new();
    for who in PRINCIPALS {
        let membership = match who {
            Anonymous => None,
            Outsider => Some((other_org, OrgRole::Admin)),
            Invited => Some((other_org, OrgRole::Admin)),
            OrgAdmin => Some((org_id(), OrgRole::Admin)),
            _ => Some((org_id(), OrgRole::Member)),
        };
        let principal = if membership.is_none() {
            Principal {
                who,
                user_id: None,
                email: "nobody@example.com".into(),
                client: app.client(),
                api: None,
            }
        } else {
            let (id, email) = user(&pool, &hash, who, membership).await;
            if let Some(role) = who.workspace_role() {
                let permission = if who == Reader {
                    reader_permission
                } else {
                    Uuid::new_v4()
                };
                db::permissions::grant(&pool, permission, workspace, id, role)
                    .await
                    .unwrap();
            }
            if who == Invited {
                let address = Email::parse(&email).unwrap();
                meridian::ops::invitations::invite(&state, &ours, &address, OrgRole::Admin)
                    .await
                    .unwrap();
            }
            if who == TwoOrgs {
                db::organizations::add_member(&pool, other_org, id, OrgRole::Admin)
                    .await
                    .unwrap();
            }
            let api = if who == TwoOrgs {
                app.api_in(other_org, id).await
            } else {
                app.api_for(id).await
            };
            let client = app.client();
            client.sign_in(&email, PASSWORD).await;
            Principal {
                who,
                user_id: Some(id),
                email,
                client,
                api: Some(api),
            }
        };
        principals.push(principal);
    }

    let their_ids = ids_of(&pool, other_org).await;
    let our_ids = ids_of(&pool, org_id()).await;
    Arc::new(Fixture {
        pool,
        base: format!("http://{}", app.addr),
        http: http_client(),
        state,
        ours,
        other_org,
        auto,
        region,
        workspace,
        data_plane,
        reader_permission,
        bystander,
        provider: start_provider().await,
        principals,
        their_ids,
        our_ids,
    })
}

/// Runs every row as every principal (and, where a row says so, as the other organization's
/// admins naming their own organization); `api` says whether the rows call the public API.
/// Returns the number of calls and every mismatch.
async fn run(fixture: &Arc<Fixture>, cases: &[Case], api: bool) -> (usize, Vec<String>) {
    let mut calls = 0;
    let mut failures = Vec::new();
    for case in cases {
        for (column, who) in PRINCIPALS.into_iter().enumerate() {
            let answer = (case.call)(fixture.clone(), who, org_id()).await;
            calls += 1;
            check(
                case.name,
                who,
                case.expect[column],
                &answer,
                &fixture.foreign_ids(who, api),
                &mut failures,
            );
        }
        if let Some(expect) = case.own_org {
            // Naming their own organization, nothing of ours may come back, even to the
            // member of both.
            let ours: Vec<_> = fixture.our_ids.iter().collect();
            for who in [Outsider, TwoOrgs] {
                let answer = (case.call)(fixture.clone(), who, fixture.other_org).await;
                calls += 1;
                let name = format!("{} [naming their own organization]", case.name);
                check(&name, who, expect, &answer, &ours, &mut failures);
            }
        }
    }
    (calls, failures)
}

fn check(
    row: &str,
    who: Who,
    expect: Expect,
    answer: &Answer,
    foreign: &[&(String, Uuid)],
    failures: &mut Vec<String>,
) {
    let body: String = answer.body.chars().take(600).collect();
    if !expect.matches(answer.status) {
        failures.push(format!(
            "{row} as {who:?}: expected {expect:?}, got {}: {body}",
            answer.status
        ));
    }
    if answer.status.is_success() {
        for (what, id) in foreign {
            if answer.body.contains(&id.to_string()) {
                failures.push(format!(
                    "{row} as {who:?}: the answer holds {what} {id} of an organization \
                     they may not see here: {body}"
                ));
            }
        }
    }
}

async fn assert_table(pool: PgPool, table: fn() -> Vec<Case>, api: bool) {
    let mut app = TestApp::spawn(pool).await;
    let started = Instant::now();
    let fixture = fixture(&app).await;
    let set_up = started.elapsed();
    let cases = table();
    let (calls, mut failures) = run(&fixture, &cases, api).await;
    // The invited principal was a stranger to ours throughout: no row took up their
    // invitation.
    let invited = fixture.p(Invited).user_id.unwrap();
    let open: i64 = sqlx::query_scalar(
        "select count(*) from invitations
         where organization_id = $1 and email = $2 and accepted_at is null and revoked_at is null",
    )
    .bind(org_id())
    .bind(&fixture.p(Invited).email)
    .fetch_one(&fixture.pool)
    .await
    .unwrap();
    let member = db::organizations::member(&fixture.pool, org_id(), invited)
        .await
        .unwrap();
    if open != 1 || member.is_some() {
        failures.push(format!(
            "the invited principal's invitation is no longer open ({open}) or they became a \
             member ({member:?})"
        ));
    }
    app.stop().await;
    eprintln!(
        "{} rows, {calls} calls in {:.1?} (fixture {:.1?})",
        cases.len(),
        started.elapsed(),
        set_up
    );
    assert!(
        failures.is_empty(),
        "{} of {calls} calls answered wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[sqlx::test]
async fn every_server_function_answers_each_caller_as_the_table_says(pool: PgPool) {
    assert_table(pool, server_functions, false).await;
}

#[sqlx::test]
async fn every_api_endpoint_answers_each_caller_as_the_table_says(pool: PgPool) {
    assert_table(pool, api_endpoints, true).await;
}

/// Single sign-on is an organization's own business: an admin of another organization who
/// claims the email domain our members (and the instance admin) use, and requires SSO, must
/// not take over how they sign in. They still sign in with their passwords, and are not sent
/// to that organization's identity provider.
#[sqlx::test]
async fn another_organizations_sso_does_not_take_over_our_members_sign_in(pool: PgPool) {
    let mut app = TestApp::spawn(pool).await;
    let other = app.other_organization().await;
    let outsider = app.user_in(other, OrgRole::Admin).await;
    let hash = password::hash(PASSWORD);
    let (_, member) = user(&app.pool, &hash, Member, Some((org_id(), OrgRole::Member))).await;
    let provider = start_provider().await;

    // Everyone above signs in as someone@example.com.
    let res = outsider
        .call(
            "sso/save",
            &[
                ("organization_id", &other.to_string()),
                ("issuer", &provider),
                ("client_id", "theirs"),
                ("client_secret", "s3cret"),
                ("domains", "example.com"),
                ("default_role", "member"),
                ("require_sso", "true"),
            ],
        )
        .await;
    let claimed = res.status();

    let mut failures = Vec::new();
    for email in [ADMIN_EMAIL, member.as_str()] {
        let browser = app.client();
        let res = browser
            .call(
                "session/sign-in",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        let (status, target) = (res.status(), redirect_target(&res));
        let viewer: Value = browser
            .call("session/viewer", &[])
            .await
            .json()
            .await
            .unwrap();
        if viewer.is_null() || target.as_deref().is_some_and(|t| t.contains("sso")) {
            failures.push(format!(
                "{email} signs in with a password: expected a session, got {status} \
                 redirecting to {target:?} (the other organization's sso/save answered {claimed})"
            ));
        }
    }
    app.stop().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every `#[server(endpoint = ...)]` of `src/server_fns`.
fn server_functions() -> Vec<Case> {
    vec![
        // expect: [anonymous, other org's admin, member, reader, editor, workspace admin, org admin,
        //          invited, member of both]
        Case {
            name: "jobs/page",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, _) = f.fresh_job(w).await;
                let form = [("organization_id", s(org)), ("workspace_id", s(workspace))];
                f.sf(w, "jobs/page", &form).await
            }),
        },
        Case {
            name: "jobs/detail",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, job) = f.fresh_job(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("job_id", s(job)),
                ];
                f.sf(w, "jobs/detail", &form).await
            }),
        },
        Case {
            name: "runs/detail",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, _, run) = f.fresh_run(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("run_id", s(run)),
                ];
                f.sf(w, "runs/detail", &form).await
            }),
        },
        Case {
            name: "runs/fragment (a run)",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, _, run) = f.fresh_run(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("run_id", s(run)),
                ];
                f.sf(w, "runs/fragment", &form).await
            }),
        },
        Case {
            name: "runs/fragment (a job's runs)",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, job, _) = f.fresh_run(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("job_id", s(job)),
                ];
                f.sf(w, "runs/fragment", &form).await
            }),
        },
        Case {
            name: "jobs/save (create)",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("name", unique("job")),
                    ("deployment", s("etl")),
                    ("schedule", s("0 3 * * *")),
                    ("timeout_seconds", s("60")),
                    ("retries", s("1")),
                ];
                f.sf(w, "jobs/save", &form).await
            }),
        },
        Case {
            name: "jobs/save (edit)",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, job) = f.fresh_job(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("job_id", s(job)),
                    ("revision", f.revision("jobs", job).await),
                    ("name", unique("renamed")),
                    ("deployment", s("etl-2")),
                    ("schedule", s("")),
                    ("timeout_seconds", s("")),
                    ("retries", s("")),
                ];
                f.sf(w, "jobs/save", &form).await
            }),
        },
        Case {
            name: "jobs/delete",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, job) = f.fresh_job(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("job_id", s(job)),
                    ("revision", f.revision("jobs", job).await),
                ];
                f.sf(w, "jobs/delete", &form).await
            }),
        },
        Case {
            name: "jobs/run",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, job) = f.fresh_job(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("job_id", s(job)),
                ];
                f.sf(w, "jobs/run", &form).await
            }),
        },
        Case {
            name: "runs/cancel",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (workspace, _, run) = f.fresh_run(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("run_id", s(run)),
                ];
                f.sf(w, "runs/cancel", &form).await
            }),
        },
        Case {
            name: "session/viewer",
            expect: [OK, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.sf(w, "session/viewer", &[]).await),
        },
        Case {
            name: "session/sign-in",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            // Each signs in as themselves in a new browser; the anonymous with an unknown email.
            call: call!(|f, w, _| {
                let browser = f.browser();
                let form = [("email", f.p(w).email.as_str()), ("password", PASSWORD)];
                Answer::read(browser.call("session/sign-in", &form).await).await
            }),
        },
        Case {
            name: "session/sign-out",
            expect: [OK, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            // In a session of its own, so the principal's stays signed in.
            call: call!(|f, w, _| {
                let browser = f.browser();
                if w != Anonymous {
                    browser.sign_in(&f.p(w).email, PASSWORD).await;
                }
                Answer::read(browser.call("session/sign-out", &[]).await).await
            }),
        },
        Case {
            name: "organizations/create",
            expect: [E401, E403, E403, E403, E403, E403, E403, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                f.sf(w, "organizations/create", &[("name", unique("org"))])
                    .await
            }),
        },
        Case {
            name: "general/page",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                f.sf(w, "general/page", &[("organization_id", s(org))])
                    .await
            }),
        },
        Case {
            name: "general/rename-organization",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let revision = f.revision("organizations", org).await;
                let form = [
                    ("organization_id", s(org)),
                    ("name", unique("Renamed")),
                    ("revision", revision),
                ];
                f.sf(w, "general/rename-organization", &form).await
            }),
        },
        Case {
            name: "members/page",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                f.sf(w, "members/page", &[("organization_id", s(org))])
                    .await
            }),
        },
        Case {
            name: "members/invite",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("email", format!("{}@example.com", unique("invited"))),
                    ("role", s("member")),
                ];
                f.sf(w, "members/invite", &form).await
            }),
        },
        Case {
            name: "members/revoke-invitation",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("invitation_id", s(f.fresh_invitation().await)),
                ];
                f.sf(w, "members/revoke-invitation", &form).await
            }),
        },
        Case {
            name: "members/sign-up-link",
            // Operators (instance admins) only: an organization's admin never holds a way into
            // the account of the person they invite.
            expect: [E401, E404, E403, E403, E403, E403, E403, E404, E403],
            own_org: Some(E403),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("invitation_id", s(f.fresh_invitation().await)),
                ];
                f.sf(w, "members/sign-up-link", &form).await
            }),
        },
        Case {
            name: "members/reveal-sign-up-link",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("invitation_id", s(f.fresh_invitation().await)),
                ];
                f.sf(w, "members/reveal-sign-up-link", &form).await
            }),
        },
        Case {
            name: "members/sign-out",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("user_id", s(f.fresh_member().await)),
                ];
                f.sf(w, "members/sign-out", &form).await
            }),
        },
        Case {
            name: "members/set-role",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("user_id", s(f.fresh_member().await)),
                    ("role", s("admin")),
                ];
                f.sf(w, "members/set-role", &form).await
            }),
        },
        Case {
            name: "members/remove",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("user_id", s(f.fresh_member().await)),
                ];
                f.sf(w, "members/remove", &form).await
            }),
        },
        Case {
            name: "regions/page",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                f.sf(w, "regions/page", &[("organization_id", s(org))])
                    .await
            }),
        },
        Case {
            name: "regions/detail",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [("organization_id", s(org)), ("region_id", s(f.region))];
                f.sf(w, "regions/detail", &form).await
            }),
        },
        Case {
            name: "regions/data-planes",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            // A region their own organization does not have: not found.
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [("organization_id", s(org)), ("region_id", s(f.region))];
                f.sf(w, "regions/data-planes", &form).await
            }),
        },
        Case {
            name: "regions/create",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [("organization_id", s(org)), ("name", unique("region"))];
                f.sf(w, "regions/create", &form).await
            }),
        },
        Case {
            name: "regions/update",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let region = f.fresh_region().await;
                let form = [
                    ("organization_id", s(org)),
                    ("region_id", s(region)),
                    ("revision", f.revision("regions", region).await),
                    ("name", unique("renamed")),
                ];
                f.sf(w, "regions/update", &form).await
            }),
        },
        Case {
            name: "regions/place",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let region = f.fresh_region().await;
                let form = [
                    ("organization_id", s(org)),
                    ("region_id", s(region)),
                    ("revision", f.revision("regions", region).await),
                    ("location", "DE-HE".to_owned()),
                ];
                f.sf(w, "regions/place", &form).await
            }),
        },
        Case {
            name: "regions/default",
            // The instance's operators only: no organization admin names where every
            // organization's new workspaces go.
            expect: [E401, E404, E403, E403, E403, E403, E403, E404, E403],
            // Refused before any region is looked up: nothing about ours is revealed.
            own_org: Some(E403),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("region_id", s(f.fresh_region().await)),
                ];
                f.sf(w, "regions/default", &form).await
            }),
        },
        Case {
            name: "regions/delete",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("region_id", s(f.fresh_region().await)),
                ];
                f.sf(w, "regions/delete", &form).await
            }),
        },
        Case {
            name: "dataplanes/create",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("region_id", s(f.region)),
                    ("name", unique("plane")),
                ];
                f.sf(w, "dataplanes/create", &form).await
            }),
        },
        Case {
            name: "dataplanes/reveal",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(f.data_plane)),
                ];
                f.sf(w, "dataplanes/reveal", &form).await
            }),
        },
        Case {
            name: "dataplanes/detail",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(f.data_plane)),
                ];
                f.sf(w, "dataplanes/detail", &form).await
            }),
        },
        Case {
            name: "dataplanes/connection",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(f.data_plane)),
                    ("credential_id", s(uuid::Uuid::new_v4())),
                ];
                f.sf(w, "dataplanes/connection", &form).await
            }),
        },
        Case {
            name: "dataplanes/update",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let plane = f.fresh_plane().await;
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(plane)),
                    ("revision", f.revision("data_planes", plane).await),
                    ("name", unique("renamed")),
                ];
                f.sf(w, "dataplanes/update", &form).await
            }),
        },
        Case {
            name: "dataplanes/update (drain)",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let plane = f.fresh_plane().await;
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(plane)),
                    ("revision", f.revision("data_planes", plane).await),
                    ("draining", s(true)),
                ];
                f.sf(w, "dataplanes/update", &form).await
            }),
        },
        Case {
            name: "dataplanes/delete",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(f.fresh_plane().await)),
                ];
                f.sf(w, "dataplanes/delete", &form).await
            }),
        },
        Case {
            name: "dataplanes/rotate",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(f.fresh_plane().await)),
                ];
                f.sf(w, "dataplanes/rotate", &form).await
            }),
        },
        Case {
            name: "dataplanes/revoke-secret",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let (plane, secret) = f.fresh_plane_with_second_secret().await;
                let form = [
                    ("organization_id", s(org)),
                    ("data_plane_id", s(plane)),
                    ("secret_id", s(secret)),
                ];
                f.sf(w, "dataplanes/revoke-secret", &form).await
            }),
        },
        Case {
            name: "workspaces/page",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                f.sf(w, "workspaces/page", &[("organization_id", s(org))])
                    .await
            }),
        },
        Case {
            name: "workspaces/detail",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(f.workspace)),
                ];
                f.sf(w, "workspaces/detail", &form).await
            }),
        },
        Case {
            name: "workspaces/scoped-token",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(f.workspace)),
                ];
                f.sf(w, "workspaces/scoped-token", &form).await
            }),
        },
        Case {
            name: "workspaces/create",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            // Their own organization, our region: not a region of theirs.
            own_org: Some(E422),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("name", unique("ws")),
                    ("region_id", s(f.region)),
                ];
                f.sf(w, "workspaces/create", &form).await
            }),
        },
        Case {
            name: "workspaces/rename",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("revision", f.revision("workspaces", workspace).await),
                    ("name", unique("renamed")),
                ];
                f.sf(w, "workspaces/rename", &form).await
            }),
        },
        Case {
            name: "workspaces/classify",
            // Saying what a workspace holds decides where it may live: its admins'.
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("revision", f.revision("workspaces", workspace).await),
                    ("classifications", "pii".to_owned()),
                ];
                f.sf(w, "workspaces/classify", &form).await
            }),
        },
        Case {
            name: "workspaces/lock",
            // Only organization admins: a workspace's own admin may not pin or free it.
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("revision", f.revision("workspaces", workspace).await),
                    ("locked", "true".to_owned()),
                ];
                f.sf(w, "workspaces/lock", &form).await
            }),
        },
        Case {
            name: "workspaces/move",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("revision", f.revision("workspaces", workspace).await),
                    ("region_id", s(f.region)),
                ];
                f.sf(w, "workspaces/move", &form).await
            }),
        },
        Case {
            name: "workspaces/delete",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("revision", f.revision("workspaces", workspace).await),
                ];
                f.sf(w, "workspaces/delete", &form).await
            }),
        },
        Case {
            name: "workspaces/grant",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(f.fresh_workspace(w).await)),
                    ("user_id", s(f.bystander)),
                    ("role", s("reader")),
                ];
                f.sf(w, "workspaces/grant", &form).await
            }),
        },
        Case {
            name: "workspaces/set-role",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("permission_id", s(f.fresh_grant(workspace).await)),
                    ("role", s("editor")),
                ];
                f.sf(w, "workspaces/set-role", &form).await
            }),
        },
        Case {
            name: "workspaces/revoke",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let workspace = f.fresh_workspace(w).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(workspace)),
                    ("permission_id", s(f.fresh_grant(workspace).await)),
                ];
                f.sf(w, "workspaces/revoke", &form).await
            }),
        },
        Case {
            name: "workspaces/set-role (a permission on another workspace)",
            // The form names one workspace and the permission is on another: not found, for
            // everyone (administering one workspace gives no say over the roles on another).
            expect: [E401, E404, E404, E404, E404, E404, E404, E404, E404],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let administered = f.fresh_workspace(w).await;
                let elsewhere = f.fresh_workspace(Member).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(administered)),
                    ("permission_id", s(f.fresh_grant(elsewhere).await)),
                    ("role", s("admin")),
                ];
                f.sf(w, "workspaces/set-role", &form).await
            }),
        },
        Case {
            name: "workspaces/revoke (a permission on another workspace)",
            expect: [E401, E404, E404, E404, E404, E404, E404, E404, E404],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let administered = f.fresh_workspace(w).await;
                let elsewhere = f.fresh_workspace(Member).await;
                let form = [
                    ("organization_id", s(org)),
                    ("workspace_id", s(administered)),
                    ("permission_id", s(f.fresh_grant(elsewhere).await)),
                ];
                f.sf(w, "workspaces/revoke", &form).await
            }),
        },
        Case {
            name: "audit/page",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let mut form = vec![("organization_id", s(org)), ("page", s(0))];
                for field in [
                    "query[actor]",
                    "query[action]",
                    "query[object]",
                    "query[from]",
                    "query[to]",
                ] {
                    form.push((field, String::new()));
                }
                f.sf(w, "audit/page", &form).await
            }),
        },
        Case {
            name: "audit/event",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let event: Uuid = sqlx::query_scalar(
                    "select id from audit_events where organization_id = $1 order by occurred_at limit 1",
                )
                .bind(meridian::domain::DEFAULT_ORGANIZATION_ID)
                .fetch_one(&f.pool)
                .await
                .unwrap();
                let form = [("organization_id", s(org)), ("event_id", s(event))];
                f.sf(w, "audit/event", &form).await
            }),
        },
        Case {
            name: "organizations/data-residency",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(OK),
            call: call!(|f, w, org| {
                f.sf(
                    w,
                    "organizations/data-residency",
                    &[("organization_id", s(org))],
                )
                .await
            }),
        },
        Case {
            name: "organizations/residency-policy",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: Some(OK),
            call: call!(|f, w, org| {
                f.sf(
                    w,
                    "organizations/residency-policy",
                    &[("organization_id", s(org))],
                )
                .await
            }),
        },
        Case {
            name: "organizations/residency-policy/save",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                // The current revision, so the admin's save is not refused as stale.
                let revision: i32 = sqlx::query_scalar(
                    "select coalesce((select revision from residency_policies where organization_id = $1), 0)",
                )
                .bind(org)
                .fetch_one(&f.pool)
                .await
                .unwrap();
                let form = [
                    ("organization_id", s(org)),
                    ("revision", s(revision)),
                    ("rules", unique("zz").replace('-', "_") + ": EU"),
                ];
                f.sf(w, "organizations/residency-policy/save", &form).await
            }),
        },
        Case {
            name: "audit/storage",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| f
                .sf(w, "audit/storage", &[("organization_id", s(org))])
                .await),
        },
        Case {
            name: "audit/retention",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [("organization_id", s(org)), ("retention_days", s("400"))];
                f.sf(w, "audit/retention", &form).await
            }),
        },
        Case {
            name: "audit/bucket",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("endpoint", s("https://s3.example.com")),
                    ("region", s("eu-central-1")),
                    ("bucket", s("authz-audit")),
                    ("access_key_id", s("AKIAAUTHZ")),
                    ("secret_access_key", s("authz-secret-0000")),
                ];
                f.sf(w, "audit/bucket", &form).await
            }),
        },
        Case {
            name: "audit/bucket/remove",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                f.ensure_audit_bucket().await;
                f.sf(w, "audit/bucket/remove", &[("organization_id", s(org))])
                    .await
            }),
        },
        Case {
            name: "sso/page",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| f.sf(w, "sso/page", &[("organization_id", s(org))]).await),
        },
        Case {
            name: "sso/test",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [("organization_id", s(org)), ("issuer", f.provider.clone())];
                f.sf(w, "sso/test", &form).await
            }),
        },
        Case {
            name: "webhooks/page",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| f
                .sf(w, "webhooks/page", &[("organization_id", s(org))])
                .await),
        },
        Case {
            name: "webhooks/create",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("url", s("https://hooks.example.com/meridian")),
                    ("region_unhealthy", s("true")),
                ];
                f.sf(w, "webhooks/create", &form).await
            }),
        },
        Case {
            name: "webhooks/delete",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("webhook_id", s(f.fresh_webhook().await)),
                ];
                f.sf(w, "webhooks/delete", &form).await
            }),
        },
        Case {
            name: "webhooks/test",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("webhook_id", s(f.fresh_webhook().await)),
                ];
                f.sf(w, "webhooks/test", &form).await
            }),
        },
        Case {
            name: "sso/save",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            // Domains of its own each time, which no one signs in with.
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("issuer", f.provider.clone()),
                    ("client_id", s("meridian")),
                    ("client_secret", s("s3cret")),
                    ("domains", format!("{}.test", unique("authz"))),
                    ("default_role", s("member")),
                ];
                f.sf(w, "sso/save", &form).await
            }),
        },
        Case {
            name: "sso/delete",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: None,
            call: call!(|f, w, org| {
                f.sso_configured().await;
                f.sf(w, "sso/delete", &[("organization_id", s(org))]).await
            }),
        },
        Case {
            name: "sso/verify-domain",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E403],
            own_org: Some(E404),
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("domain", f.proven_domain().await),
                ];
                f.sf(w, "sso/verify-domain", &form).await
            }),
        },
        Case {
            name: "applications/page",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                f.sf(w, "applications/page", &[("organization_id", s(org))])
                    .await
            }),
        },
        Case {
            name: "applications/detail",
            // The member of both made their application in the other organization: in ours
            // it does not exist.
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("application_id", s(f.application(w))),
                ];
                f.sf(w, "applications/detail", &form).await
            }),
        },
        Case {
            name: "applications/create",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [("organization_id", s(org)), ("name", unique("app"))];
                f.sf(w, "applications/create", &form).await
            }),
        },
        Case {
            name: "applications/reveal",
            // Hands out only what this session stashed when it made an application (here
            // nothing, `null`) to a member of the organization named: the member of both is
            // one, whichever organization their application is in.
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    ("application_id", s(f.application(w))),
                ];
                f.sf(w, "applications/reveal", &form).await
            }),
        },
        Case {
            name: "applications/delete",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, OK],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    (
                        "application_id",
                        s(f.fresh_application(f.home(w), f.user(w)).await),
                    ),
                ];
                f.sf(w, "applications/delete", &form).await
            }),
        },
        Case {
            name: "applications/detail (someone else's)",
            // Applications are their owner's alone, whatever the caller's role.
            expect: [E401, E404, E404, E404, E404, E404, E404, E404, E404],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    (
                        "application_id",
                        s(f.fresh_application(org_id(), f.bystander).await),
                    ),
                ];
                f.sf(w, "applications/detail", &form).await
            }),
        },
        Case {
            name: "applications/delete (someone else's)",
            expect: [E401, E404, E404, E404, E404, E404, E404, E404, E404],
            own_org: None,
            call: call!(|f, w, org| {
                let form = [
                    ("organization_id", s(org)),
                    (
                        "application_id",
                        s(f.fresh_application(org_id(), f.bystander).await),
                    ),
                ];
                f.sf(w, "applications/delete", &form).await
            }),
        },
        Case {
            name: "invitations/mine",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.sf(w, "invitations/mine", &[]).await),
        },
        Case {
            name: "invitations/accept (someone else's)",
            // Only the person an invitation is addressed to, signed in, may take it up;
            // to anyone else it does not exist, whatever their role in the organization.
            expect: [E401, E404, E404, E404, E404, E404, E404, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let form = [("invitation_id", s(f.fresh_invitation().await))];
                f.sf(w, "invitations/accept", &form).await
            }),
        },
        Case {
            name: "invitations/decline (someone else's)",
            expect: [E401, E404, E404, E404, E404, E404, E404, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let form = [("invitation_id", s(f.fresh_invitation().await))];
                f.sf(w, "invitations/decline", &form).await
            }),
        },
        Case {
            name: "account/page",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.sf(w, "account/page", &[]).await),
        },
        Case {
            name: "account/password",
            // Each their own, to the same password again, so the other rows still sign in
            // with it; the session that changes it stays signed in.
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| {
                let form = [
                    ("current_password", s(PASSWORD)),
                    ("new_password", s(PASSWORD)),
                    ("new_password_again", s(PASSWORD)),
                ];
                f.sf(w, "account/password", &form).await
            }),
        },
    ]
}

/// Every route of the `v1` router in `src/api/mod.rs`.
fn api_endpoints() -> Vec<Case> {
    use Method as M;
    vec![
        // expect: [anonymous, other org's admin, member, reader, editor, workspace admin, org admin,
        //          invited, member of both]
        Case {
            name: "POST /jobs",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({"workspaceId": f.fresh_workspace(w).await, "name": unique("job"), "deployment": "etl"});
                f.api(w, M::POST, "/jobs", Some(body)).await
            }),
        },
        Case {
            name: "GET /jobs?workspaceId=",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (workspace, _) = f.fresh_job(w).await;
                f.api(w, M::GET, &format!("/jobs?workspaceId={workspace}"), None)
                    .await
            }),
        },
        Case {
            name: "GET /jobs/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, job) = f.fresh_job(w).await;
                f.api(w, M::GET, &format!("/jobs/{job}"), None).await
            }),
        },
        Case {
            name: "PATCH /jobs/{id}",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, job) = f.fresh_job(w).await;
                let body = json!({"retries": 2});
                f.api(w, M::PATCH, &format!("/jobs/{job}"), Some(body))
                    .await
            }),
        },
        Case {
            name: "DELETE /jobs/{id}",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, job) = f.fresh_job(w).await;
                f.api(w, M::DELETE, &format!("/jobs/{job}"), None).await
            }),
        },
        Case {
            name: "POST /jobs/{id}/runs",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, job) = f.fresh_job(w).await;
                f.api(w, M::POST, &format!("/jobs/{job}/runs"), None).await
            }),
        },
        Case {
            name: "GET /runs?jobId=",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, job, _) = f.fresh_run(w).await;
                f.api(w, M::GET, &format!("/runs?jobId={job}"), None).await
            }),
        },
        Case {
            name: "GET /runs/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, _, run) = f.fresh_run(w).await;
                f.api(w, M::GET, &format!("/runs/{run}"), None).await
            }),
        },
        Case {
            name: "POST /runs/{id}/cancel",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (_, _, run) = f.fresh_run(w).await;
                f.api(w, M::POST, &format!("/runs/{run}/cancel"), None)
                    .await
            }),
        },
        Case {
            name: "POST /applications/token",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            // Each principal's own application; the anonymous with made-up credentials.
            call: call!(|f, w, _| {
                let (client_id, client_secret) = match &f.p(w).api {
                    Some(api) => (api.client_id.clone(), api.client_secret.clone()),
                    None => ("app_nobody".to_owned(), "not a secret".to_owned()),
                };
                let body = json!({
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "grant_type": "client_credentials",
                });
                f.api(w, M::POST, "/applications/token", Some(body)).await
            }),
        },
        Case {
            name: "GET /regions?organizationId=",
            expect: [E401, E403, OK, OK, OK, OK, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /regions",
            expect: [E401, E403, E403, E403, E403, E403, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({"name": unique("region"), "organizationId": org_id()});
                f.api(w, M::POST, "/regions", Some(body)).await
            }),
        },
        Case {
            name: "GET /regions/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions/{}", f.region);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PATCH /regions/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions/{}", f.fresh_region().await);
                let body = json!({"name": unique("renamed")});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /regions/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions/{}", f.fresh_region().await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "GET /regions/{id}/dataplanes",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions/{}/dataplanes", f.region);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /regions/{id}/dataplanes",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions/{}/dataplanes", f.region);
                let body = json!({"name": unique("plane")});
                f.api(w, M::POST, &path, Some(body)).await
            }),
        },
        Case {
            name: "GET /regions/{id}/dataplanes/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/regions/{}/dataplanes/{}", f.region, f.data_plane);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PATCH /regions/{id}/dataplanes/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let plane = f.fresh_plane().await;
                let path = format!("/regions/{}/dataplanes/{plane}", f.region);
                let body = json!({"name": unique("renamed")});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /regions/{id}/dataplanes/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let plane = f.fresh_plane().await;
                let path = format!("/regions/{}/dataplanes/{plane}", f.region);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "GET /dataplanes",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.api(w, M::GET, "/dataplanes", None).await),
        },
        Case {
            name: "GET /dataplanes?regionIds=",
            // The outsider asks for our region by id and gets nothing of it.
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/dataplanes?regionIds={}", f.region);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /dataplanes",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({"regionId": f.region, "name": unique("plane")});
                f.api(w, M::POST, "/dataplanes", Some(body)).await
            }),
        },
        Case {
            name: "GET /dataplanes/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/dataplanes/{}", f.data_plane);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PATCH /dataplanes/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/dataplanes/{}", f.fresh_plane().await);
                let body = json!({"enabled": false});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /dataplanes/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/dataplanes/{}", f.fresh_plane().await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "GET /dataplanes/{id}/secrets",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/dataplanes/{}/secrets", f.data_plane);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /dataplanes/{id}/secrets",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/dataplanes/{}/secrets", f.fresh_plane().await);
                f.api(w, M::POST, &path, None).await
            }),
        },
        Case {
            name: "DELETE /dataplanes/{id}/secrets/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let (plane, secret) = f.fresh_plane_with_second_secret().await;
                let path = format!("/dataplanes/{plane}/secrets/{secret}");
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "GET /workspaces",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.api(w, M::GET, "/workspaces", None).await),
        },
        Case {
            name: "GET /workspaces?workspaceIds=",
            // The outsider asks for our workspaces by id and gets nothing of them.
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!(
                    "/workspaces?workspaceIds={},{}",
                    f.workspace,
                    f.fresh_workspace(w).await
                );
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "GET /workspaces?organizationId=",
            expect: [E401, E403, OK, OK, OK, OK, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/workspaces?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /workspaces",
            // No organizationId: the organization the caller's application acts in (the other
            // one for the outsider, the invited and the member of two).
            expect: [E401, OK, E403, E403, E403, E403, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({"name": unique("ws")});
                f.api(w, M::POST, "/workspaces", Some(body)).await
            }),
        },
        Case {
            name: "GET /workspaces/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/workspaces/{}", f.workspace);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PATCH /workspaces/{id} (rename)",
            expect: [E401, E404, E403, E403, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/workspaces/{}", f.fresh_workspace(w).await);
                let body = json!({"name": unique("renamed")});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "PATCH /workspaces/{id} (move)",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/workspaces/{}", f.fresh_workspace(w).await);
                let body = json!({"regionId": f.region});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /workspaces/{id}",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/workspaces/{}", f.fresh_workspace(w).await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "GET /organizations",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.api(w, M::GET, "/organizations", None).await),
        },
        Case {
            name: "GET /organizations/{id}/data-inventory",
            // An application acts in the organization it was created in only.
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/organizations/{}/data-inventory", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "GET /organizations/{id}/residency-policy",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/organizations/{}/residency-policy", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PUT /organizations/{id}/residency-policy",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/organizations/{}/residency-policy", org_id());
                let body =
                    json!({"rules": [{"classification": "phi", "allowedJurisdictions": ["US"]}]});
                f.api(w, M::PUT, &path, Some(body)).await
            }),
        },
        Case {
            name: "GET /organizations/{id}/audit-storage",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/organizations/{}/audit-storage", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PUT /organizations/{id}/audit-storage/retention",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/organizations/{}/audit-storage/retention", org_id());
                f.api(w, M::PUT, &path, Some(json!({"retentionDays": null})))
                    .await
            }),
        },
        Case {
            name: "PUT /organizations/{id}/audit-storage/bucket",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/organizations/{}/audit-storage/bucket", org_id());
                let body = json!({"endpoint": "https://s3.example.com", "region": "eu-central-1",
                    "bucket": "authz-audit", "accessKeyId": "AKIAAUTHZ", "secretAccessKey": "authz-secret-0000"});
                f.api(w, M::PUT, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /organizations/{id}/audit-storage/bucket",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                f.ensure_audit_bucket().await;
                let path = format!("/organizations/{}/audit-storage/bucket", org_id());
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "POST /webhooks",
            expect: [E401, E403, E403, E403, E403, E403, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({"organizationId": org_id(), "url": "https://hooks.example.com/x", "events": ["region.unhealthy"]});
                f.api(w, M::POST, "/webhooks", Some(body)).await
            }),
        },
        Case {
            name: "GET /webhooks?organizationId=",
            expect: [E401, E403, E403, E403, E403, E403, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/webhooks?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "GET /webhooks/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/webhooks/{}", f.fresh_webhook().await);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "DELETE /webhooks/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/webhooks/{}", f.fresh_webhook().await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "POST /webhooks/{id}/test",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/webhooks/{}/test", f.fresh_webhook().await);
                f.api(w, M::POST, &path, None).await
            }),
        },
        Case {
            name: "GET /audit-events?organizationId=",
            expect: [E401, E403, E403, E403, E403, E403, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/audit-events?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "GET /users?organizationId=",
            expect: [E401, E403, OK, OK, OK, OK, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/users?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /users/{id}/sign-out",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/users/{}/sign-out", f.fresh_member().await);
                f.api(w, M::POST, &path, None).await
            }),
        },
        Case {
            name: "PUT /users/{id}/password",
            // Operators (instance admins) only, never an organization's admin.
            expect: [E401, E403, E403, E403, E403, E403, E403, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/users/{}/password", f.fresh_member().await);
                let body = json!({"password": "a brand new passphrase"});
                f.api(w, M::PUT, &path, Some(body)).await
            }),
        },
        Case {
            name: "GET /invitations?organizationId=",
            expect: [E401, E403, E403, E403, E403, E403, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/invitations?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "DELETE /invitations/{id}",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/invitations/{}", f.fresh_invitation().await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "GET /permissions (own)",
            expect: [E401, OK, OK, OK, OK, OK, OK, OK, OK],
            own_org: None,
            call: call!(|f, w, _| f.api(w, M::GET, "/permissions", None).await),
        },
        Case {
            name: "GET /permissions?organizationId=",
            expect: [E401, E403, OK, OK, OK, OK, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/permissions?organizationId={}", org_id());
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "POST /permissions (organization)",
            expect: [E401, E403, E403, E403, E403, E403, OK, E403, E403],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({
                    "permissionType": "organization_member",
                    "userId": f.fresh_user().await,
                    "organizationId": org_id(),
                });
                f.api(w, M::POST, "/permissions", Some(body)).await
            }),
        },
        Case {
            name: "POST /permissions (workspace)",
            // A workspace in the body that the outsider cannot see reads as no such
            // workspace (422), exactly like an unknown id: nothing is revealed.
            expect: [E401, E422, E403, E403, E403, OK, OK, E422, E422],
            own_org: None,
            call: call!(|f, w, _| {
                let body = json!({
                    "permissionType": "workspace_reader",
                    "userId": f.bystander,
                    "workspaceId": f.fresh_workspace(w).await,
                });
                f.api(w, M::POST, "/permissions", Some(body)).await
            }),
        },
        Case {
            name: "GET /permissions/{id}",
            expect: [E401, E404, OK, OK, OK, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/permissions/{}", f.reader_permission);
                f.api(w, M::GET, &path, None).await
            }),
        },
        Case {
            name: "PATCH /permissions/{id} (workspace)",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let workspace = f.fresh_workspace(w).await;
                let path = format!("/permissions/{}", f.fresh_grant(workspace).await);
                let body = json!({"permissionType": "workspace_editor"});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "PATCH /permissions/{id} (organization)",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/permissions/{}", f.fresh_membership().await);
                let body = json!({"permissionType": "organization_admin"});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /permissions/{id} (workspace)",
            expect: [E401, E404, E403, E403, E403, OK, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let workspace = f.fresh_workspace(w).await;
                let path = format!("/permissions/{}", f.fresh_grant(workspace).await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "PATCH /permissions/{id} (a workspace the caller has no role on)",
            // The form names one workspace and the permission is on another: not found, for
            // everyone (administering one workspace gives no say over the roles on another).
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let elsewhere = f.fresh_workspace(Member).await;
                let path = format!("/permissions/{}", f.fresh_grant(elsewhere).await);
                let body = json!({"permissionType": "workspace_admin"});
                f.api(w, M::PATCH, &path, Some(body)).await
            }),
        },
        Case {
            name: "DELETE /permissions/{id} (a workspace the caller has no role on)",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let elsewhere = f.fresh_workspace(Member).await;
                let path = format!("/permissions/{}", f.fresh_grant(elsewhere).await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
        Case {
            name: "DELETE /permissions/{id} (organization)",
            expect: [E401, E404, E403, E403, E403, E403, OK, E404, E404],
            own_org: None,
            call: call!(|f, w, _| {
                let path = format!("/permissions/{}", f.fresh_membership().await);
                f.api(w, M::DELETE, &path, None).await
            }),
        },
    ]
}
