//! The layering of the crate, held by a test: each module imports only from the layers below
//! it (`docs/architecture.md` draws them), the domain knows no HTTP, and an HTTP resource
//! module never imports another resource module.
//!
//! The test reads the sources as text: every `crate::…` path and every `super::…` path of an
//! HTTP resource module, and every mention of actix.

#![cfg(test)]

use std::path::{Path, PathBuf};

/// The layers, lowest first, and the layers each may import from (itself included).
const LAYERS: &[(&str, &[&str])] = &[
    ("base", &["base"]),
    ("data", &["base", "data"]),
    ("request", &["base", "data", "request"]),
    ("domain", &["base", "data", "domain"]),
    ("http", &["base", "data", "request", "domain", "http"]),
    ("top", &["base", "data", "request", "domain", "http", "top"]),
];

/// Layers that must not name actix (HTTP) at all.
const HTTP_FREE: &[&str] = &["base", "data", "domain"];

/// The parts of the HTTP layer every resource module may use.
const HTTP_SHARED: &[&str] = &["problems", "views"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer of a top-level module name (`base`, `http`, `openapi`…).
fn layer_of(module: &str) -> &'static str {
    match module {
        "base" => "base",
        "data" => "data",
        "request" => "request",
        "domain" => "domain",
        "http" => "http",
        _ => "top",
    }
}

/// The source without comments (line comments and doc comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `prefix` in `code` (`crate::` → `base`, `http`…).
fn names_after<'a>(code: &'a str, prefix: &str) -> Vec<(&'a str, &'a str)> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before_ok = at == 0
            || !rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        let after = &rest[at + prefix.len()..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..end];
        let tail = &after[end..];
        let next = tail
            .strip_prefix("::")
            .map(|t| {
                let end = t
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(t.len());
                &t[..end]
            })
            .unwrap_or("");
        if before_ok && !name.is_empty() {
            found.push((name, next));
        }
        rest = &after[end..];
    }
    found
}

#[test]
fn every_layer_imports_only_from_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let http = root.join("http");
    let resources: Vec<String> = std::fs::read_dir(&http)
        .expect("the http folder")
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .filter(|name| name != "mod" && !HTTP_SHARED.contains(&name.as_str()))
        .collect();
    let mut violations = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under src");
        let first = relative
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let first = first.trim_end_matches(".rs");
        let layer = layer_of(first);
        let allowed = LAYERS
            .iter()
            .find(|(name, _)| *name == layer)
            .map(|(_, allowed)| *allowed)
            .unwrap_or(&[]);
        let text = code(&std::fs::read_to_string(file).expect("a source file"));
        for (module, _) in names_after(&text, "crate::") {
            let is_module =
                root.join(module).is_dir() || root.join(format!("{module}.rs")).is_file();
            if is_module && !allowed.contains(&layer_of(module)) {
                violations.push(format!(
                    "{}: {layer} imports crate::{module} ({})",
                    relative.display(),
                    layer_of(module)
                ));
            }
        }
        if HTTP_FREE.contains(&layer) && text.contains("actix") {
            violations.push(format!("{}: {layer} names actix", relative.display()));
        }
        // An HTTP resource module never imports another resource module.
        if layer == "http" {
            let own = relative
                .components()
                .nth(1)
                .map(|c| {
                    c.as_os_str()
                        .to_string_lossy()
                        .trim_end_matches(".rs")
                        .to_owned()
                })
                .unwrap_or_default();
            let top_level_file = relative.components().count() == 2;
            let mut named: Vec<&str> = names_after(&text, "crate::")
                .into_iter()
                .filter(|(module, _)| *module == "http")
                .map(|(_, next)| next)
                .collect();
            if top_level_file {
                named.extend(
                    names_after(&text, "super::")
                        .into_iter()
                        .map(|(name, _)| name),
                );
            }
            for other in named {
                if resources.iter().any(|r| r == other) && other != own && own != "mod" {
                    violations.push(format!(
                        "{}: resource module {own} imports resource module {other}",
                        relative.display()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_a_violation() {
    let text = code("use crate::http::views;\n// use crate::startup::x;\n");
    assert_eq!(names_after(&text, "crate::"), [("http", "views")]);
    assert_eq!(layer_of("startup"), "top");
}
