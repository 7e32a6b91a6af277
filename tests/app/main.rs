//! Integration tests: every server function and page over HTTP against the real app on a
//! random port, with a fresh database per test.

mod agent;
mod alerts;
mod api_auth;
mod api_data_planes;
mod api_errors;
mod api_permissions;
mod api_regions;
mod api_workspaces;
mod audit;
mod audit_storage;
mod authorization;
mod common;
mod data_planes;
mod dns;
mod embedded;
mod governance;
mod inventory;
mod members;
mod operations;
mod organizations;
mod pages;
mod regional;
mod regions;
mod runs;
mod schema;
mod seed_curls;
mod sign_in;
mod sso;
mod trust;
mod workspace_roles;
mod workspaces;
