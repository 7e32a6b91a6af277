//! Addresses of the settings pages, shared by links in the UI and redirects after changes,
//! and the rules for addresses that come from outside (a `next` parameter).

use uuid::Uuid;

/// Where the sign-in form sends the browser on its way to an organization's identity provider.
pub const SSO_START: &str = "/auth/sso/start";
/// Where identity providers send the browser back (the redirect URI admins register).
pub const SSO_CALLBACK: &str = "/auth/sso/callback";

/// Only same-site absolute paths: `/x` but not `//evil.example` or `/\evil.example`. No
/// backslashes, whitespace or control characters anywhere: browsers drop tabs and new lines
/// from URLs (`/<tab>/evil.example` becomes `//evil.example`), and a control character would
/// make the Location header invalid.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// Percent-encodes a query parameter's value. `/` stays as it is: it is allowed in a query,
/// and keeps paths carried in one (`?next=/orgs/...`) readable.
pub fn encode_query_value(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `base` with the non-empty `pairs` as its query: links that keep a list's search and filters.
pub fn with_query(base: &str, pairs: &[(&str, String)]) -> String {
    let query = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v.trim())))
        .collect::<Vec<_>>()
        .join("&");
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    }
}

pub fn general(org: Uuid) -> String {
    format!("/orgs/{org}/settings/general")
}

pub fn workspaces(org: Uuid) -> String {
    format!("/orgs/{org}/settings/workspaces")
}

pub fn workspace(org: Uuid, workspace: Uuid) -> String {
    format!("/orgs/{org}/settings/workspaces/{workspace}")
}

/// Workspace > Jobs.
pub fn jobs(org: Uuid, ws: Uuid) -> String {
    format!("{}/jobs", workspace(org, ws))
}

pub fn job(org: Uuid, ws: Uuid, job: Uuid) -> String {
    format!("{}/jobs/{job}", workspace(org, ws))
}

pub fn job_delete(org: Uuid, ws: Uuid, job_id: Uuid) -> String {
    format!("{}/delete", job(org, ws, job_id))
}

pub fn run(org: Uuid, ws: Uuid, run: Uuid) -> String {
    format!("{}/runs/{run}", workspace(org, ws))
}

pub fn regions(org: Uuid) -> String {
    format!("/orgs/{org}/settings/regions")
}

pub fn region(org: Uuid, region: Uuid) -> String {
    format!("/orgs/{org}/settings/regions/{region}")
}

pub fn data_plane(org: Uuid, region: Uuid, data_plane: Uuid) -> String {
    format!("/orgs/{org}/settings/regions/{region}/dataplanes/{data_plane}")
}

pub fn credentials(org: Uuid, region: Uuid, data_plane: Uuid) -> String {
    format!("{}/credentials", self::data_plane(org, region, data_plane))
}

pub fn applications(org: Uuid) -> String {
    format!("/orgs/{org}/settings/applications")
}

pub fn application_secret(org: Uuid, application: Uuid) -> String {
    format!("{}/{application}/secret", applications(org))
}

pub fn application_delete(org: Uuid, application: Uuid) -> String {
    format!("{}/{application}/delete", applications(org))
}

pub fn revoke_secret(org: Uuid, region: Uuid, data_plane: Uuid, secret: Uuid) -> String {
    format!(
        "{}/secrets/{secret}/revoke",
        self::data_plane(org, region, data_plane)
    )
}

pub fn audit_log(org: Uuid) -> String {
    format!("/orgs/{org}/settings/audit-log")
}

/// Settings > Audit storage: retention, and the organization's own bucket.
pub fn audit_storage(org: Uuid) -> String {
    format!("/orgs/{org}/settings/audit-storage")
}

/// Settings > Data residency: what the control plane keeps, and what stays in the regions.
pub fn data_residency(org: Uuid) -> String {
    format!("/orgs/{org}/settings/data-residency")
}

/// Settings > Residency policy: where the organization's workspaces may live.
pub fn residency_policy(org: Uuid) -> String {
    format!("/orgs/{org}/settings/residency-policy")
}

/// Settings > Webhooks: health alert endpoints and their deliveries.
pub fn webhooks(org: Uuid) -> String {
    format!("/orgs/{org}/settings/webhooks")
}

/// Where the public API is mounted.
pub const API_BASE: &str = "/api/public/v1";

pub fn audit_event(org: Uuid, event: Uuid) -> String {
    format!("{}/{event}", audit_log(org))
}

pub fn sso(org: Uuid) -> String {
    format!("/orgs/{org}/settings/sso")
}

pub fn members(org: Uuid) -> String {
    format!("/orgs/{org}/settings/members")
}

pub fn member_remove(org: Uuid, user: Uuid) -> String {
    format!("{}/{user}/remove", members(org))
}

/// The confirmation before an admin makes themselves a member.
pub fn member_demote(org: Uuid, user: Uuid) -> String {
    format!("{}/{user}/demote", members(org))
}

/// Where an operator sees a sign-up link they just issued for an invitation, once.
pub fn sign_up_link(org: Uuid, invitation: Uuid) -> String {
    format!("{}/invitations/{invitation}/link", members(org))
}

/// The signed-in person's open invitations.
pub const INVITATIONS: &str = "/invitations";

/// The signed-in person's own account: password, signing out everywhere.
pub const ACCOUNT: &str = "/account";

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_same_site_paths_are_local() {
        assert!(is_local_path("/orgs/x/settings/regions?tab=1"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/a\u{1}b",
            "/a b",
            "",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
