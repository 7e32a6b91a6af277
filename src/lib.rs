//! Meridian: a control plane for data residency. Organizations define regions, run data
//! planes in them, and assign each workspace to exactly one region.
//!
//! The crate builds twice: with `ssr` as the server (pages, server functions, database) and
//! with `hydrate` as the WebAssembly that makes the same pages interactive in the browser.

#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
pub mod domain;
pub mod error;
pub mod fragments;
pub mod paths;
pub mod read;
#[cfg(feature = "ssr")]
pub mod sealed;
pub mod server_fns;
pub mod ui;
pub mod wording;

#[cfg(feature = "ssr")]
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod audit_delivery;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod bootstrap;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod coherent;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod dataplane;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod dns;
#[cfg(feature = "ssr")]
pub mod embedded_postgres;
#[cfg(feature = "ssr")]
pub mod gate;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;
#[cfg(feature = "ssr")]
pub mod web;

/// The browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Only the islands (the forms, see `ui::forms`) are hydrated; the rest of each page is
    // server-rendered HTML.
    leptos::mount::hydrate_islands();
}
