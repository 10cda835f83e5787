//! The parser must never panic, hang or overflow its stack, whatever the input.
//! Property tests over random bytes and random token sequences run a fixed number of cases
//! (bounded time in CI); deep-nesting tests run on a thread with a small stack.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_syntax::{parse, SyntaxError};
use proptest::prelude::*;

/// Fragments that exercise every lexer mode and grammar corner.
const VOCABULARY: &[&str] = &[
    "x",
    "r",
    "_value",
    "from",
    "with",
    "where",
    "extends",
    "stream",
    "A",
    "0",
    "42",
    "1.5",
    ".5",
    "1h30m",
    "2018-05-22T19:53:26Z",
    "2018-05-22T19:53:26",
    "2018-05-22",
    "\"",
    "\"s\"",
    "${",
    "}",
    "{",
    "(",
    ")",
    "[",
    "]",
    "/",
    "/re/",
    "\\",
    "\\/",
    "=>",
    "=",
    "==",
    "!=",
    "=~",
    "!~",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "%",
    "^",
    "|>",
    "<-",
    ",",
    ":",
    ".",
    "?",
    "@attr",
    "@a(",
    "and",
    "or",
    "not",
    "exists",
    "if",
    "then",
    "else",
    "import",
    "package",
    "return",
    "option",
    "builtin",
    "testcase",
    "\n",
    " ",
    "// comment\n",
    "'",
    "&&",
    "µ",
    "é",
    "\t",
    "$",
    "#",
    ";",
    "\\x41",
    "\\q",
];

fn check_no_panic(src: &str) {
    let parsed = parse(src);
    // Every diagnostic points inside the source.
    for d in &parsed.diagnostics {
        if let Some(span) = d.span() {
            assert!(
                span.end as usize <= src.len(),
                "span {span:?} beyond {} bytes: {d}",
                src.len()
            );
            assert!(
                src.is_char_boundary(span.start as usize),
                "span start not on a char boundary: {d}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_no_panic(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_sequences_never_panic(
        picks in proptest::collection::vec(0..VOCABULARY.len(), 0..80),
        glue in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("\n")], 80),
    ) {
        let mut src = String::new();
        for (i, p) in picks.iter().enumerate() {
            src.push_str(VOCABULARY[*p]);
            src.push_str(glue[i % glue.len()]);
        }
        check_no_panic(&src);
    }
}

/// Parse on a thread with a 1 MiB stack: deep input must be refused with an error, not
/// overflow the stack while parsing, printing or dropping the tree.
fn parse_on_small_stack(src: String) -> Vec<SyntaxError> {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let parsed = parse(&src);
            let _ = fluxi_syntax::print_file(&parsed.file, Default::default());
            parsed.diagnostics
        })
        .expect("spawn")
        .join()
        .expect("parser thread panicked")
}

fn assert_too_deep(src: String) {
    let diags = parse_on_small_stack(src);
    assert!(
        diags
            .iter()
            .any(|d| d.code_str() == "fluxi::syntax::too_deep"),
        "expected a too_deep error, got {:?}",
        diags.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    );
}

const DEEP: usize = 100_000;

#[test]
fn deep_parentheses_are_refused() {
    assert_too_deep(format!("x = {}1{}", "(".repeat(DEEP), ")".repeat(DEEP)));
}

#[test]
fn long_operator_chains_are_refused() {
    assert_too_deep(format!("x = 1{}", " + 1".repeat(DEEP)));
    assert_too_deep(format!("x = {}1", "-".repeat(DEEP)));
    assert_too_deep(format!("x = {}a", "not ".repeat(DEEP)));
    assert_too_deep(format!("x = a{}", " |> f()".repeat(DEEP)));
}

#[test]
fn deep_arrays_records_and_strings_are_refused() {
    assert_too_deep(format!("x = {}1{}", "[".repeat(DEEP), "]".repeat(DEEP)));
    assert_too_deep(format!("x = {}1{}", "{a: ".repeat(DEEP), "}".repeat(DEEP)));
    assert_too_deep(format!(
        "x = {}x{}",
        "\"${".repeat(DEEP),
        "}\"".repeat(DEEP)
    ));
    assert_too_deep(format!("x = {}1", "if a then b else ".repeat(DEEP)));
    assert_too_deep(format!("x = {}1", "() => ".repeat(DEEP)));
    assert_too_deep(format!(
        "x = {}1{}",
        "() => { return ".repeat(DEEP),
        "}".repeat(DEEP)
    ));
    assert_too_deep(format!(
        "builtin x : {}int{}",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    ));
    assert_too_deep(format!("builtin x : {}int", "() => ".repeat(DEEP)));
    assert_too_deep(format!(
        "{}{}",
        "testcase t { ".repeat(DEEP),
        "}".repeat(DEEP)
    ));
}

#[test]
fn nesting_below_the_limit_is_fine() {
    let src = format!("x = {}1{}", "(".repeat(400), ")".repeat(400));
    assert!(parse_on_small_stack(src).is_empty());
    let src = format!("x = 1{}", " or a".repeat(490));
    assert!(parse_on_small_stack(src).is_empty());
}

#[test]
fn unterminated_constructs_at_end_of_input() {
    for src in [
        "x = \"abc",
        "x = \"${",
        "x = \"${a",
        "x = (",
        "x = [1,",
        "x = {a:",
        "x = /re",
        "@a(",
        "builtin x : (",
        "testcase t {",
        "x = r.",
        "x = f(a: 1",
    ] {
        let diags = parse_on_small_stack(src.to_string());
        assert!(!diags.is_empty(), "{src:?} should not parse");
    }
}
