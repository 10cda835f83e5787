//! The checker never panics, whatever tree the parser hands it (including the partial
//! trees of broken input).

use fluxi_semantic::Checker;
use proptest::prelude::*;

const VOCABULARY: &[&str] = &[
    "x",
    "r",
    "f",
    "_value",
    "from",
    "range",
    "filter",
    "map",
    "strings",
    "testing",
    "1",
    "1.5",
    "1h",
    "\"s\"",
    "2020-01-01T00:00:00Z",
    "/re/",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "=",
    "==",
    "<",
    "+",
    "-",
    "*",
    "|>",
    "<-",
    "=>",
    "with",
    "and",
    "or",
    "not",
    "exists",
    "if",
    "then",
    "else",
    "return",
    "option",
    "import \"strings\"\n",
    "\n",
    "r._value",
    "fn: (r) => r",
    "tables=<-",
    "(r) =>",
    "{r with",
    "builtin b : (x: A) => A where A: Addable\n",
    "testcase t {",
    "x = ",
    "f(",
    "a: 1",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn checking_any_parse_tree_never_panics(picks in proptest::collection::vec(0..VOCABULARY.len(), 0..60)) {
        let src: String = picks.iter().map(|p| VOCABULARY[*p]).collect::<Vec<_>>().join(" ");
        let parsed = fluxi_syntax::parse(&src);
        let mut checker = Checker::new();
        let checked = checker.check(&parsed.file, &src);
        for d in &checked.diagnostics {
            if let Some(span) = d.span() {
                prop_assert!(span.end as usize <= src.len(), "span beyond source: {d}");
            }
        }
    }
}
