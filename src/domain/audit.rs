//! The audit trail's vocabulary: every action it records (a closed set the compiler checks,
//! so the filter's families and the recorded names cannot drift apart), and a search of the
//! trail parsed from what a person typed into the filter form or an API query.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

macro_rules! actions {
    ($($variant:ident => $name:literal on $object:literal,)*) => {
        /// Every kind of event the audit trail records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order the filter lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The recorded name, e.g. `region.create`: what the log, exports and API show.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The type of object the event is about (`region`, `user`, ...).
            pub const fn object_type(self) -> &'static str {
                match self {
                    $(Action::$variant => $object,)*
                }
            }
        }
    };
}

actions! {
    OrganizationCreate => "organization.create" on "organization",
    OrganizationRename => "organization.rename" on "organization",
    RegionCreate => "region.create" on "region",
    RegionRename => "region.rename" on "region",
    RegionEnable => "region.enable" on "region",
    RegionDisable => "region.disable" on "region",
    RegionDelete => "region.delete" on "region",
    RegionPlace => "region.place" on "region",
    RegionDefault => "region.default" on "region",
    DataPlaneCreate => "dataplane.create" on "dataplane",
    DataPlaneRename => "dataplane.rename" on "dataplane",
    DataPlaneEnable => "dataplane.enable" on "dataplane",
    DataPlaneDisable => "dataplane.disable" on "dataplane",
    DataPlaneDelete => "dataplane.delete" on "dataplane",
    DataPlaneSecretCreate => "dataplane.secret.create" on "dataplane",
    DataPlaneSecretRevoke => "dataplane.secret.revoke" on "dataplane",
    DataPlaneDrain => "dataplane.drain" on "dataplane",
    DataPlaneUndrain => "dataplane.undrain" on "dataplane",
    WorkspaceCreate => "workspace.create" on "workspace",
    WorkspaceRename => "workspace.rename" on "workspace",
    WorkspaceMove => "workspace.move" on "workspace",
    WorkspaceDelete => "workspace.delete" on "workspace",
    WorkspaceScopedToken => "workspace.scoped_token" on "workspace",
    WorkspaceClassify => "workspace.classify" on "workspace",
    WorkspaceLock => "workspace.lock" on "workspace",
    WorkspaceUnlock => "workspace.unlock" on "workspace",
    ResidencyPolicyUpdate => "residency_policy.update" on "organization",
    AuditRetention => "audit.retention" on "organization",
    AuditBucketUpdate => "audit_bucket.update" on "organization",
    AuditBucketDelete => "audit_bucket.delete" on "organization",
    JobCreate => "job.create" on "job",
    JobUpdate => "job.update" on "job",
    JobDelete => "job.delete" on "job",
    JobRun => "job.run" on "job",
    RunCancel => "run.cancel" on "run",
    ApplicationCreate => "application.create" on "application",
    ApplicationDelete => "application.delete" on "application",
    InvitationCreate => "invitation.create" on "invitation",
    InvitationRevoke => "invitation.revoke" on "invitation",
    InvitationAccept => "invitation.accept" on "invitation",
    InvitationDecline => "invitation.decline" on "invitation",
    InvitationLink => "invitation.link" on "invitation",
    DomainVerify => "domain.verify" on "domain",
    MemberAdd => "member.add" on "user",
    MemberRole => "member.role" on "user",
    MemberRemove => "member.remove" on "user",
    PermissionGrant => "permission.grant" on "workspace",
    PermissionUpdate => "permission.update" on "workspace",
    PermissionRevoke => "permission.revoke" on "workspace",
    SsoCreate => "sso.create" on "sso",
    SsoUpdate => "sso.update" on "sso",
    SsoDelete => "sso.delete" on "sso",
    UserCreate => "user.create" on "user",
    UserResetPassword => "user.reset_password" on "user",
    UserChangePassword => "user.change_password" on "user",
    UserEndSessions => "user.end_sessions" on "user",
    UserSignIn => "user.sign_in" on "user",
    UserSignInFailed => "user.sign_in_failed" on "user",
    SigningKeyRotate => "signing_key.rotate" on "signing_key",
    WebhookCreate => "webhook.create" on "webhook",
    WebhookDelete => "webhook.delete" on "webhook",
    WebhookTest => "webhook.test" on "webhook",
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A search as typed into the filter form or an API query (echoed back into the form).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub object: String,
    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339.
    pub from: String,
    pub to: String,
}

/// Which events a search asks for; `None` matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    /// Part of the actor's label (an email, an application), regardless of case.
    pub actor: Option<String>,
    /// An action (`region.create`) or a family of them (`region`).
    pub action: Option<String>,
    /// An object's exact id, a type of object (`region`), or else part of its name regardless
    /// of case.
    pub object: Option<String>,
    pub from: Option<time::OffsetDateTime>,
    /// Exclusive.
    pub to: Option<time::OffsetDateTime>,
    /// One event by id (its detail page).
    pub event: Option<uuid::Uuid>,
}

impl AuditFilter {
    /// The object filter as an exact id, when it is one.
    pub fn object_id(&self) -> Option<uuid::Uuid> {
        self.object.as_deref()?.parse().ok()
    }

    /// The object filter as a type of object (`region`, `user`, ...), when it names one.
    pub fn object_type(&self) -> Option<&'static str> {
        let object = self.object.as_deref()?.to_lowercase();
        Action::ALL
            .iter()
            .map(|a| a.object_type())
            .find(|t| *t == object)
    }

    /// The object filter as part of a name, when it is neither an id nor a type: each of the
    /// three is looked up down its own index.
    pub fn object_name(&self) -> Option<&str> {
        let object = self.object.as_deref()?;
        (self.object_id().is_none() && self.object_type().is_none()).then_some(object)
    }
}

impl AuditQuery {
    /// The search it asks for; a time that does not read is an error on its field.
    pub fn parse(&self) -> AppResult<AuditFilter> {
        let text = |raw: &str| {
            let t = raw.trim();
            (!t.is_empty()).then(|| t.chars().take(200).collect::<String>())
        };
        let from = parse_time("from", &self.from)?;
        let to = parse_time("to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            return Err(AppError::invalid("to", "The end must be after the start."));
        }
        Ok(AuditFilter {
            actor: text(&self.actor),
            action: text(&self.action).map(|a| a.to_lowercase()),
            object: text(&self.object),
            from,
            to,
            event: None,
        })
    }
}

/// `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM[:SS]` (UTC) or RFC 3339.
/// A filter time as a `datetime-local` field shows it (`2026-11-23T14:30`, UTC); what does
/// not read is kept as typed, and the field's error says why.
pub fn datetime_local(raw: &str) -> String {
    match parse_time("", raw) {
        Ok(Some(t)) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        _ => raw.trim().to_owned(),
    }
}

fn parse_time(field: &str, raw: &str) -> AppResult<Option<time::OffsetDateTime>> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(Some(t));
    }
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(raw, minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(raw, seconds))
    {
        return Ok(Some(t.assume_utc()));
    }
    if let Ok(d) = time::Date::parse(raw, format_description!("[year]-[month]-[day]")) {
        return Ok(Some(d.midnight().assume_utc()));
    }
    Err(AppError::invalid(
        field,
        "Use a date like 2026-11-23, or a time like 2026-11-23T14:30 (UTC).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique_and_name_their_family() {
        let mut seen = std::collections::HashSet::new();
        for action in Action::ALL {
            assert!(seen.insert(action.as_str()), "{action} twice");
            assert!(action.as_str().contains('.'), "{action} has no family");
        }
    }

    #[test]
    fn an_object_filter_is_an_id_a_type_or_part_of_a_name() {
        let filter = |object: &str| AuditFilter {
            object: Some(object.into()),
            ..Default::default()
        };
        let id = uuid::Uuid::new_v4();
        assert_eq!(filter(&id.to_string()).object_id(), Some(id));
        assert_eq!(filter(&id.to_string()).object_name(), None);
        assert_eq!(filter("Region").object_type(), Some("region"));
        assert_eq!(filter("Region").object_name(), None);
        assert_eq!(filter("eu-west").object_name(), Some("eu-west"));
        assert_eq!(filter("eu-west").object_type(), None);
    }

    #[test]
    fn queries_parse_times_and_refuse_backwards_ranges() {
        let query = AuditQuery {
            action: " Region ".into(),
            from: "2026-11-23".into(),
            to: "2026-11-23T14:30".into(),
            ..Default::default()
        };
        let filter = query.parse().unwrap();
        assert_eq!(filter.action.as_deref(), Some("region"));
        assert!(filter.from.unwrap() < filter.to.unwrap());
        let backwards = AuditQuery {
            from: "2026-11-24".into(),
            to: "2026-11-23".into(),
            ..Default::default()
        };
        assert!(backwards.parse().unwrap_err().field("to").is_some());
        let bad = AuditQuery {
            from: "yesterday".into(),
            ..Default::default()
        };
        assert!(bad.parse().unwrap_err().field("from").is_some());
        assert_eq!(datetime_local("2026-11-23"), "2026-11-23T00:00");
        assert_eq!(
            datetime_local("2026-11-23T14:30:59+01:00"),
            "2026-11-23T13:30"
        );
        assert_eq!(datetime_local(" yesterday "), "yesterday");
    }
}
