//! Work in a region: deployments (by name), jobs that run them by hand or on a cron schedule,
//! and runs with their states. Metadata only: what a deployment holds and what a run prints
//! stay in the region's data planes.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// The name code is deployed under, as it appears in a URL path: 1 to 64 ASCII letters,
/// digits, `-`, `_` and `.`, starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeploymentName(String);

impl DeploymentName {
    pub const RULES: &'static str =
        "1 to 64 characters: letters, digits, '-', '_' and '.', starting with a letter or digit.";

    pub fn parse(raw: &str) -> Result<DeploymentName, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter a deployment name.".into());
        }
        if name.len() > 64 {
            return Err("Use at most 64 characters.".into());
        }
        if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("Start with a letter or digit.".into());
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(format!(
                "'{}' is not allowed. Use letters, digits, '-', '_' and '.'.",
                bad.escape_default()
            ));
        }
        Ok(DeploymentName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeploymentName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DeploymentName::parse(&value)
    }
}

impl From<DeploymentName> for String {
    fn from(value: DeploymentName) -> Self {
        value.0
    }
}

impl fmt::Display for DeploymentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A five-field cron schedule (minute, hour, day of month, month, day of week), in UTC:
/// `*`, lists (`1,15`), ranges (`1-5`) and steps (`*/15`, `0-30/10`); day of week 0-7 with
/// both 0 and 7 Sunday. As in cron, when both day fields are restricted a day matching either
/// one fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    text: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    any_day: bool,
    any_weekday: bool,
}

impl Schedule {
    pub const RULES: &'static str = "Five cron fields in UTC: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\" or \"0 3 * * 1-5\". Leave empty to run by hand only.";

    pub fn parse(raw: &str) -> Result<Schedule, String> {
        let text = raw.split_whitespace().collect::<Vec<_>>();
        let [minute, hour, day, month, weekday] = text[..] else {
            return Err(format!(
                "A schedule has five fields (minute hour day month weekday); this has {}.",
                text.len()
            ));
        };
        let field = |raw: &str, what: &str, min: u32, max: u32| -> Result<u64, String> {
            let mut bits = 0u64;
            for part in raw.split(',') {
                let (range, step) = match part.split_once('/') {
                    Some((range, step)) => (
                        range,
                        step.parse::<u32>()
                            .ok()
                            .filter(|s| *s > 0)
                            .ok_or_else(|| format!("The {what} step '{step}' is not a number."))?,
                    ),
                    None => (part, 1),
                };
                let number = |n: &str| {
                    n.parse::<u32>()
                        .ok()
                        .filter(|n| (min..=max).contains(n))
                        .ok_or_else(|| {
                            format!("The {what} '{n}' is not a number from {min} to {max}.")
                        })
                };
                let (from, to) = if range == "*" {
                    (min, max)
                } else if let Some((a, b)) = range.split_once('-') {
                    let (a, b) = (number(a)?, number(b)?);
                    if a > b {
                        return Err(format!("The {what} range '{range}' runs backwards."));
                    }
                    (a, b)
                } else {
                    let n = number(range)?;
                    // "5/10" means from 5 to the end, every 10.
                    (n, if part.contains('/') { max } else { n })
                };
                let mut n = from;
                while n <= to {
                    bits |= 1 << n;
                    match n.checked_add(step) {
                        Some(next) => n = next,
                        None => break,
                    }
                }
            }
            Ok(bits)
        };
        let weekdays = field(weekday, "day of week", 0, 7)?;
        let schedule = Schedule {
            text: text.join(" "),
            minutes: field(minute, "minute", 0, 59)?,
            hours: field(hour, "hour", 0, 23)? as u32,
            days: field(day, "day of month", 1, 31)? as u32,
            months: field(month, "month", 1, 12)? as u16,
            // Sunday is both 0 and 7.
            weekdays: ((weekdays | (weekdays >> 7)) & 0x7f) as u8,
            any_day: day == "*",
            any_weekday: weekday == "*",
        };
        // From a fixed date (a leap year's first day), so the browser, which has no clock
        // here, checks the same: four years from it include a 29 February.
        let since = time::macros::datetime!(2024-01-01 0:00 UTC);
        if schedule.next_after(since).is_none() {
            return Err("This schedule never fires (no such date).".into());
        }
        Ok(schedule)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn day_matches(&self, at: OffsetDateTime) -> bool {
        let day = self.days & (1 << at.day()) != 0;
        let weekday = self.weekdays & (1 << at.weekday().number_days_from_sunday()) != 0;
        match (self.any_day, self.any_weekday) {
            (true, true) => true,
            (false, true) => day,
            (true, false) => weekday,
            (false, false) => day || weekday,
        }
    }

    /// The first whole minute strictly after `after` that the schedule fires at; `None` if
    /// none within four years (a date that does not exist, like 31 February).
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        use time::Duration;
        let mut at = after.replace_second(0).ok()?.replace_nanosecond(0).ok()? + Duration::MINUTE;
        let limit = after + Duration::days(4 * 366);
        while at <= limit {
            if self.months & (1 << u8::from(at.month())) == 0 {
                // The first minute of the next month.
                let (year, month) = match at.month() {
                    time::Month::December => (at.year() + 1, time::Month::January),
                    m => (at.year(), m.next()),
                };
                at = time::Date::from_calendar_date(year, month, 1)
                    .ok()?
                    .midnight()
                    .assume_utc();
                continue;
            }
            if !self.day_matches(at) {
                at = (at.date() + Duration::DAY).midnight().assume_utc();
                continue;
            }
            if self.hours & (1 << at.hour()) == 0 {
                at = at.replace_minute(0).ok()? + Duration::HOUR;
                continue;
            }
            if self.minutes & (1 << at.minute()) == 0 {
                at += Duration::MINUTE;
                continue;
            }
            return Some(at);
        }
        None
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A job's time limit, in seconds: 1 second to 24 hours.
pub const MAX_TIMEOUT_SECONDS: i32 = 86_400;
/// A job's time limit when it names none: one hour.
pub const DEFAULT_TIMEOUT_SECONDS: i32 = 3_600;
/// The most retries a job may ask for.
pub const MAX_RETRIES: i32 = 10;

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Waiting for a data plane of its region to take it.
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// Its data plane stopped renewing its lease (it disappeared mid-run).
    Lost,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Cancelled,
        RunStatus::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Lost => "lost",
        }
    }

    pub fn parse(raw: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the run is over (nothing will change it any more).
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job: what to run (a deployment of its workspace, by name), when (by hand, or on a
/// schedule), for how long at most, and how many times to try again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub deployment: String,
    pub schedule: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_run_at: Option<OffsetDateTime>,
    pub timeout_seconds: i32,
    pub retries: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub revision: i32,
}

/// One run of a job, as the control plane knows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: Uuid,
    pub job_id: Uuid,
    pub job_name: String,
    pub workspace_id: Uuid,
    pub organization_id: Uuid,
    pub region_id: Uuid,
    pub status: String,
    pub trigger: String,
    pub attempt: i32,
    pub data_plane_id: Option<Uuid>,
    pub data_plane_name: Option<String>,
    pub deployment: String,
    pub deployment_version: Option<i32>,
    pub timeout_seconds: i32,
    pub exit_code: Option<i32>,
    pub output_bytes: Option<i64>,
    /// Why it ended as it did, or why a queued run waits.
    pub reason: Option<String>,
    pub requested_by: String,
    pub cancel_requested: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

impl Run {
    pub fn status(&self) -> RunStatus {
        RunStatus::parse(&self.status).unwrap_or(RunStatus::Queued)
    }

    /// Whole seconds from start to end (or to `now` while it runs).
    pub fn duration_seconds(&self, now: OffsetDateTime) -> Option<i64> {
        let started = self.started_at?;
        Some(
            (self.ended_at.unwrap_or(now) - started)
                .whole_seconds()
                .max(0),
        )
    }
}

/// A deployment version as the control plane knows it: never its content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub workspace_id: Uuid,
    pub name: String,
    pub version: i32,
    pub digest: String,
    pub size_bytes: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn schedules_parse_and_fire_when_cron_would() {
        let every_15 = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(
            every_15.next_after(datetime!(2026-11-30 10:07:31 UTC)),
            Some(datetime!(2026-11-30 10:15 UTC))
        );
        let weekdays_3am = Schedule::parse("0 3 * * 1-5").unwrap();
        // Saturday 5 December 2026 -> Monday 7 December.
        assert_eq!(
            weekdays_3am.next_after(datetime!(2026-12-05 04:00 UTC)),
            Some(datetime!(2026-12-07 03:00 UTC))
        );
        let new_year = Schedule::parse("0 0 1 1 *").unwrap();
        assert_eq!(
            new_year.next_after(datetime!(2026-11-30 00:00 UTC)),
            Some(datetime!(2027-01-01 00:00 UTC))
        );
        let sundays = Schedule::parse("30 12 * * 7").unwrap();
        assert_eq!(
            sundays.next_after(datetime!(2026-11-30 00:00 UTC)),
            Some(datetime!(2026-12-06 12:30 UTC))
        );
        // Either day field matches when both are restricted: the 1st, or any Monday.
        let either = Schedule::parse("0 0 1 * 1").unwrap();
        assert_eq!(
            either.next_after(datetime!(2026-12-01 12:00 UTC)),
            Some(datetime!(2026-12-07 00:00 UTC))
        );
        assert_eq!(
            Schedule::parse("  5/20  1,2 * * *  ").unwrap().as_str(),
            "5/20 1,2 * * *"
        );
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        assert!(
            Schedule::parse("* * * *")
                .unwrap_err()
                .contains("five fields")
        );
        assert!(
            Schedule::parse("60 * * * *")
                .unwrap_err()
                .contains("0 to 59")
        );
        assert!(Schedule::parse("*/0 * * * *").unwrap_err().contains("step"));
        assert!(
            Schedule::parse("5-1 * * * *")
                .unwrap_err()
                .contains("backwards")
        );
        assert!(Schedule::parse("0 0 31 2 *").unwrap_err().contains("never"));
        assert!(Schedule::parse("@daily").is_err());
        assert!(Schedule::parse("*/4294967295 * * * *").is_ok());
    }

    #[test]
    fn deployment_names_fit_a_path() {
        assert!(DeploymentName::parse("etl-nightly_v2.1").is_ok());
        assert!(DeploymentName::parse("../x").is_err());
        assert!(DeploymentName::parse(".hidden").is_err());
        assert!(DeploymentName::parse("a/b").is_err());
        assert!(DeploymentName::parse(&"a".repeat(65)).is_err());
        assert!(DeploymentName::parse("").is_err());
    }
}
