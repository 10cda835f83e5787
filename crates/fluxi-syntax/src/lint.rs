//! Syntax-level warnings: code that parses but almost certainly is not what was meant.

use crate::ast::{Block, ExprKind, File, FunctionBody, Statement, StatementKind};
use crate::error::{sp, SyntaxError};
use crate::span::{LineIndex, Span};

/// Warn about a call that stands as its own statement right after a pipeline, indented
/// deeper than that statement or on the same line: the `|>` before it was forgotten, so
/// `from(...) |> range(...)\n    filter(...)` is two statements, not one pipeline.
pub fn missing_pipe(src: &str, file: &File) -> Vec<SyntaxError> {
    let mut out = Vec::new();
    let lines = LineIndex::new(src);
    check_statements(src, &lines, &file.body, &mut out);
    out
}

fn check_statements(src: &str, lines: &LineIndex, stmts: &[Statement], out: &mut Vec<SyntaxError>) {
    for pair in stmts.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        let Some(prev_value) = value_of(prev) else {
            continue;
        };
        if !matches!(prev_value, ExprKind::Pipe { .. } | ExprKind::Call(_)) {
            continue;
        }
        let StatementKind::Expr(e) = &next.kind else {
            continue;
        };
        let ExprKind::Call(call) = &e.kind else {
            continue;
        };
        let ExprKind::Ident(name) = &call.callee.kind else {
            continue;
        };
        let (prev_line, prev_col) = lines.line_col(src, prev.span.start as usize);
        let (prev_end_line, _) = lines.line_col(src, prev.span.end as usize);
        let (next_line, next_col) = lines.line_col(src, next.span.start as usize);
        let same_line = next_line == prev_end_line;
        let continuation = next_line > prev_line && next_col > prev_col;
        if same_line || continuation {
            out.push(SyntaxError::MissingPipe {
                span: sp(Span::new(next.span.start as usize, call.callee.span.end as usize)),
                hint: Some(format!(
                    "to pass the tables on, write `|> {name}(...)`; if this is meant as a separate statement, start it on its own line at the same indentation as the one before"
                )),
            });
        }
    }
    for s in stmts {
        visit_blocks(src, lines, s, out);
    }
}

fn value_of(s: &Statement) -> Option<&ExprKind> {
    match &s.kind {
        StatementKind::Expr(e)
        | StatementKind::Variable { init: e, .. }
        | StatementKind::Option { init: e, .. }
        | StatementKind::Return(e) => Some(&e.kind),
        _ => None,
    }
}

/// Check the blocks inside a statement: testcase bodies and function body blocks that are
/// the direct value of a statement (the common shapes; deeper nesting is not searched).
fn visit_blocks(src: &str, lines: &LineIndex, s: &Statement, out: &mut Vec<SyntaxError>) {
    match &s.kind {
        StatementKind::Testcase { block, .. } => check_block(src, lines, block, out),
        _ => {
            if let Some(ExprKind::Function { body, .. }) = value_of(s) {
                if let FunctionBody::Block(block) = body.as_ref() {
                    check_block(src, lines, block, out);
                }
            }
        }
    }
}

fn check_block(src: &str, lines: &LineIndex, block: &Block, out: &mut Vec<SyntaxError>) {
    check_statements(src, lines, &block.body, out);
}
