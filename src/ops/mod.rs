//! The rules of every change, shared by the two front doors: the UI's server functions and
//! the public REST API. Each operation checks what the caller may do, validates against the
//! current state, changes the database and records its audit event in one transaction.
//!
//! Front doors parse input into domain types, call one of these, and shape the answer: a
//! redirect with a notice for the browser, JSON for the API.

pub mod applications;
pub mod data_planes;
pub mod members;
pub mod permissions;
pub mod regions;
pub mod sso;
pub mod workspaces;
