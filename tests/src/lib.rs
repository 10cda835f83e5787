//! Support for the golden conformance suite (`tests/golden.rs`): rendering diagnostics the
//! same way everywhere so expected files are stable.

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};

/// Render diagnostics as plain text (no colour, fixed width) for expected files.
pub fn render_diagnostics<D>(name: &str, src: &str, diagnostics: &[D]) -> String
where
    D: miette::Diagnostic + Clone + Send + Sync + 'static,
{
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut out = String::new();
    for d in diagnostics {
        let report = miette::Report::new(d.clone())
            .with_source_code(NamedSource::new(name, src.to_string()));
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&format!("{name}: {d}\n"));
        }
    }
    out
}
