//! Roles a user holds in an organization and on its workspaces.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An organization role. Admins manage regions, data planes and workspace residency; members
/// may look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "ssr",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum OrgRole {
    Member,
    Admin,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Member => "member",
            OrgRole::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<OrgRole, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "member" => Ok(OrgRole::Member),
            "admin" => Ok(OrgRole::Admin),
            other => Err(format!("'{other}' is not a role; use 'admin' or 'member'.")),
        }
    }
}

impl fmt::Display for OrgRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role on one workspace. Readers look; editors may also rename it; admins may also move it
/// to another region (a residency change), delete it and decide who else may act on it.
/// Organization admins hold `Admin` on every workspace of their organization, and organization
/// members hold at least `Reader`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "ssr",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum WorkspaceRole {
    Reader,
    Editor,
    Admin,
}

impl WorkspaceRole {
    pub const ALL: [WorkspaceRole; 3] = [
        WorkspaceRole::Reader,
        WorkspaceRole::Editor,
        WorkspaceRole::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkspaceRole::Reader => "reader",
            WorkspaceRole::Editor => "editor",
            WorkspaceRole::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<WorkspaceRole, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "reader" => Ok(WorkspaceRole::Reader),
            "editor" => Ok(WorkspaceRole::Editor),
            "admin" => Ok(WorkspaceRole::Admin),
            other => Err(format!(
                "'{other}' is not a workspace role; use 'admin', 'editor' or 'reader'."
            )),
        }
    }
}

impl fmt::Display for WorkspaceRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
