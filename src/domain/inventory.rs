//! What the control plane stores, table by table and column by column, and what it never
//! stores because it stays in the region's data planes: the data inventory an organization's
//! compliance officer reads (Settings > Data residency, and the API). A test compares it with
//! the database schema, so a table or column added without saying what it holds fails the
//! build rather than going unlisted.

use serde::Serialize;

/// Who a table's rows are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// Rows belong to one organization (or to its members).
    Organization,
    /// Rows serve the whole instance (keys, counters), none are an organization's content.
    Instance,
}

/// One column of a control plane table.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredColumn {
    pub name: &'static str,
    /// What it holds, in words.
    pub holds: &'static str,
    /// Whether it can hold personal data (names, email addresses, IP addresses, identifiers
    /// of people).
    pub personal_data: bool,
}

/// One control plane table.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredTable {
    pub name: &'static str,
    /// Why the control plane keeps it.
    pub purpose: &'static str,
    pub scope: Scope,
    pub columns: &'static [StoredColumn],
}

impl StoredTable {
    pub fn personal_data(&self) -> bool {
        self.columns.iter().any(|c| c.personal_data)
    }
}

/// What stays in a region's data planes and never reaches the control plane.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionalData {
    pub what: &'static str,
    pub kept: &'static str,
}

const fn col(name: &'static str, holds: &'static str) -> StoredColumn {
    StoredColumn {
        name,
        holds,
        personal_data: false,
    }
}

const fn personal(name: &'static str, holds: &'static str) -> StoredColumn {
    StoredColumn {
        name,
        holds,
        personal_data: true,
    }
}

const ID: StoredColumn = col("id", "A random identifier (UUID).");
const CREATED: StoredColumn = col("created_at", "When it was created.");
const UPDATED: StoredColumn = col("updated_at", "When it last changed.");
const REVISION: StoredColumn = col(
    "revision",
    "A counter that refuses changes made from an outdated page.",
);
const ORG: StoredColumn = col("organization_id", "The organization it belongs to.");
const WORKSPACE: StoredColumn = col("workspace_id", "The workspace it belongs to.");

/// Every table of the control plane's database, with every column.
pub const CONTROL_PLANE: &[StoredTable] = &[
    StoredTable {
        name: "organizations",
        purpose: "The organization itself.",
        scope: Scope::Organization,
        columns: &[
            ID,
            col("name", "Its name."),
            CREATED,
            UPDATED,
            REVISION,
            col(
                "domain_token",
                "The value to publish in DNS to prove a domain is the organization's.",
            ),
            col(
                "audit_retention_days",
                "How many days its audit events are kept (empty: forever).",
            ),
        ],
    },
    StoredTable {
        name: "users",
        purpose: "People who can sign in.",
        scope: Scope::Organization,
        columns: &[
            ID,
            personal("email", "Their email address."),
            personal(
                "name",
                "Their name, as they or their identity provider gave it.",
            ),
            col(
                "password_hash",
                "An argon2id hash of their password (none with single sign-on); never the password.",
            ),
            col(
                "is_instance_admin",
                "Whether they operate this Meridian instance.",
            ),
            CREATED,
            personal("last_sign_in_at", "When they last signed in."),
            col(
                "credentials_epoch",
                "A counter that ends their sessions and tokens when raised.",
            ),
        ],
    },
    StoredTable {
        name: "organization_members",
        purpose: "Who belongs to which organization, with which role.",
        scope: Scope::Organization,
        columns: &[
            ORG,
            personal("user_id", "The member."),
            col("role", "Admin or member."),
            CREATED,
            ID,
        ],
    },
    StoredTable {
        name: "membership_periods",
        purpose: "When each person was a member, so the audit log shows an organization only its members' sign-ins from while they were members.",
        scope: Scope::Organization,
        columns: &[
            ORG,
            personal("user_id", "The member."),
            personal("joined_at", "When they joined."),
            personal("left_at", "When they left, if they did."),
        ],
    },
    StoredTable {
        name: "invitations",
        purpose: "Invitations to join an organization, until accepted, revoked or expired.",
        scope: Scope::Organization,
        columns: &[
            ID,
            ORG,
            personal("email", "The invited address."),
            col("role", "The role they get on accepting."),
            personal("invited_by", "Who invited them."),
            CREATED,
            col("expires_at", "When it stops working."),
            col(
                "link_hash",
                "A hash of a one-time sign-up link, if one was issued; never the link.",
            ),
            col("accepted_at", "When it was accepted."),
            personal("accepted_by", "Who accepted it."),
            col("revoked_at", "When it was revoked."),
        ],
    },
    StoredTable {
        name: "regions",
        purpose: "Where the organization's data may be processed.",
        scope: Scope::Organization,
        columns: &[
            ID,
            ORG,
            col("name", "Its name."),
            col("enabled", "Whether it takes workspaces and work."),
            CREATED,
            UPDATED,
            REVISION,
            col("provider", "The cloud provider it runs on, as given."),
            col("location", "Its ISO 3166 country (and subdivision) code."),
            col(
                "jurisdiction",
                "The jurisdiction its data is under, for the residency policy.",
            ),
            col(
                "managed",
                "Whether the instance's operators run it for every organization.",
            ),
            col(
                "default_for_new_workspaces",
                "Whether new workspaces go there when no region is named.",
            ),
        ],
    },
    StoredTable {
        name: "data_planes",
        purpose: "The processes that do a region's work on the organization's infrastructure, and their health.",
        scope: Scope::Organization,
        columns: &[
            ID,
            col("region_id", "Its region."),
            col("name", "Its name."),
            col("enabled", "Whether it takes work."),
            CREATED,
            UPDATED,
            REVISION,
            col("last_heartbeat_at", "When it last reported in."),
            col("version", "The agent version it reported."),
            col("hostname", "The host name it reported."),
            col("url", "The address clients reach its regional API at."),
            col(
                "draining",
                "Whether it finishes its runs and takes no new ones.",
            ),
        ],
    },
    StoredTable {
        name: "data_plane_credentials",
        purpose: "How data planes prove who they are.",
        scope: Scope::Organization,
        columns: &[
            ID,
            col("data_plane_id", "The data plane."),
            col("client_id", "Its public client id."),
            col(
                "secret_hash",
                "A SHA-256 hash of its secret; never the secret.",
            ),
            CREATED,
            col(
                "last_used_at",
                "When the agent last exchanged it for a token.",
            ),
            col("revoked_at", "When it was revoked."),
            col(
                "secret_hint",
                "The secret's last four characters, to tell secrets apart.",
            ),
        ],
    },
    StoredTable {
        name: "data_plane_heartbeats",
        purpose: "Heartbeats of the last 24 hours, for health history; older ones are deleted.",
        scope: Scope::Organization,
        columns: &[
            col("data_plane_id", "The data plane."),
            col("at", "When it reported."),
            col("version", "The agent version it reported."),
            col("hostname", "The host name it reported."),
        ],
    },
    StoredTable {
        name: "workspaces",
        purpose: "Workspaces and the one region each is assigned to.",
        scope: Scope::Organization,
        columns: &[
            ID,
            ORG,
            col("region_id", "Its region."),
            col("name", "Its name."),
            CREATED,
            UPDATED,
            REVISION,
            col(
                "classifications",
                "Labels of the kind of data it holds (pii, phi, ...), never the data.",
            ),
            col("locked", "Whether it is locked to its region."),
        ],
    },
    StoredTable {
        name: "webhooks",
        purpose: "Where the organization's health alerts are sent.",
        scope: Scope::Organization,
        columns: &[
            ID,
            ORG,
            col("url", "The endpoint's address."),
            col("events", "Which events it receives."),
            col(
                "secret_sealed",
                "Its signing secret, encrypted with the instance's key (used to sign).",
            ),
            col("secret_hint", "The secret's last four characters."),
            CREATED,
            personal("created_by", "Who registered it."),
        ],
    },
    StoredTable {
        name: "webhook_deliveries",
        purpose: "Health alerts queued for, sent to, or given up on an endpoint.",
        scope: Scope::Organization,
        columns: &[
            ID,
            col("webhook_id", "The endpoint."),
            ORG,
            col("event_id", "The event's id, the same for every endpoint."),
            col("event_type", "What happened."),
            col(
                "payload",
                "The event as sent: names and ids of a data plane and region, health states.",
            ),
            col("status", "Pending, delivered or failed."),
            col("attempts", "How many times it was sent."),
            col("next_attempt_at", "When it is tried next."),
            col("leased_until", "Until when a server is sending it."),
            col("last_status", "The endpoint's last HTTP status."),
            col("last_error", "Why the last attempt failed."),
            CREATED,
            col("delivered_at", "When the endpoint accepted it."),
        ],
    },
    StoredTable {
        name: "audit_buckets",
        purpose: "The organization's own bucket that its audit events are also written to, and where delivery stands.",
        scope: Scope::Organization,
        columns: &[
            ORG,
            col("endpoint", "The storage service's address."),
            col("region", "The bucket's region."),
            col("bucket", "The bucket's name."),
            col("prefix", "The folder objects are written under."),
            col("access_key_id", "The access key written with."),
            col(
                "secret_sealed",
                "Its secret access key, encrypted with the instance's key (used to sign uploads).",
            ),
            col("secret_hint", "The secret's last four characters."),
            col("next_sequence", "The number the next object gets."),
            col("delivered_batches", "How many objects were written."),
            col("last_delivered_at", "When the last object was written."),
            col("last_object", "The last object's name."),
            col("attempts", "Failed attempts at the current object."),
            col("last_error", "Why the last attempt failed."),
            col("next_attempt_at", "When it is tried next."),
            CREATED,
            UPDATED,
        ],
    },
    StoredTable {
        name: "audit_outbox",
        purpose: "Audit events recorded and not yet written to the organization's bucket (ids only: the event itself is in audit_events).",
        scope: Scope::Organization,
        columns: &[
            col("event_id", "The audit event."),
            ORG,
            col("occurred_at", "When it happened, to write events in order."),
            col("batch", "The object it is being written in."),
        ],
    },
    StoredTable {
        name: "audit_object_names",
        purpose: "The distinct object names in each organization's audit trail (and in sign-ins), so the audit log's object filter finds an object's events without reading every event.",
        scope: Scope::Organization,
        columns: &[
            col(
                "organization_id",
                "The organization whose trail names it; none for sign-ins.",
            ),
            col("object_name", "The name, as the events recorded it."),
        ],
    },
    StoredTable {
        name: "audit_actors",
        purpose: "The distinct actors in each organization's audit trail (and in sign-ins), so the audit log's actor filter finds a person's events without reading every event.",
        scope: Scope::Organization,
        columns: &[
            col(
                "organization_id",
                "The organization whose trail names them; none for sign-ins.",
            ),
            col(
                "actor",
                "Who acted, as the events recorded it (an address, an application).",
            ),
        ],
    },
    StoredTable {
        name: "periodic_runs",
        purpose: "When each periodic job (pruning, cleanup, health watching) last ran, so it runs once per period.",
        scope: Scope::Instance,
        columns: &[
            col("job", "The job's name."),
            col("ran_at", "When it last ran."),
        ],
    },
    StoredTable {
        name: "data_plane_health_states",
        purpose: "Each data plane's health as last announced to webhooks, so a change is announced once.",
        scope: Scope::Organization,
        columns: &[
            col("data_plane_id", "The data plane."),
            col("state", "Its health then."),
            col("changed_at", "When it changed."),
        ],
    },
    StoredTable {
        name: "region_health_states",
        purpose: "Whether each region had a healthy data plane, as last announced to webhooks.",
        scope: Scope::Organization,
        columns: &[
            col("region_id", "The region."),
            col("healthy", "Whether it had a healthy data plane."),
            col("changed_at", "When it changed."),
        ],
    },
    StoredTable {
        name: "residency_policies",
        purpose: "Where the organization's workspaces may live, by jurisdiction and classification.",
        scope: Scope::Organization,
        columns: &[
            ORG,
            col("allowed_jurisdictions", "Where every workspace may live."),
            col("rules", "Where workspaces of each classification may live."),
            UPDATED,
            REVISION,
        ],
    },
    StoredTable {
        name: "workspace_permissions",
        purpose: "Members' roles on single workspaces.",
        scope: Scope::Organization,
        columns: &[
            ID,
            WORKSPACE,
            personal("user_id", "The member."),
            col("role", "Reader, editor or admin."),
            CREATED,
        ],
    },
    StoredTable {
        name: "deployments",
        purpose: "Which code versions exist in the region, by name and digest, so jobs can name them; the code itself stays in the region.",
        scope: Scope::Organization,
        columns: &[
            WORKSPACE,
            col("name", "The deployment's name."),
            col("version", "Its version number."),
            col("digest", "A SHA-256 digest of the code (not the code)."),
            col("size_bytes", "Its size."),
            CREATED,
            col("reported_at", "When the data plane reported it."),
        ],
    },
    StoredTable {
        name: "jobs",
        purpose: "What to run and when: orchestration state. The job's configuration and secrets stay in the region.",
        scope: Scope::Organization,
        columns: &[
            ID,
            ORG,
            WORKSPACE,
            col("name", "Its name."),
            col("deployment", "The name of the deployment it runs."),
            col("schedule", "Its schedule, if any."),
            col("next_run_at", "When it runs next."),
            col("timeout_seconds", "Its time limit."),
            col("retries", "How often a failed run is tried again."),
            CREATED,
            UPDATED,
            REVISION,
        ],
    },
    StoredTable {
        name: "runs",
        purpose: "Each run's state, timing and outcome: orchestration state. Its output and logs stay in the region.",
        scope: Scope::Organization,
        columns: &[
            ID,
            col("job_id", "The job."),
            WORKSPACE,
            ORG,
            col("region_id", "The region it must run in."),
            col(
                "status",
                "Queued, running, succeeded, failed, cancelled or lost.",
            ),
            col(
                "trigger",
                "What started it (a person, the schedule, a retry).",
            ),
            col("attempt", "Which try it is."),
            col("retry_of", "The run it retries."),
            col("data_plane_id", "The data plane running it."),
            col("deployment", "The deployment it runs."),
            col("deployment_version", "Which version of it."),
            col("timeout_seconds", "Its time limit."),
            col("exit_code", "The process's exit code."),
            col(
                "output_bytes",
                "How much output it wrote in the region (the size, not the output).",
            ),
            col("reason", "Why it waits, failed or was stopped, in words."),
            personal("requested_by", "Who started it by hand."),
            col("cancel_requested_at", "When someone asked to cancel it."),
            col("lease_until", "Until when its data plane holds it."),
            col("acknowledged_at", "When its data plane took it."),
            col("queued_at", "When it was queued."),
            col("started_at", "When it started."),
            col("ended_at", "When it ended."),
        ],
    },
    StoredTable {
        name: "audit_events",
        purpose: "Who did what to which object, when and from where. Never changed or deleted.",
        scope: Scope::Organization,
        columns: &[
            ID,
            col("occurred_at", "When."),
            ORG,
            personal("actor_user_id", "Who did it."),
            personal(
                "actor",
                "Who did it, as a label (an email or an application).",
            ),
            col("action", "What was done."),
            col("object_type", "What kind of object it was done to."),
            col("object_id", "Which object."),
            personal(
                "object_name",
                "The object's name (an email address when the object is a person).",
            ),
            personal(
                "before",
                "The object's recorded fields before the change (names and settings; never secrets).",
            ),
            personal("after", "The object's recorded fields after the change."),
            personal("source_ip", "The address the request came from."),
        ],
    },
    StoredTable {
        name: "api_applications",
        purpose: "Client credentials for the public API.",
        scope: Scope::Organization,
        columns: &[
            ID,
            personal("user_id", "The person whose permissions it acts with."),
            col("name", "Its name."),
            col("client_id", "Its public client id."),
            col(
                "secret_hash",
                "A keyed hash of its secret; never the secret.",
            ),
            CREATED,
            col("last_used_at", "When it was last exchanged for a token."),
            ORG,
        ],
    },
    StoredTable {
        name: "sso_configurations",
        purpose: "The organization's identity provider for single sign-on.",
        scope: Scope::Organization,
        columns: &[
            ORG,
            col("issuer", "The provider's issuer URL."),
            col("client_id", "Meridian's client id at the provider."),
            col(
                "client_secret_encrypted",
                "The client secret, encrypted (AES-256-GCM): needed again at each sign-in.",
            ),
            col("default_role", "The role of people who join through it."),
            col("require_sso", "Whether members must sign in through it."),
            CREATED,
            UPDATED,
            REVISION,
        ],
    },
    StoredTable {
        name: "organization_domains",
        purpose: "The email domains the organization's single sign-on covers, and their DNS proof.",
        scope: Scope::Organization,
        columns: &[
            ORG,
            col("domain", "The domain."),
            CREATED,
            col("verified_at", "When DNS proved it."),
            col("checked_at", "When DNS was last checked."),
        ],
    },
    StoredTable {
        name: "user_identities",
        purpose: "Which identity-provider account signs in as which person.",
        scope: Scope::Organization,
        columns: &[
            col("issuer", "The provider."),
            personal("subject", "The person's identifier at the provider."),
            personal("user_id", "The person."),
            CREATED,
            col("created_user", "Whether signing in created the account."),
        ],
    },
    StoredTable {
        name: "sessions",
        purpose: "Browser sessions of signed-in people.",
        scope: Scope::Instance,
        columns: &[
            col("id", "A random session identifier."),
            personal(
                "data",
                "Who is signed in, and one-time values of the page in progress.",
            ),
            col("expiry_date", "When it ends if unused."),
        ],
    },
    StoredTable {
        name: "rate_limits",
        purpose: "Counters that slow down repeated attempts (sign-ins, token exchanges); kept for minutes.",
        scope: Scope::Instance,
        columns: &[
            personal("key", "What is counted: an address or account it limits."),
            col("window_start", "The counting window."),
            col("hits", "How many attempts."),
        ],
    },
    StoredTable {
        name: "sign_in_failures",
        purpose: "Failed sign-ins per address, to lock out guessing; kept for minutes.",
        scope: Scope::Instance,
        columns: &[
            personal("email", "The address tried."),
            col("window_start", "The counting window."),
            col("failures", "How many failures."),
            personal("last_source_ip", "The address the last attempt came from."),
        ],
    },
    StoredTable {
        name: "token_signing_keys",
        purpose: "Keys that sign the control plane's tokens (API and scoped tokens).",
        scope: Scope::Instance,
        columns: &[
            col("kid", "The key's identifier."),
            col("private_key", "The signing key."),
            col("public_key", "Its public half, published for data planes."),
            CREATED,
            col("retired_at", "When it stopped signing."),
        ],
    },
    StoredTable {
        name: "instance_keys",
        purpose: "Secret keys of the instance (for hashing client secrets).",
        scope: Scope::Instance,
        columns: &[
            col("purpose", "What it is for."),
            col("key", "The key."),
            CREATED,
        ],
    },
];

/// What stays in the region: kept by its data planes, reached by clients there with a scoped
/// token, never relayed by the control plane.
pub const IN_DATA_PLANES: &[RegionalData] = &[
    RegionalData {
        what: "Code",
        kept: "Deployment archives uploaded to the region's data plane; the control plane knows their names, versions and digests.",
    },
    RegionalData {
        what: "Configuration",
        kept: "Each workspace's configuration values, in the region's store.",
    },
    RegionalData {
        what: "Secrets",
        kept: "Each workspace's secrets, encrypted in the region's store.",
    },
    RegionalData {
        what: "Workload output",
        kept: "Files runs write, in the region's store; the control plane knows their total size.",
    },
    RegionalData {
        what: "Logs",
        kept: "What runs print, in the region's store, read there by the dashboard's framed viewer.",
    },
];
