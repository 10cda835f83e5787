//! The REPL (`fluxi` with no command): a [`fluxi::Session`] behind rustyline, with
//! multi-line entries, history, completion, `:` commands and Ctrl-C that cancels the
//! running query.

pub mod complete;

use crate::out::{out, outln};
use crate::run::Format;
use fluxi::{needs_more_input, Session};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};
use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::Ordering;

const HELP: &str = "\
Enter Flux; an entry continues over several lines while a bracket or string is open or a
line ends in `|>` or an operator (an empty line ends it anyway). An entry starting with `|>`
continues the previous one (both run again as one). Imports, options and variables carry
over to later entries. Streams print as tables; other values plainly.

  :help              this text
  :quit              leave (also Ctrl-D)
  :load FILE         run a file as one entry (also @FILE)
  :type EXPR         the type of an expression
  :format FORMAT     how results print: table, csv or json
  :now [TIME]        fix now() to an RFC 3339 time (no TIME: show it)
  :explain EXPR      the plan of a query and what is pushed into storage

Tab completes names, package members after `pkg.`, parameter names in a call, buckets in
`bucket: \"`, and columns after `r.`. Ctrl-C cancels a running query or the entry being
typed; history is kept in $FLUXI_HISTORY (default ~/.local/state/fluxi/history).
";

/// What the REPL was started with.
pub struct ReplOptions {
    /// `--data`.
    pub data: Option<PathBuf>,
    /// `--storage`.
    pub storage: Option<String>,
    /// `--now`.
    pub now: Option<i64>,
    /// `--format`.
    pub format: Format,
    /// `--memory-limit` (or its default).
    pub memory_limit: Option<usize>,
    /// `--allow-file-read`.
    pub allow_file_read: Vec<PathBuf>,
    /// `--allow-egress`, `--secrets-from-env`.
    pub outside: crate::run::Outside,
}

/// Run the REPL until `:quit` or end of input.
pub fn repl(o: ReplOptions) -> ExitCode {
    let engine = match crate::run::engine(
        o.data,
        o.storage.as_deref(),
        None,
        o.memory_limit,
        &o.allow_file_read,
        &o.outside,
    ) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(crate::EXIT_ERROR);
        }
    };
    let mut session = engine.session();
    if let Some(t) = o.now {
        session.set_now(t);
    }
    // Ctrl-C while a query runs (the terminal is not in raw mode then) cancels it; at the
    // prompt rustyline reads it as a key instead.
    // Reading from a pipe, Ctrl-C keeps its usual meaning (stop the process).
    if std::io::stdin().is_terminal() {
        let cancel = session.cancel_flag();
        if let Err(e) = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed)) {
            eprintln!("warning: Ctrl-C will not cancel queries: {e}");
        }
    }
    let session = Rc::new(RefCell::new(session));
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(10_000)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<FluxHelper, rustyline::history::DefaultHistory> =
        match Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot start the line editor: {e}");
                return ExitCode::from(crate::EXIT_ERROR);
            }
        };
    editor.set_helper(Some(FluxHelper {
        session: Rc::clone(&session),
    }));
    let history = history_file();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let mut repl = Repl {
        session,
        format: o.format,
        color: std::io::stderr().is_terminal(),
        last: None,
    };
    outln!(
        "fluxi {} — Flux REPL. :help for help, :quit or Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match editor.readline("> ") {
            Ok(entry) => {
                if entry.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(entry.trim_end());
                if let Some(h) = &history {
                    let _ = editor.save_history(h);
                }
                if !repl.entry(entry.trim()) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                outln!("(Ctrl-C: entry discarded; :quit or Ctrl-D leaves)");
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: reading input: {e}");
                return ExitCode::from(crate::EXIT_ERROR);
            }
        }
    }
    ExitCode::SUCCESS
}

/// `$FLUXI_HISTORY`, else `$XDG_STATE_HOME/fluxi/history`, else
/// `~/.local/state/fluxi/history` (its directory created).
fn history_file() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let path = if let Some(p) = env("FLUXI_HISTORY") {
        PathBuf::from(p)
    } else if let Some(d) = env("XDG_STATE_HOME") {
        PathBuf::from(d).join("fluxi/history")
    } else {
        PathBuf::from(env("HOME")?).join(".local/state/fluxi/history")
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    Some(path)
}

struct Repl {
    session: Rc<RefCell<Session>>,
    format: Format,
    color: bool,
    /// The last Flux entry (what a line starting with `|>` continues).
    last: Option<String>,
}

impl Repl {
    /// Handle one entry; false to leave.
    fn entry(&mut self, entry: &str) -> bool {
        if let Some(file) = entry.strip_prefix('@') {
            self.load(file.trim());
            return true;
        }
        let Some(command) = entry.strip_prefix(':') else {
            // Flux is often written with `|>` starting each line: such a line continues
            // the previous entry, and the two run again as one.
            let entry = match (&self.last, entry.starts_with("|>")) {
                (Some(last), true) => format!("{last}\n{entry}"),
                _ => entry.to_string(),
            };
            self.eval("input", &entry);
            self.last = Some(entry);
            return true;
        };
        let (name, arg) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(n, a)| (n, a.trim()));
        match name {
            "q" | "quit" | "exit" => return false,
            "h" | "help" | "?" => out!("{HELP}"),
            "load" | "l" => self.load(arg),
            "type" | "t" => {
                let result = self.session.borrow_mut().type_of(arg);
                match result {
                    Ok(t) => outln!("{t}"),
                    Err(e) => eprint!("{}", e.render(self.color)),
                }
            }
            "format" => match arg {
                "table" => self.format = Format::Table,
                "csv" => self.format = Format::Csv,
                "json" => self.format = Format::Json,
                "" => outln!("{}", format_name(self.format)),
                other => eprintln!("error: unknown format {other:?}: use table, csv or json"),
            },
            "now" => {
                if arg.is_empty() {
                    let shown = self.session.borrow_mut().eval("now()");
                    match shown.map(|o| o.value) {
                        Ok(Some(v)) => outln!("{v}"),
                        Ok(None) => {}
                        Err(e) => eprint!("{}", e.render(self.color)),
                    }
                } else {
                    match fluxi::parse_time(arg) {
                        Ok(t) => self.session.borrow_mut().set_now(t),
                        Err(e) => eprintln!("error: {e}"),
                    }
                }
            }
            "explain" => {
                let plans = self.session.borrow_mut().explain(arg);
                match plans {
                    Ok(p) => out!("{p}"),
                    Err(e) => eprint!("{}", e.render(self.color)),
                }
            }
            other => eprintln!(
                "error: unknown command :{other}; the commands are :help :quit :load :type \
                 :format :now :explain"
            ),
        }
        true
    }

    fn load(&mut self, file: &str) {
        if file.is_empty() {
            eprintln!("error: :load needs a file name");
            return;
        }
        match crate::check::read_source(std::path::Path::new(file)) {
            Ok(src) => self.eval(file, &src),
            Err(e) => eprintln!("error: {e}"),
        }
    }

    fn eval(&mut self, name: &str, src: &str) {
        let outcome = self.session.borrow_mut().eval_named(name, src);
        match outcome {
            Ok(o) => {
                if let Some(w) = &o.warnings {
                    eprint!("{}", w.render(self.color));
                }
                if !o.results.is_empty() {
                    let text = match self.format {
                        Format::Table => o.results.to_text(),
                        Format::Csv => o.results.to_csv(),
                        Format::Json => o.results.to_json_lines(),
                    };
                    out!("{text}");
                }
                if let Some(v) = o.value {
                    outln!("{}", show(&v));
                }
            }
            Err(e) if e.is_cancelled() => eprintln!("cancelled"),
            Err(e) => eprint!("{}", e.render(self.color)),
        }
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Table => "table",
        Format::Csv => "csv",
        Format::Json => "json",
    }
}

/// A value as the REPL prints it: strings as Flux string literals, everything else as
/// Flux shows it.
fn show(v: &fluxi::Value) -> String {
    let fluxi::Value::String(s) = v else {
        return v.to_string();
    };
    fluxi::string_literal(s)
}

/// Completion, and when an entry is complete.
struct FluxHelper {
    session: Rc<RefCell<Session>>,
}

struct SessionSource<'a> {
    session: &'a mut Session,
}

impl complete::Source for SessionSource<'_> {
    fn names(&mut self) -> Vec<String> {
        self.session.names()
    }
    fn members(&mut self, alias: &str) -> Option<Vec<String>> {
        self.session.members(alias)
    }
    fn parameters(&mut self, callee: &str) -> Option<Vec<String>> {
        self.session.parameters(callee)
    }
    fn packages(&mut self) -> Vec<String> {
        self.session.package_paths()
    }
    fn buckets(&mut self) -> Vec<String> {
        let Some(store) = self.session.storage() else {
            return Vec::new();
        };
        store
            .buckets()
            .map(|b| b.into_iter().map(|b| b.name).collect())
            .unwrap_or_default()
    }
    fn columns(&mut self, bucket: Option<&str>) -> Vec<String> {
        let mut out: Vec<String> = [
            "_measurement",
            "_field",
            "_value",
            "_time",
            "_start",
            "_stop",
        ]
        .map(String::from)
        .to_vec();
        if let Some(store) = self.session.storage() {
            let buckets = match bucket {
                Some(b) => vec![b.to_string()],
                None => self.buckets(),
            };
            for b in buckets {
                out.extend(store.tag_keys(&b, None).unwrap_or_default());
            }
        }
        out
    }
    fn values(&mut self, bucket: Option<&str>, column: &str) -> Vec<String> {
        let Some(store) = self.session.storage() else {
            return Vec::new();
        };
        let buckets = match bucket {
            Some(b) => vec![b.to_string()],
            None => self.buckets(),
        };
        let mut out = Vec::new();
        for b in buckets {
            out.extend(
                match column {
                    "_measurement" => store.measurements(&b),
                    "_field" => store.field_keys(&b, None),
                    tag => store.tag_values(&b, tag, None),
                }
                .unwrap_or_default(),
            );
        }
        out
    }
}

impl Completer for FluxHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let Ok(mut session) = self.session.try_borrow_mut() else {
            return Ok((pos, Vec::new()));
        };
        let mut source = SessionSource {
            session: &mut session,
        };
        let (start, found) = complete::complete(line, pos, &mut source);
        Ok((
            start,
            found
                .into_iter()
                .map(|c| Pair {
                    display: c.display,
                    replacement: c.replacement,
                })
                .collect(),
        ))
    }
}

impl Hinter for FluxHelper {
    type Hint = String;
}

impl Highlighter for FluxHelper {}

impl Validator for FluxHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        // Commands are one line; an empty line ends an entry even if it is unfinished
        // (its error is then shown).
        if input.trim_start().starts_with([':', '@']) || input.ends_with('\n') {
            return Ok(ValidationResult::Valid(None));
        }
        Ok(if needs_more_input(input) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Helper for FluxHelper {}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_print_as_flux_literals() {
        let v = fluxi::Value::string("a \"b\" \\ ${x}\n");
        assert_eq!(super::show(&v), r#""a \"b\" \\ \${x}\n""#);
        assert_eq!(super::show(&fluxi::Value::Int(3)), "3");
    }
}
