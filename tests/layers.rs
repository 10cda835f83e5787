//! The crates depend on each other only downwards, as docs/architecture.md draws them.
//!
//! [`LAYERS`] is the diagram as a table: a crate may depend (in `[dependencies]`,
//! `[build-dependencies]` or their `[target.*]` forms; dev-dependencies are free) only on
//! fluxi crates on a strictly lower level, and the compiler side (`fluxi-syntax`,
//! `fluxi-semantic`) and the data side (`fluxi-value`, `fluxi-storage`, `fluxi-exec`) never
//! on each other. Every crate in `crates/` must be in the table and named in
//! docs/architecture.md, so a new crate cannot be added without placing it.

use std::collections::BTreeSet;
use std::path::Path;

/// Which half of the diagram a crate is in, below the point where the halves meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Source text to typed graph; never sees Arrow or storage.
    Compiler,
    /// Values, tables, storage and operators; never sees the compiler.
    Data,
    /// Shared by both halves (at the bottom), or where they meet and above.
    Any,
}

/// The layers of docs/architecture.md, bottom (0) to top: `(crate, level, side)`.
const LAYERS: &[(&str, u8, Side)] = &[
    ("fluxi-time", 0, Side::Any),
    ("fluxi-tz", 0, Side::Any),
    ("fluxi-syntax", 1, Side::Compiler),
    ("fluxi-semantic", 2, Side::Compiler),
    ("fluxi-value", 3, Side::Data),
    ("fluxi-storage", 4, Side::Data),
    // A storage backend over Arrow Flight SQL engines: the trait's level plus one, below
    // the operators that read through the trait.
    ("fluxi-flightsql", 5, Side::Data),
    ("fluxi-exec", 5, Side::Data),
    ("fluxi-eval", 6, Side::Any),
    ("fluxi-stdlib", 7, Side::Any),
    ("fluxi", 8, Side::Any),
    // The task scheduler: runs Flux through the facade, below the server that serves its
    // API.
    ("fluxi-tasks", 9, Side::Any),
    // The HTTP client (the buffered writer's HTTP sink, what the CLI asks a server): beside
    // the scheduler, never depending on the server.
    ("fluxi-client", 9, Side::Any),
    ("fluxi-server", 10, Side::Any),
    ("fluxi-cli", 11, Side::Any),
    ("fluxi-bench", 9, Side::Any),
    // A test harness of the readers under the facade (parser, checker, line protocol,
    // annotated CSV), as their own tests are.
    ("fluxi-fuzz", 9, Side::Any),
];

/// Crates that run Flux only through the facade: their fluxi dependencies are `fluxi`
/// (`Engine`, `Session`, `BufferedWriter`) and other crates of this list on a lower level
/// (the CLI starts the server and talks to servers through the client), never a layer
/// under the facade.
const FRONT_DOOR_ONLY: &[&str] = &[
    "fluxi-cli",
    "fluxi-bench",
    "fluxi-server",
    "fluxi-client",
    "fluxi-tasks",
];

fn layer(name: &str) -> Option<(u8, Side)> {
    LAYERS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, level, side)| (level, side))
}

/// A dependency name from a key such as `fluxi-eval`, `fluxi-eval.workspace` or
/// `"fluxi-eval"`.
fn key_name(key: &str) -> String {
    let key = key.trim();
    let key = key.split('.').next().unwrap_or(key);
    key.trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// The `package = "..."` of a renamed dependency, if the line has one.
fn renamed(line: &str) -> Option<String> {
    let at = line.find("package")?;
    let rest = line[at + "package".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(rest.split('"').next()?.to_string())
}

/// The package name and the normal (and build) dependencies of a manifest. Reads the part
/// of TOML that Cargo manifests use: `[dependencies]` tables with `name = ...` or dotted
/// `name.workspace = true` keys, `[dependencies.name]` tables, `[target.'cfg'.dependencies]`,
/// and `package = "..."` renames.
fn manifest_dependencies(manifest: &str) -> (Option<String>, Vec<String>) {
    #[derive(PartialEq)]
    enum In {
        Package,
        Dependencies,
        /// `[dependencies.NAME]`: its keys belong to NAME; a `package` key renames it.
        OneDependency,
        Other,
    }
    let mut section = In::Other;
    let mut package = None;
    let mut deps: Vec<String> = Vec::new();
    for raw in manifest.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_start_matches('[').trim_end_matches(']').trim();
            // `target.'cfg(unix)'.dependencies` counts as `dependencies`.
            let header = match header.strip_prefix("target.") {
                Some(rest) => rest.rfind("dependencies").map_or(header, |i| {
                    &rest[rest[..i].rfind('.').map_or(i, |d| d + 1)..]
                }),
                None => header,
            };
            section = if header == "package" {
                In::Package
            } else if header == "dependencies" || header == "build-dependencies" {
                In::Dependencies
            } else if let Some(name) = header
                .strip_prefix("dependencies.")
                .or_else(|| header.strip_prefix("build-dependencies."))
            {
                deps.push(key_name(name));
                In::OneDependency
            } else {
                In::Other
            };
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue; // a continuation line of a multi-line array
        };
        match section {
            In::Package if key.trim() == "name" => {
                package = Some(value.trim().trim_matches('"').to_string());
            }
            In::Dependencies => deps.push(renamed(value).unwrap_or_else(|| key_name(key))),
            In::OneDependency if key.trim() == "package" => {
                if let (Some(last), Some(real)) = (deps.last_mut(), renamed(line)) {
                    *last = real;
                }
            }
            _ => {}
        }
    }
    (package, deps)
}

/// What is wrong with the dependencies of the given manifests (`(path, text)`): each
/// problem as a sentence.
fn violations(manifests: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in manifests {
        let (package, deps) = manifest_dependencies(text);
        let Some(package) = package else {
            problems.push(format!("{path}: no [package] name"));
            continue;
        };
        if FRONT_DOOR_ONLY.contains(&package.as_str()) {
            let inner: Vec<&String> = deps
                .iter()
                .filter(|d| {
                    d.starts_with("fluxi")
                        && *d != "fluxi"
                        && !FRONT_DOOR_ONLY.contains(&d.as_str())
                })
                .collect();
            if !inner.is_empty() {
                problems.push(format!(
                    "{package} depends on {inner:?}; it runs Flux through the facade only \
                     (depend on `fluxi`, and give the facade the API it needs)"
                ));
            }
        }
        let Some((level, side)) = layer(&package) else {
            problems.push(format!(
                "{package} ({path}) is not in the layer table of tests/layers.rs; place it \
                 there and in docs/architecture.md's diagram"
            ));
            continue;
        };
        for dep in deps.iter().filter(|d| d.starts_with("fluxi")) {
            match layer(dep) {
                None => problems.push(format!(
                    "{package} depends on {dep}, which is not in the layer table"
                )),
                Some((dep_level, _)) if dep_level >= level => problems.push(format!(
                    "{package} (level {level}) depends on {dep} (level {dep_level}); a crate \
                     may depend only on crates below it"
                )),
                Some((_, dep_side))
                    if side != Side::Any && dep_side != Side::Any && dep_side != side =>
                {
                    problems.push(format!(
                        "{package} ({side:?} side) depends on {dep} ({dep_side:?} side); the \
                         compiler and data sides meet only in fluxi-eval"
                    ))
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// Whether `text` names `word` as a whole word (not as part of `fluxi-eval` for `fluxi`).
fn mentions(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

#[test]
fn crates_depend_only_on_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut manifests = Vec::new();
    let dirs = std::fs::read_dir(root.join("crates"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for dir in dirs {
        let path = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let shown = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            manifests.push((shown, text));
        }
    }
    assert!(
        manifests.len() >= LAYERS.len(),
        "found {} manifests for {} crates in the table",
        manifests.len(),
        LAYERS.len()
    );
    let problems = violations(&manifests);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The table names no crate that is gone.
    let names: BTreeSet<String> = manifests
        .iter()
        .filter_map(|(_, text)| manifest_dependencies(text).0)
        .collect();
    for (name, ..) in LAYERS {
        assert!(
            names.contains(*name),
            "the layer table names {name}, which is not in crates/"
        );
    }
    // The check reads real dependencies (not vacuously nothing).
    let eval = manifests
        .iter()
        .find(|(p, _)| p.contains("fluxi-eval"))
        .map(|(_, t)| manifest_dependencies(t).1)
        .unwrap_or_default();
    assert!(eval.iter().any(|d| d == "fluxi-exec"), "{eval:?}");
}

#[test]
fn the_cli_and_the_bench_use_the_facade_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for name in FRONT_DOOR_ONLY {
        let text = std::fs::read_to_string(root.join("crates").join(name).join("Cargo.toml"))
            .unwrap_or_default();
        let (package, deps) = manifest_dependencies(&text);
        assert_eq!(package.as_deref(), Some(*name));
        let mut fluxi: Vec<&String> = deps.iter().filter(|d| d.starts_with("fluxi")).collect();
        fluxi.sort();
        let expected: &[&str] = match *name {
            "fluxi-cli" => &["fluxi", "fluxi-client", "fluxi-server", "fluxi-tasks"],
            "fluxi-server" => &["fluxi", "fluxi-tasks"],
            _ => &["fluxi"],
        };
        assert_eq!(fluxi, expected, "{name}'s fluxi dependencies");
    }
    // The check of `violations` catches a layer dependency of the CLI, though the layers
    // would allow it.
    let cli = manifest(
        "fluxi-cli",
        "[dependencies]\nfluxi.workspace = true\nfluxi-syntax.workspace = true\n\n[dev-dependencies]\nfluxi-storage.workspace = true\n",
    );
    let problems = violations(&[cli]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("[\"fluxi-syntax\"]"), "{problems:?}");
}

#[test]
fn the_architecture_document_places_every_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap_or_default();
    assert!(!doc.is_empty(), "docs/architecture.md is missing");
    let mut crates: Vec<String> = std::fs::read_dir(root.join("crates"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("Cargo.toml").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    crates.sort();
    assert!(crates.len() >= 12, "found only {crates:?}");
    let missing: Vec<&String> = crates.iter().filter(|c| !mentions(&doc, c)).collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not mention {missing:?}; draw them in the diagram"
    );
}

fn manifest(name: &str, body: &str) -> (String, String) {
    (
        format!("crates/{name}/Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion.workspace = true\n\n{body}"),
    )
}

#[test]
fn an_upward_dependency_is_caught() {
    let upward = manifest(
        "fluxi-value",
        "[dependencies]\nfluxi-time.workspace = true\nfluxi-eval = { path = \"../fluxi-eval\" }\n",
    );
    let problems = violations(&[upward]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("fluxi-value (level 3) depends on fluxi-eval (level 6)"));

    // A crate on the same level is not below.
    let sideways = manifest("fluxi-time", "[dependencies]\nfluxi-tz.workspace = true\n");
    assert_eq!(violations(&[sideways]).len(), 1);

    // The compiler and the data side stay apart, although the levels would allow it.
    let across = manifest(
        "fluxi-exec",
        "[dependencies]\nfluxi-semantic.workspace = true\n",
    );
    let problems = violations(&[across]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("Data side"), "{problems:?}");

    // A crate not in the table, or a dependency on one, is reported.
    assert_eq!(violations(&[manifest("fluxi-http", "")]).len(), 1);
    let unknown = manifest("fluxi", "[dependencies]\nfluxi-http.workspace = true\n");
    assert_eq!(violations(&[unknown]).len(), 1);
}

#[test]
fn every_form_of_normal_dependency_counts_and_dev_dependencies_do_not() {
    let forms = manifest(
        "fluxi-storage",
        "[dependencies]\n\
         thiserror.workspace = true\n\
         features = { package = \"fluxi-stdlib\", path = \"../fluxi-stdlib\" }\n\
         [dependencies.fluxi-eval]\n\
         path = \"../fluxi-eval\"\n\
         [dependencies.renamed]\n\
         package = \"fluxi-exec\"\n\
         [target.'cfg(unix)'.dependencies]\n\
         \"fluxi-cli\" = { path = \"../fluxi-cli\" }\n\
         [build-dependencies]\n\
         fluxi.workspace = true\n\
         [dev-dependencies]\n\
         fluxi-bench.workspace = true\n\
         [target.'cfg(unix)'.dev-dependencies]\n\
         fluxi-semantic.workspace = true\n",
    );
    let (name, deps) = manifest_dependencies(&forms.1);
    assert_eq!(name.as_deref(), Some("fluxi-storage"));
    assert_eq!(
        deps,
        [
            "thiserror",
            "fluxi-stdlib",
            "fluxi-eval",
            "fluxi-exec",
            "fluxi-cli",
            "fluxi"
        ]
    );
    // All five upward dependencies are reported; the dev-dependencies are not.
    let problems = violations(&[forms]);
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(!problems.iter().any(|p| p.contains("fluxi-bench")));
    assert!(!problems.iter().any(|p| p.contains("fluxi-semantic")));

    // Downward dependencies, the usual form, pass.
    let fine = manifest(
        "fluxi-eval",
        "[dependencies]\nfluxi-syntax.workspace = true\nfluxi-exec.workspace = true\n\n[dev-dependencies]\nfluxi.workspace = true\n",
    );
    assert!(violations(&[fine]).is_empty());
}

#[test]
fn mentions_needs_the_whole_name() {
    assert!(mentions("  fluxi    (embedding facade", "fluxi"));
    assert!(mentions("`fluxi-tz` (time zones)", "fluxi-tz"));
    assert!(!mentions("fluxi-cli and fluxi-eval", "fluxi"));
    assert!(!mentions("fluxi-tzdata", "fluxi-tz"));
}
