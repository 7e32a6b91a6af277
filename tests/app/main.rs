//! Integration tests: every server function and page over HTTP against the real app on a
//! random port, with a fresh database per test.

mod common;
mod data_planes;
mod organizations;
mod pages;
mod regions;
mod sign_in;
mod workspaces;
