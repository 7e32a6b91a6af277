//! What a database error means to the person whose request caused it. A broken constraint
//! becomes a conflict beside the field that caused it, worded by the module that owns the
//! table (each `db` module lists its table's constraints in `CONSTRAINTS`); anything else is
//! logged and answered as our failure, never shown.

use crate::error::{AppError, ErrorKind};

/// What breaking one database constraint means.
pub struct Constraint {
    pub name: &'static str,
    /// The form field to show the message beside; `None` for a message about the whole form.
    pub field: Option<&'static str>,
    pub message: &'static str,
}

impl Constraint {
    /// A constraint that input can break, with the field and message to show.
    pub const fn on(name: &'static str, field: &'static str, message: &'static str) -> Self {
        Constraint {
            name,
            field: Some(field),
            message,
        }
    }

    /// A constraint about the whole request rather than one field.
    pub const fn about_form(name: &'static str, message: &'static str) -> Self {
        Constraint {
            name,
            field: None,
            message,
        }
    }

    /// A uniqueness no input can break (random ids, generated client ids, rows the code
    /// checks for first): breaking it means a race, answered as a plain conflict.
    pub const fn not_from_input(name: &'static str) -> Self {
        Constraint {
            name,
            field: None,
            message: "That already exists.",
        }
    }
}

/// Every constraint of the schema that a request can run into, by the module owning its table.
/// A test checks that each unique index and foreign key of the schema is listed here.
pub const CONSTRAINTS: &[&[Constraint]] = &[
    super::abuse::CONSTRAINTS,
    super::applications::CONSTRAINTS,
    super::audit::CONSTRAINTS,
    super::audit_buckets::CONSTRAINTS,
    super::data_planes::CONSTRAINTS,
    super::domains::CONSTRAINTS,
    super::invitations::CONSTRAINTS,
    super::keys::CONSTRAINTS,
    super::organizations::CONSTRAINTS,
    super::periodic::CONSTRAINTS,
    super::permissions::CONSTRAINTS,
    super::policies::CONSTRAINTS,
    super::regions::CONSTRAINTS,
    super::sso::CONSTRAINTS,
    super::users::CONSTRAINTS,
    super::webhooks::CONSTRAINTS,
    super::work::CONSTRAINTS,
    super::workspaces::CONSTRAINTS,
    // Kept by the session store and the migrator, not by Meridian's queries.
    &[
        Constraint::not_from_input("sessions_pkey"),
        Constraint::not_from_input("_sqlx_migrations_pkey"),
    ],
];

/// The meaning of the constraint named `name`, if it is listed.
pub fn constraint(name: &str) -> Option<&'static Constraint> {
    CONSTRAINTS
        .iter()
        .flat_map(|module| module.iter())
        .find(|c| c.name == name)
}

pub use crate::error::DATABASE_RETRY_AFTER;

/// Whether the error means the database could not be reached or went away (a restart, a
/// network cut, a full pool), not that the statement was wrong: worth trying again shortly.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exceptions; 57P01-57P03: the server shutting down or
            // starting up.
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if let Some(db) = err.as_database_error() {
            let name = db.constraint().unwrap_or_default();
            if (db.is_unique_violation() || db.is_foreign_key_violation())
                && let Some(c) = constraint(name)
            {
                return AppError::conflict(c.field, c.message);
            }
            if db.is_unique_violation() {
                tracing::warn!(
                    constraint = name,
                    "a unique constraint without a message was broken"
                );
                return AppError::conflict(None, "That already exists.");
            }
            // Other foreign keys all mean the same: what the request pointed at went away.
            if db.is_foreign_key_violation() {
                return AppError::conflict(
                    None,
                    "A related object was changed or deleted meanwhile. Reload and try again.",
                );
            }
        }
        if let sqlx::Error::RowNotFound = err {
            return AppError::new(ErrorKind::NotFound, "Not found.");
        }
        if is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return AppError::database_unavailable(DATABASE_RETRY_AFTER);
        }
        tracing::error!(error = %err, "database error");
        AppError::internal()
    }
}
