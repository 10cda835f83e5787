//! Plans as text: each result's tree of calls, with what was pushed into storage.

use fluxi_value::{PlanNode, Stream};
use std::fmt::Write;

/// The plan of each result, as `fluxi explain` prints it.
pub fn plans(src: &str, results: &[(String, Stream)]) -> String {
    let mut out = String::new();
    for (result, stream) in results {
        let _ = writeln!(out, "result {result:?}");
        match stream.plan() {
            Some(p) => print_node(&mut out, src, p, 1),
            None => out.push_str("  (a stream made without any function call)\n"),
        }
    }
    out
}

/// A node and its inputs, indented; calls show where they are written.
fn print_node(out: &mut String, src: &str, node: &PlanNode, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = write!(out, "{pad}{}", node.op);
    if let Some((a, b)) = node.span {
        // A piped call's span covers its input too; show the call itself.
        let a = src.get(a..b).map_or(a, |t| a + last_pipe(t));
        if let Some(text) = src.get(a..b) {
            let line = src.get(..a).map_or(0, |s| s.matches('\n').count()) + 1;
            let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let shown = if one_line.chars().count() > 72 {
                format!("{}...", one_line.chars().take(69).collect::<String>())
            } else {
                one_line
            };
            let _ = write!(out, "  (line {line}: {shown})");
        }
    }
    out.push('\n');
    for d in &node.detail {
        let _ = writeln!(out, "{pad}  | {d}");
    }
    for i in &node.inputs {
        print_node(out, src, i, depth + 1);
    }
}

/// Where the call after the last top-level `|>` of a pipeline's text starts (0 if none).
fn last_pipe(text: &str) -> usize {
    let (mut depth, mut last, mut in_string) = (0i32, 0, false);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'(' | b'[' | b'{' if !in_string => depth += 1,
            b')' | b']' | b'}' if !in_string => depth -= 1,
            b'|' if !in_string && depth == 0 && bytes.get(i + 1) == Some(&b'>') => {
                last = i + 2;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = text.get(last..).unwrap_or("");
    last + rest.len() - rest.trim_start().len()
}
