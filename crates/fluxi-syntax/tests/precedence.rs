//! Property test of precedence and associativity: random expression trees are written as
//! Flux source with the fewest parentheses the spec's precedence table allows; parsing must
//! give back exactly the tree (with `paren` nodes exactly where the writer put parentheses).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_syntax::{parse_expression, print_expr, PrintOptions};
use proptest::prelude::*;

mod common;
use common::exprs::{level, tree, E};

/// Write `e` so that it parses at binding strength `min` or tighter; returns the source and
/// the expected compact print.
fn write(e: &E, min: u8) -> (String, String) {
    let (src, ast) = write_bare(e);
    if level(e) < min {
        (format!("({src})"), format!("(paren {ast})"))
    } else {
        (src, ast)
    }
}

fn args(items: &[E]) -> (String, String) {
    let mut src = Vec::new();
    let mut ast = String::new();
    for (i, a) in items.iter().enumerate() {
        let (s, t) = write(a, 0);
        src.push(format!("a{i}: {s}"));
        ast.push_str(&format!(" a{i}:{t}"));
    }
    (src.join(", "), ast)
}

fn write_bare(e: &E) -> (String, String) {
    let l = level(e);
    match e {
        E::Leaf(s) => (s.to_string(), s.to_string()),
        E::Bin(op, a, b) => {
            let (sa, ta) = write(a, l);
            let (sb, tb) = write(b, l + 1);
            (format!("{sa} {op} {sb}"), format!("({op} {ta} {tb})"))
        }
        E::Prefix(op, a) => {
            let (sa, ta) = write(a, l);
            (format!("{op} {sa}"), format!("({op} {ta})"))
        }
        E::Member(a, p) => {
            // `1.x` lexes as the float `1.` followed by `x` (as upstream), so a number
            // needs parentheses before a member access.
            let min = if matches!(**a, E::Leaf("1")) {
                11 + 1
            } else {
                10
            };
            let (sa, ta) = write(a, min);
            (format!("{sa}.{p}"), format!("(. {ta} {p})"))
        }
        E::Index(a, i) => {
            let (sa, ta) = write(a, 10);
            let (si, ti) = write(i, 0);
            if matches!(**i, E::Leaf("\"s\"")) {
                // `r["s"]` is member access by a string name.
                return (format!("{sa}[{si}]"), format!("(. {ta} {ti})"));
            }
            (format!("{sa}[{si}]"), format!("(index {ta} {ti})"))
        }
        E::Call(f, items) => {
            let (sf, tf) = write(f, 10);
            let (sargs, targs) = args(items);
            (format!("{sf}({sargs})"), format!("(call {tf}{targs})"))
        }
        E::Pipe(a, items) => {
            let (sa, ta) = write(a, 8);
            let (sargs, targs) = args(items);
            (
                format!("{sa} |> f({sargs})"),
                format!("(|> {ta} (call f{targs}))"),
            )
        }
        E::If(c, t, f) => {
            let (sc, tc) = write(c, 0);
            let (st, tt) = write(t, 0);
            let (sf, tf) = write(f, 0);
            (
                format!("if {sc} then {st} else {sf}"),
                format!("(if {tc} {tt} {tf})"),
            )
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn minimal_parentheses_round_trip(e in tree()) {
        let (src, expected) = write(&e, 0);
        let parsed = parse_expression(&src);
        prop_assert!(parsed.is_ok(), "{src} did not parse: {:?}", parsed.err());
        let printed = parsed.map(|p| print_expr(&p, PrintOptions::default())).unwrap_or_default();
        prop_assert_eq!(printed, expected, "source: {}", src);
    }
}
