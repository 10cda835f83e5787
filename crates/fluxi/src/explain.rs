//! What a query would do, without reading data: each storage read's logical plan before
//! and after the rewrite rules with the exact request it sends to storage, and each
//! result's tree of calls.

use fluxi_eval::Explained;
use fluxi_value::{PlanNode, Stream};
use std::fmt::{self, Write};

pub use fluxi_exec::logical::StorageRequest;

/// The plans of a query (see [`crate::Engine::explain`]); `Display` prints them as
/// `fluxi explain` does.
#[derive(Debug, Clone)]
pub struct Explain {
    /// Each pipeline over a storage read, in the order the program reaches them.
    pub reads: Vec<ReadExplain>,
    /// Each result's tree of calls (what runs in the engine, with the reads at the
    /// leaves), as text.
    pub results: String,
}

/// One pipeline over a storage read.
#[derive(Debug, Clone)]
pub struct ReadExplain {
    /// The logical plan the pipeline built, as an indented tree (input below).
    pub logical: String,
    /// The plan after the rewrite rules.
    pub optimized: String,
    /// The rules that fired, in order.
    pub rules: Vec<String>,
    /// What the rewritten plan asks of storage.
    pub request: StorageRequest,
}

impl Explain {
    pub(crate) fn new(src: &str, explained: Vec<Explained>, results: &[(String, Stream)]) -> Self {
        Explain {
            reads: explained
                .into_iter()
                .map(|e| ReadExplain {
                    logical: e.before,
                    optimized: e.after,
                    rules: e.rules.iter().map(|r| r.to_string()).collect(),
                    request: e.request,
                })
                .collect(),
            results: plans(src, results),
        }
    }
}

fn indent(out: &mut fmt::Formatter<'_>, text: &str, pad: &str) -> fmt::Result {
    for line in text.lines() {
        writeln!(out, "{pad}{line}")?;
    }
    Ok(())
}

impl fmt::Display for Explain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.reads.iter().enumerate() {
            writeln!(f, "read {}", i + 1)?;
            writeln!(f, "  logical plan:")?;
            indent(f, &r.logical, "    ")?;
            if r.rules.is_empty() {
                writeln!(f, "  after rules (none applied):")?;
            } else {
                writeln!(f, "  after rules ({}):", r.rules.join(", "))?;
            }
            indent(f, &r.optimized, "    ")?;
            writeln!(f, "  storage request:")?;
            indent(f, &r.request.to_string(), "    ")?;
        }
        f.write_str(&self.results)
    }
}

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
