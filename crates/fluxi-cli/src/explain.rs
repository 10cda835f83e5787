//! `fluxi explain FILE`: the plan of each result, and what was pushed into storage,
//! without reading data.

use crate::check::{read_source, render};
use crate::run::compile;
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_eval::Interpreter;
use fluxi_storage::Storage;
use fluxi_value::PlanNode;
use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Plan a script and print each result's plan. Storage is asked nothing but bucket
/// names: reads answer no tables, writes are skipped.
pub fn explain(file: &Path, storage: Arc<dyn Storage>, now: Option<i64>) -> ExitCode {
    let name = file.display().to_string();
    let src = match read_source(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut interp = Interpreter::new(fluxi_stdlib::registry());
    interp.set_storage(storage);
    interp.set_explain_only(true);
    if let Some(t) = now {
        interp.set_now(t);
    }
    let Some(program) = compile(&mut interp, &name, &src) else {
        return ExitCode::from(EXIT_ERROR);
    };
    match interp.run(&program) {
        Ok(results) => {
            let mut out = String::new();
            for (result, stream) in &results {
                let _ = writeln!(out, "result {result:?}");
                match stream.plan() {
                    Some(p) => print_node(&mut out, &src, p, 1),
                    None => out.push_str("  (a stream made without any function call)\n"),
                }
            }
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            render(&name, &src, [&e]);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// A node and its inputs, indented; calls show where they are written.
pub fn print_node(out: &mut String, src: &str, node: &PlanNode, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = write!(out, "{pad}{}", node.op);
    if let Some((a, b)) = node.span {
        // A piped call's span covers its input too; show the call itself.
        let a = src.get(a..b).map_or(a, |t| a + last_pipe(t));
        if let Some(text) = src.get(a..b) {
            let line = src[..a].matches('\n').count() + 1;
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
    last + text[last..].len() - text[last..].trim_start().len()
}
