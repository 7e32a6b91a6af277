//! The browser's plain HTTP routes beside its pages and server functions: the single sign-on
//! round trip with the identity provider, and downloads. Part of the browser's door; like the
//! server functions, they call `ops/` for changes and `read/` for what they show.

pub mod exports;
pub mod sso;
