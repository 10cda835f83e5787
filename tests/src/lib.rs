//! Support for the golden conformance suite (`tests/golden.rs`): rendering diagnostics the
//! same way everywhere so expected files are stable.

use miette::{GraphicalReportHandler, GraphicalTheme};

/// Render diagnostics as plain text (no colour, fixed width) for expected files.
pub fn render_diagnostics(diagnostics: &fluxi::Diagnostics) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut out = String::new();
    for report in diagnostics.reports() {
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&format!("{report}\n"));
        }
    }
    out
}
