//! The Flux front end's first layer: source text to syntax tree, with diagnostics.
//!
//! ```
//! let parsed = fluxi_syntax::parse("x = 1 + 2 * 3");
//! assert!(!parsed.has_errors());
//! let ast = fluxi_syntax::print_file(&parsed.file, Default::default());
//! assert_eq!(ast.trim(), "(var x (+ 1 (* 2 3)))");
//! ```
//!
//! The pipeline: [`lexer`] (logos plus the context Flux's syntax needs) → the lalrpop
//! grammar in `grammar/flux.lalrpop` → [`ast`] with byte spans on every node. Parsing never
//! fails outright: it recovers at statements and arguments and reports every problem it
//! finds as a [`SyntaxError`], a miette diagnostic with a stable code.

pub mod ast;
pub mod error;
pub mod format;
pub mod json;
pub mod lexer;
mod lint;
pub mod literals;
mod parser;
pub mod printer;
pub mod span;
pub mod token;
pub mod visit;

pub use error::SyntaxError;
pub use format::format;
pub use parser::{parse, parse_expression, Parsed};
pub use printer::{print_expr, print_file, print_type, PrintOptions};
pub use span::Span;
