//! Who may import whom. Meridian's modules form layers, and each layer uses only those below
//! it (README, "Layout"): a change of rule has one home, and a door never depends on the other
//! door. This test reads every source file and fails, naming the file and the import, when a
//! module reaches up or sideways.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, from the bottom. A module may use modules of lower layers only; modules in one
/// layer are siblings and do not use each other (the two doors above all).
const LAYERS: &[&[&str]] = &[
    // The one error type.
    &["error"],
    // Plain types parsed from input, page addresses (compiled for the browser too), the
    // encryption of secrets kept at rest, and coherent copies of hot reads.
    &["domain", "paths", "sealed", "coherent", "wording"],
    // Configuration; the data plane (its agent, the protocol it shares with the control plane,
    // its regional API and store); the private Postgres cluster; request ids and metrics.
    &["config", "dataplane", "embedded_postgres", "telemetry"],
    // All SQL.
    &["db"],
    // Who is calling, secrets and keys; in-memory copies kept coherent across replicas; DNS.
    &["auth", "cache", "dns", "queue"],
    // What every request can reach, built from the configuration.
    &["state"],
    // Every change of state; what several pages show.
    &["ops", "read"],
    // Parts of pages rendered by the server, inside their pages and alone for live refresh.
    &["fragments"],
    // The doors: the public API, the browser's server functions and plain routes; periodic
    // and first-start work, health alerts.
    &[
        "api",
        "server_fns",
        "web",
        "jobs",
        "alerts",
        "audit_delivery",
        "bootstrap",
    ],
    // The pages.
    &["ui"],
    // The Leptos shell and router.
    &["app"],
    // The door every request passes first (its id, time and load bounds, metrics), and the
    // metrics endpoint.
    &["gate"],
    // The whole application as one router.
    &["server"],
    // The commands.
    &["cli", "lib", "main", "bin"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"))
}

/// The top-level module a file belongs to: `src/db/regions.rs` is `db`, `src/cli.rs` is `cli`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    Path::new(first)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The code of a file without its comments, so doc links and prose do not count as imports.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                ""
            } else if let Some(at) = line.find(" // ") {
                &line[..at]
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module a piece of code names: `crate::db::x`, and each name in
/// `crate::{db, auth::OrgAccess}`.
fn modules_named(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // The names at the top of a brace group, whatever is nested below them.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[i..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        let name = ident(&group[i..]);
                        if !name.is_empty() {
                            found.insert(name);
                        }
                        item_start = false;
                    }
                    _ => {}
                }
                rest = &group[i..];
            }
        } else {
            let name = ident(after);
            if !name.is_empty() {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_module_of_its_own_or_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let layer = layer_of(&module);
        let code = without_comments(&std::fs::read_to_string(file).unwrap());
        for used in modules_named(&code) {
            // `crate::hydrate` and the like are items of lib.rs, not modules.
            if used == module
                || !src.join(format!("{used}.rs")).exists() && !src.join(&used).is_dir()
            {
                continue;
            }
            let used_layer = layer_of(&used);
            if used_layer >= layer {
                violations.push(format!(
                    "{}: `{module}` (layer {layer}) uses `crate::{used}` (layer {used_layer})",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_import_reader_sees_grouped_and_nested_imports() {
    let names = modules_named(
        "use crate::{\n    auth::{self, OrgAccess},\n    db::{self, audit::Event},\n    ops,\n};\nlet x = crate::paths::general(id);",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["auth", "db", "ops", "paths"]
    );
    assert!(modules_named(&without_comments("// see crate::ui\nlet a = 1;")).is_empty());
}
