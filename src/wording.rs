//! How the dashboard words times and durations ("5 min ago", "1 min 4 s"), shared by the pages
//! and by the server functions that keep parts of them current, so both say the same and the
//! browser needs no clock or calendar of its own.

use time::OffsetDateTime;

/// How long ago `at` was, relative to `now`, in the largest whole unit.
pub fn relative(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let seconds = (now - at).whole_seconds();
    if seconds <= -5 {
        // Ahead (an expiry): the same units, the other way.
        let ahead = -seconds;
        return match ahead {
            s if s < 60 => format!("in {s} s"),
            s if s < 3600 => format!("in {} min", s / 60),
            s if s < 86_400 => format!("in {} h", s / 3600),
            s if s < 2 * 86_400 => "tomorrow".to_owned(),
            s => format!("in {} days", s / 86_400),
        };
    }
    match seconds {
        s if s < 5 => "just now".to_owned(),
        s if s < 60 => format!("{s} s ago"),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 2 * 86_400 => "yesterday".to_owned(),
        s => format!("{} days ago", s / 86_400),
    }
}

/// "12 s", "3 min 4 s", "1 h 2 min".
pub fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
