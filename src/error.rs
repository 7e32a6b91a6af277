//! The one error type: what went wrong, in words a user can act on, with per-field details
//! for forms. Shared by the browser and the server; on the server it also maps database
//! errors and turns into HTTP responses.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of failure, which decides the HTTP status and how the UI reacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Not signed in (401).
    Unauthenticated,
    /// Signed in but not allowed (403).
    Forbidden,
    /// The object does not exist or is outside the caller's reach (404).
    NotFound,
    /// Input that breaks a rule (422).
    Invalid,
    /// A duplicate name, an object still in use, or a change made since the form was loaded (409).
    Conflict,
    /// Too many attempts from one caller or for one account; try again later (429).
    TooManyRequests,
    /// Too busy or a dependency is down; try again shortly (503).
    Unavailable,
    /// Something failed on our side; details are logged, never shown (500).
    Internal,
    /// The request never reached the server or its answer could not be read.
    Transport,
}

/// Seconds a caller is told to wait when the database cannot be reached.
pub const DATABASE_RETRY_AFTER: u32 = 5;

/// The hidden field naming a form among others of the same server function on one page; an
/// error carried back without JavaScript echoes it, so only that form shows the error.
pub const FORM_INPUT: &str = "form";

/// A message about one form field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The one error type of Meridian.
///
/// `input` echoes what the user typed, so a form rendered again after a failed POST (without
/// JavaScript the browser reloads the page) keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input: Vec<(String, String)>,
    /// For `TooManyRequests` and `Unavailable`: seconds after which to try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            fields: Vec::new(),
            input: Vec::new(),
            retry_after: None,
        }
    }

    /// Too many attempts: `message` says of what; try again after `retry_after` seconds.
    pub fn too_many(message: impl Into<String>, retry_after: u32) -> Self {
        let mut e = Self::new(ErrorKind::TooManyRequests, message);
        e.retry_after = Some(retry_after);
        e
    }

    /// Too busy right now; try again after `retry_after` seconds.
    pub fn busy(retry_after: u32) -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            "Meridian is busy right now. Please try again in a few seconds.",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// The database cannot be reached; try again after `retry_after` seconds.
    pub fn database_unavailable(retry_after: u32) -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            "Meridian cannot reach its database right now. Please try again in a few seconds.",
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "Please sign in to continue.")
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "You don't have permission to do that.",
        )
    }

    /// `what` names the missing object in lower case, e.g. "region".
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!("That {what} does not exist or was deleted."),
        )
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "Something went wrong on our side. Please try again.",
        )
    }

    /// A rule broken by one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            kind: ErrorKind::Invalid,
            message: "Please correct the highlighted field.".into(),
            fields: vec![FieldError {
                field: field.into(),
                message,
            }],
            input: Vec::new(),
            retry_after: None,
        }
    }

    /// A conflict attributed to one field (a duplicate name) or to none (a stale form).
    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        let message = message.into();
        let fields = field
            .map(|f| {
                vec![FieldError {
                    field: f.into(),
                    message: message.clone(),
                }]
            })
            .unwrap_or_default();
        Self {
            kind: ErrorKind::Conflict,
            message,
            fields,
            input: Vec::new(),
            retry_after: None,
        }
    }

    /// The form changed under the user: someone else saved first.
    pub fn stale(what: &str) -> Self {
        Self::conflict(
            None,
            format!(
                "This {what} was changed by someone else since you opened the page. Reload and try again."
            ),
        )
    }

    /// The same failure, told in other words.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Merges field errors from several validations into one error.
    pub fn merge(errors: impl IntoIterator<Item = AppError>) -> Option<AppError> {
        let mut merged: Option<AppError> = None;
        for e in errors {
            match merged.as_mut() {
                None => merged = Some(e),
                Some(m) => m.fields.extend(e.fields),
            }
        }
        merged
    }

    /// Attaches what the user typed, to be shown again in the form.
    pub fn with_input<'a>(mut self, input: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        self.input = input
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        self
    }

    /// The message for one field, if any.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }

    /// What the user typed into one field, if echoed.
    pub fn input(&self, field: &str) -> Option<&str> {
        self.input
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    pub fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Invalid => 422,
            ErrorKind::Conflict => 409,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
            ErrorKind::Transport => 502,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // Arguments that do not decode are bad input (a hand-made or stale form).
            E::Args(_) | E::Deserialization(_) | E::MissingArg(_) => Self::new(
                ErrorKind::Invalid,
                "The form was incomplete or malformed. Reload and try again.",
            ),
            E::Request(_) | E::Response(_) => Self::new(
                ErrorKind::Transport,
                "Could not reach Meridian. Check your connection and try again.",
            ),
            _ => Self::internal(),
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    //! Server-side conversions: session store errors and HTTP responses. (Database errors are
    //! turned into these in `db`, which knows what each constraint means.)
    use super::AppError;
    use axum::response::{IntoResponse, Response};

    impl From<tower_sessions::session::Error> for AppError {
        fn from(err: tower_sessions::session::Error) -> Self {
            use tower_sessions::session::Error as E;
            use tower_sessions::session_store::Error as Store;
            // The store is the database: its backend failing is the database being away.
            if let E::Store(Store::Backend(_)) = err {
                tracing::warn!(error = %err, "session store unavailable");
                return AppError::database_unavailable(super::DATABASE_RETRY_AFTER);
            }
            tracing::error!(error = %err, "session store error");
            AppError::internal()
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status = axum::http::StatusCode::from_u16(self.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after = self.retry_after;
            let mut response = (status, axum::Json(self)).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            response
        }
    }
}
