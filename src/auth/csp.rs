//! The browser's content security policy for the dashboard's pages: only our own scripts (the
//! bundle and `copy.js` from this origin, and Leptos' inline hydration script with this
//! response's nonce), so an injected `javascript:` address or inline script does not run;
//! nothing may frame them; and they frame nothing but, on a page that asks, the regional data
//! planes' consoles. (No `form-action`: browsers apply it to the redirects after a post too,
//! and the sign-in form's leads to an organization's identity provider, wherever that is.)

/// The policy for a page rendered with `nonce`, which may frame `frame_origins` (scheme, host
/// and port each, already validated).
pub fn page_policy(nonce: &str, frame_origins: &[&str]) -> String {
    let frames = if frame_origins.is_empty() {
        String::new()
    } else {
        format!("; frame-src {}", frame_origins.join(" "))
    };
    // WebAssembly needs 'wasm-unsafe-eval' to be compiled; it allows nothing else.
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'{frames}"
    )
}
