//! The formatter: idempotent, meaning-preserving (same tree up to parentheses), keeps every
//! comment, matches the golden files under `tests/cases/format/`, and writes the fewest
//! parentheses the precedence table allows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_syntax::ast::*;
use fluxi_syntax::{format, parse, print_file, PrintOptions};
use proptest::prelude::*;

mod common;
use common::exprs::{level, tree, E};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn flux_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            flux_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "flux") {
            out.push(p);
        }
    }
}

/// Every `.flux` file of this repository that parses without errors, and those of
/// upstream's stdlib when `$FLUXI_UPSTREAM` names a checkout of influxdata/flux (read at
/// test time only, never copied here).
fn corpus() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for d in ["tests/cases", "examples", "stdlib"] {
        flux_files(&root().join(d), &mut files);
    }
    if let Some(upstream) = std::env::var_os("FLUXI_UPSTREAM") {
        flux_files(&Path::new(&upstream).join("stdlib"), &mut files);
    }
    files
        .into_iter()
        .filter_map(|p| {
            let src = std::fs::read_to_string(&p).ok()?;
            (!parse(&src).has_errors()).then_some((p, src))
        })
        .collect()
}

fn strip_block(b: &mut Block) {
    for s in &mut b.body {
        strip_stmt(s);
    }
}

fn strip_stmt(s: &mut Statement) {
    for a in &mut s.attributes {
        a.params.iter_mut().for_each(strip);
    }
    match &mut s.kind {
        StatementKind::Variable { init: e, .. }
        | StatementKind::Option { init: e, .. }
        | StatementKind::Return(e)
        | StatementKind::Expr(e) => strip(e),
        StatementKind::Testcase { block, .. } => strip_block(block),
        StatementKind::Builtin { .. } | StatementKind::Bad => {}
    }
}

fn strip_props(props: &mut [Property]) {
    for p in props {
        if let Some(v) = &mut p.value {
            strip(v);
        }
    }
}

/// Remove every `Paren` node (the formatter re-derives parentheses from precedence).
fn strip(e: &mut Expr) {
    if let ExprKind::Paren(inner) = &e.kind {
        *e = (**inner).clone();
        strip(e);
        return;
    }
    let span = e.span;
    let mut kind = std::mem::replace(&mut e.kind, ExprKind::Bad);
    match &mut kind {
        ExprKind::Interpolated(parts) => {
            for p in parts {
                if let StringPart::Expr(x) = p {
                    strip(x);
                }
            }
        }
        ExprKind::Array(items) => items.iter_mut().for_each(strip),
        ExprKind::Dict(items) => {
            for (k, v) in items {
                strip(k);
                strip(v);
            }
        }
        ExprKind::Record { properties, .. } => strip_props(properties),
        ExprKind::Function { params, body } => {
            for p in params {
                if let Some(d) = &mut p.default {
                    strip(d);
                }
            }
            match body.as_mut() {
                FunctionBody::Expr(b) => strip(b),
                FunctionBody::Block(b) => strip_block(b),
            }
        }
        ExprKind::Call(c) => {
            strip(&mut c.callee);
            strip_props(&mut c.args);
        }
        ExprKind::Pipe { argument, call } => {
            strip(argument);
            strip(&mut call.callee);
            strip_props(&mut call.args);
        }
        ExprKind::Member { object, .. } => strip(object),
        ExprKind::Index { array, index } => {
            strip(array);
            strip(index);
        }
        ExprKind::Unary { operand, .. } => strip(operand),
        ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
            strip(left);
            strip(right);
        }
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => {
            strip(test);
            strip(consequent);
            strip(alternate);
        }
        _ => {}
    }
    *e = Expr::new(kind, span);
}

/// The compact tree without `Paren` nodes and the comment texts.
fn meaning(src: &str) -> (String, Vec<String>) {
    let mut file = parse(src).file;
    for s in &mut file.body {
        strip_stmt(s);
    }
    let comments = file
        .comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect();
    (print_file(&file, PrintOptions::default()), comments)
}

#[test]
fn formatting_is_idempotent_keeps_the_tree_and_every_comment() {
    let files = corpus();
    assert!(files.len() > 50, "only {} files found", files.len());
    let mut failures = Vec::new();
    for (path, src) in &files {
        let once = match format(src) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: refused: {e:?}", path.display()));
                continue;
            }
        };
        let twice = match format(&once) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!(
                    "{}: output does not parse: {e:?}\n{once}",
                    path.display()
                ));
                continue;
            }
        };
        if once != twice {
            failures.push(format!(
                "{}: not idempotent\n--- once\n{once}\n--- twice\n{twice}",
                path.display()
            ));
            continue;
        }
        let (tree_in, comments_in) = meaning(src);
        let (tree_out, comments_out) = meaning(&once);
        if tree_in != tree_out {
            failures.push(format!(
                "{}: tree changed\n--- in\n{tree_in}\n--- out\n{tree_out}",
                path.display()
            ));
        }
        // A comment no layout keeps in place (say, between the operands of `+`) moves
        // before its statement, so only the multiset of comments is compared.
        let (mut sorted_in, mut sorted_out) = (comments_in, comments_out);
        sorted_in.sort();
        sorted_out.sort();
        if sorted_in != sorted_out {
            failures.push(format!("{}: comments changed", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn golden_files() {
    let dir = root().join("tests/cases/format");
    let mut files = Vec::new();
    flux_files(&dir, &mut files);
    let inputs: Vec<_> = files
        .iter()
        .filter(|p| !p.to_string_lossy().ends_with(".formatted.flux"))
        .collect();
    assert!(
        inputs.len() >= 5,
        "golden inputs missing in {}",
        dir.display()
    );
    for input in inputs {
        let src = std::fs::read_to_string(input).unwrap();
        let want_path = input.with_extension("formatted.flux");
        let want = std::fs::read_to_string(&want_path).unwrap();
        let got = format(&src).unwrap();
        if std::env::var_os("FLUXI_BLESS").is_some() && got != want {
            std::fs::write(&want_path, &got).unwrap();
            continue;
        }
        assert_eq!(got, want, "{}", input.display());
        assert_eq!(
            format(&want).unwrap(),
            want,
            "{} not stable",
            want_path.display()
        );
    }
}

#[test]
fn syntax_errors_are_refused() {
    let errs = format("x = 1 +\n").unwrap_err();
    assert!(!errs.is_empty());
}

#[test]
fn small_cases() {
    let cases = [
        ("x=(1+2)*3", "x = (1 + 2) * 3\n"),
        ("x=((1*2))+3", "x = 1 * 2 + 3\n"),
        ("x = a - (b - c)", "x = a - (b - c)\n"),
        ("x = (a - b) - c", "x = a - b - c\n"),
        ("f = (r) => ({r with x: 1})", "f = (r) => ({r with x: 1})\n"),
        ("f = (x=1,tables=<-) => x", "f = (x=1, tables=<-) => x\n"),
        ("x = (1).x", "x = (1).x\n"),
        ("x = -(-a)", "x = - -a\n"),
        ("x = not (a and b)", "x = not (a and b)\n"),
        (
            "x = (if a then b else c) + 1",
            "x = (if a then b else c) + 1\n",
        ),
        ("x = \"a\\\"b\\\\c\\${d}\"", "x = \"a\\\"b\\\\c\\${d}\"\n"),
        ("x = \"v: ${r._value + 1}\"", "x = \"v: ${r._value + 1}\"\n"),
        ("x = [\"a\": 1,\"b\": 2]", "x = [\"a\": 1, \"b\": 2]\n"),
        ("x = [:]", "x = [:]\n"),
        ("x = r[\"a b\"]", "x = r[\"a b\"]\n"),
        ("x = a[0]", "x = a[0]\n"),
        ("x = exists r.a", "x = exists r.a\n"),
        (
            "x = 1h30m + 2020-01-01T00:00:00Z",
            "x = 1h30m + 2020-01-01T00:00:00Z\n",
        ),
        ("x = /a\\/b/", "x = /a\\/b/\n"),
        ("a |> b()", "a |> b()\n"),
        ("a |> b() |> c()", "a\n    |> b()\n    |> c()\n"),
        (
            "x = a |> b() |> c()",
            "x =\n    a\n        |> b()\n        |> c()\n",
        ),
        (
            "import \"a\"\nimport \"b\"\nx = 1\n\n\n\ny = 2",
            "import \"a\"\nimport \"b\"\n\nx = 1\n\ny = 2\n",
        ),
        (
            "package p\nimport \"a\"\nx = 1",
            "package p\n\nimport \"a\"\n\nx = 1\n",
        ),
        (
            "option now = () => 2020-01-01T00:00:00Z",
            "option now = () => 2020-01-01T00:00:00Z\n",
        ),
        ("option a.b = 1", "option a.b = 1\n"),
        (
            "builtin f : (<-tables: stream[A], ?x: int) => stream[A] where A: Record",
            "builtin f : (<-tables: stream[A], ?x: int) => stream[A] where A: Record\n",
        ),
        (
            "@edition(\"2022.1\")\npackage p",
            "@edition(\"2022.1\")\npackage p\n",
        ),
        (
            "f = (x) => {\ny = x  // trailing\n// leading\nreturn y\n}",
            "f = (x) => {\n    y = x // trailing\n    // leading\n    return y\n}\n",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(format(src).unwrap(), want, "source: {src}");
    }
}

// ----- minimal parentheses: random expression trees -----

/// Write `e`; with `all`, every compound sub-expression is parenthesised, else only where
/// binding strength `min` requires it.
fn write(e: &E, min: u8, all: bool) -> String {
    let s = write_bare(e, all);
    if level(e) < min || (all && !matches!(e, E::Leaf(_))) {
        format!("({s})")
    } else {
        s
    }
}

fn args(items: &[E], all: bool) -> String {
    let v: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, a)| format!("a{i}: {}", write(a, 0, all)))
        .collect();
    v.join(", ")
}

fn write_bare(e: &E, all: bool) -> String {
    let l = level(e);
    match e {
        E::Leaf(s) => s.to_string(),
        E::Bin(op, a, b) => format!("{} {op} {}", write(a, l, all), write(b, l + 1, all)),
        E::Prefix(op @ ("not" | "exists"), a) => format!("{op} {}", write(a, l, all)),
        E::Prefix(op, a) => {
            let s = write(a, l, all);
            if s.starts_with(['-', '+']) {
                format!("{op} {s}")
            } else {
                format!("{op}{s}")
            }
        }
        E::Member(a, p) => {
            let min = if matches!(**a, E::Leaf("1")) { 12 } else { 10 };
            format!("{}.{p}", write(a, min, all))
        }
        E::Index(a, i) => format!("{}[{}]", write(a, 10, all), write(i, 0, all)),
        E::Call(f, items) => format!("{}({})", write(f, 10, all), args(items, all)),
        E::Pipe(a, items) => format!("{} |> f({})", write(a, 8, all), args(items, all)),
        E::If(c, t, f) => format!(
            "if {} then {} else {}",
            write(c, 0, all),
            write(t, 0, all),
            write(f, 0, all)
        ),
    }
}

/// Layout aside (line breaks, indentation, trailing commas), the text.
fn squash(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    s.replace(",)", ")")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn format_writes_minimal_parentheses(e in tree()) {
        let all = format!("x = {}", write(&e, 0, true));
        let minimal = format!("x = {}", write(&e, 0, false));
        prop_assume!(!parse(&all).has_errors());
        let got = format(&all);
        prop_assert!(got.is_ok(), "{all} refused");
        let got = got.unwrap();
        prop_assert_eq!(squash(&got), squash(&minimal), "from {}", all);
        prop_assert_eq!(meaning(&got), meaning(&all));
        prop_assert_eq!(format(&got).unwrap(), got.clone());
    }
}

#[test]
fn a_float_member_object_is_not_parenthesised_into_a_call() {
    // Found by fluxi-fuzz: `(.5).from(...)` after an expression statement re-parsed as a
    // call of that statement. A float with digits after its point needs no parentheses.
    let src = "csv0\n.5.from(csv: \"x\")\n";
    let out = format(src).expect("formats");
    assert!(
        parse(&out).errors().next().is_none(),
        "the formatted text parses: {out}"
    );
    assert_eq!(out, "csv0\n.5.from(csv: \"x\")\n");
    // A float ending in its point keeps them: `1..w` would not read back.
    assert_eq!(format("z = (1.).w\n").expect("formats"), "z = (1.).w\n");
}
