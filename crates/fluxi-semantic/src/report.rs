//! Turning unification failures into plain-words diagnostics with hints.

use crate::error::{sp, TypeError};
use crate::infer::Infer;
use crate::subst::{Context, Mismatch, UnifyError};
use crate::types::{BasicType, Kind, MonoType, TypePrinter};
use fluxi_syntax::Span;
use std::collections::HashMap;

pub(crate) struct Reporter<'r, 'a> {
    pub infer: &'r mut Infer<'a>,
}

/// Where a call is written, for call errors.
pub(crate) struct CallSite {
    pub callee_span: Span,
    pub callee_name: String,
    pub callee_ty: MonoType,
    pub call_span: Span,
    /// Argument name → (name span, value span).
    pub args: HashMap<String, (Span, Span)>,
    pub pipe_span: Option<Span>,
}

fn context_words(ctx: &[Context]) -> String {
    let parts: Vec<String> = ctx
        .iter()
        .map(|c| match c {
            Context::Argument(n) => format!("argument `{n}`"),
            Context::Property(l) => format!("property `{l}`"),
            Context::Return => "return value".to_string(),
            Context::Element => "elements".to_string(),
            Context::Key => "keys".to_string(),
            Context::Value => "values".to_string(),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("in {}: ", parts.join(", "))
    }
}

/// "cannot be added with `+`" and the like: what values of a type lacking `kind` cannot do.
fn cannot(kind: Kind) -> &'static str {
    match kind {
        Kind::Addable => "cannot be added with `+`",
        Kind::Subtractable => "cannot be subtracted with `-`",
        Kind::Divisible => "cannot be multiplied or divided",
        Kind::Numeric => "are not numbers",
        Kind::Comparable => "cannot be ordered with `<`, `>`, `<=` or `>=`",
        Kind::Equatable => "cannot be compared with `==` or `!=`",
        Kind::Nullable => "cannot be null",
        Kind::Negatable => "cannot be negated",
        Kind::Record => "are not records",
        Kind::Stringable => "cannot be turned into strings",
        Kind::Timeable => "are neither times nor durations",
        Kind::Basic => "are not basic values",
        Kind::Label => "are not column names",
    }
}

fn conversion_hint(exp: &MonoType, act: &MonoType, text: &str) -> Option<String> {
    use BasicType::*;
    let (MonoType::Basic(e), MonoType::Basic(a)) = (exp, act) else {
        return None;
    };
    let shown = if text.is_empty() || text.len() > 40 || text.contains('\n') {
        "...".to_string()
    } else {
        text.to_string()
    };
    match (e, a) {
        (Time, Duration) | (Duration, Time) => {
            Some("times and durations do not mix in arithmetic; shift a time with `date.add(d: 1h, to: t)` or `date.sub`".to_string())
        }
        (Float, Int) if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) => {
            Some(format!("write a float literal, `{text}.0`, or convert: `float(v: {text})`"))
        }
        (Int | Uint | Float, Int | Uint | Float | Bool) | (String, Int | Uint | Float | Bool | Time | Duration) => Some(format!(
            "Flux never converts between types implicitly; convert it: `{}(v: {shown})`",
            e.name()
        )),
        _ => None,
    }
}

impl Reporter<'_, '_> {
    fn push(&mut self, e: TypeError) {
        self.infer.errors.push(e);
    }

    /// Report a failed unification of an expected type with the type of the expression at
    /// `span`; `origin` says where the expectation came from.
    pub fn unify_error(&mut self, err: UnifyError, span: Span, origin: Option<(Span, String)>) {
        let text = self.infer.text(span).to_string();
        let path = context_words(&err.context);
        let err_context = err.context.clone();
        let mut printer = TypePrinter::new();
        let (origin, origin_label) = match origin {
            Some((s, l)) => (Some(sp(s)), l),
            None => (None, String::new()),
        };
        let e = match err.mismatch {
            Mismatch::Types { exp, act } => {
                let exp = self.infer.subst.apply(&exp);
                let act = self.infer.subst.apply(&act);
                let es = printer.mono(&exp);
                let as_ = printer.mono(&act);
                let direct = err_context.is_empty();
                let hint = direct.then(|| conversion_hint(&exp, &act, &text)).flatten().or_else(|| {
                    matches!((&exp, &act), (MonoType::Stream(_), MonoType::Record(_)) | (MonoType::Record(_), MonoType::Stream(_)))
                        .then(|| "a stream of tables and a single record are different things; use `|>` to pass tables on, or `findRecord`/`getRecord` to take one row".to_string())
                });
                TypeError::Mismatch {
                    message: format!("{path}expected {es} but found {as_}"),
                    span: sp(span),
                    label: format!("this is {as_}"),
                    origin,
                    origin_label,
                    hint,
                }
            }
            Mismatch::MissingLabel { label, has } => {
                let listed = if has.is_empty() {
                    "it has no properties".to_string()
                } else {
                    format!("it has {}", has.join(", "))
                };
                let hint = crate::suggest::closest(&label, has.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"));
                TypeError::MissingProperty {
                    message: format!("{path}record has no property \"{label}\"; {listed}"),
                    span: sp(span),
                    label: format!("`{label}` is used here"),
                    origin,
                    origin_label,
                    hint,
                }
            }
            Mismatch::ExtraLabel { label } => TypeError::ExtraProperty {
                message: format!("{path}unexpected property \"{label}\": the expected record has no such property"),
                span: sp(span),
                label: "this record".to_string(),
                hint: None,
            },
            Mismatch::Kind { ty, kind } => {
                let ty = self.infer.subst.apply(&ty);
                let ts = printer.mono(&ty);
                TypeError::Kind {
                    message: format!("{path}{ts} values {}", cannot(kind)),
                    span: sp(span),
                    label: format!("this is {ts}"),
                    origin,
                    origin_label,
                    hint: kind_hint(kind, &ty),
                }
            }
            Mismatch::Occurs { var, ty } => {
                let v = printer.mono(&MonoType::Var(var));
                let t = printer.mono(&self.infer.subst.apply(&ty));
                TypeError::Infinite {
                    message: format!("{path}the type {v} would have to contain itself ({v} = {t})"),
                    span: sp(span),
                }
            }
            Mismatch::MissingArgument { name } => TypeError::MissingArgument {
                message: format!("{path}the function must take a parameter `{name}`: it will be called with it"),
                span: sp(span),
                hint: Some(format!("add a parameter named `{name}`; parameter names are part of a function's type")),
            },
            Mismatch::ExtraArgument { name, expected } => {
                let hint = match expected.as_slice() {
                    [] => "remove the parameter or give it a default value".to_string(),
                    [one] => format!("rename it to `{one}`: parameter names are part of a function's type"),
                    many => format!("it is called with {}; parameter names are part of a function's type", many.join(", ")),
                };
                TypeError::UnknownArgument {
                    message: format!("{path}the function's parameter `{name}` will never be given"),
                    span: sp(span),
                    label: "this function".to_string(),
                    hint: Some(hint),
                }
            }
            Mismatch::MissingPipe { .. } => TypeError::PipeArgument {
                message: format!("{path}the function must take piped input"),
                span: sp(span),
                hint: Some("add a parameter `tables=<-`".to_string()),
            },
        };
        self.push(e);
    }

    /// An arithmetic operand of the wrong type.
    pub fn operand_error(&mut self, err: UnifyError, span: Span, origin: Option<(Span, String)>) {
        self.unify_error(err, span, origin);
    }

    /// An operand lacking what the operator needs.
    pub fn kind_error(&mut self, err: UnifyError, op: &str, operand: Span, whole: Span) {
        self.unify_error(err, operand, Some((whole, format!("`{op}` needs this"))));
    }

    /// A call that does not fit the callee's type.
    pub fn call_error(&mut self, mut err: UnifyError, site: &CallSite) {
        let name = &site.callee_name;
        let callee_ty = self.infer.subst.apply(&site.callee_ty);
        let signature = TypePrinter::new().mono(&callee_ty);
        if err.context.is_empty() {
            let pipe_name = match &callee_ty {
                MonoType::Fun(f) => f.pipe.as_ref().map(|(n, _)| n.clone()),
                _ => None,
            };
            let e = match err.mismatch {
                Mismatch::MissingArgument { name: arg }
                    if pipe_name.as_deref() == Some(arg.as_str()) =>
                {
                    TypeError::PipeArgument {
                        message: format!("`{name}` needs piped input (its parameter `{arg}`)"),
                        span: sp(site.call_span),
                        hint: Some(format!(
                            "pipe a value into it, `x |> {name}()`, or pass it as `{arg}: x`"
                        )),
                    }
                }
                Mismatch::MissingArgument { name: arg } => TypeError::MissingArgument {
                    message: format!("missing argument `{arg}` in the call to `{name}`"),
                    span: sp(site.call_span),
                    hint: Some(format!("`{name}` has type {signature}")),
                },
                Mismatch::ExtraArgument {
                    name: arg,
                    expected,
                } => {
                    let span = site.args.get(&arg).map_or(site.call_span, |(k, _)| *k);
                    let closest =
                        crate::suggest::closest(&arg, expected.iter().map(String::as_str));
                    let params = params_of(&callee_ty);
                    let hint = match closest {
                        Some(c) => format!("did you mean `{c}`? `{name}` takes {params}"),
                        None => format!("`{name}` takes {params}"),
                    };
                    TypeError::UnknownArgument {
                        message: format!("`{name}` has no parameter `{arg}`"),
                        span: sp(span),
                        label: "unknown argument".to_string(),
                        hint: Some(hint),
                    }
                }
                Mismatch::MissingPipe { .. } => match site.pipe_span {
                    Some(p) => TypeError::PipeArgument {
                        message: format!("`{name}` does not take piped input"),
                        span: sp(p),
                        hint: Some(format!(
                            "call it without `|>`; `{name}` has type {signature}"
                        )),
                    },
                    None => TypeError::PipeArgument {
                        message: format!("`{name}` needs piped input"),
                        span: sp(site.call_span),
                        hint: Some(format!("pipe a value into it: `x |> {name}(...)`")),
                    },
                },
                other => {
                    err.mismatch = other;
                    return self.unify_error(err, site.call_span, None);
                }
            };
            self.push(e);
            return;
        }
        // A problem inside one argument: point at the argument, and at the callee as the
        // source of the expectation.
        if let Some(Context::Argument(arg)) = err.context.first().cloned() {
            let value_span = site
                .args
                .get(&arg)
                .map(|(_, v)| *v)
                .or(site.pipe_span.filter(|_| !site.args.contains_key(&arg)));
            if let Some(v) = value_span {
                let origin = Some((
                    site.callee_span,
                    format!("`{name}` expects this for `{arg}`"),
                ));
                return self.unify_error(err, v, origin);
            }
        }
        self.unify_error(
            err,
            site.call_span,
            Some((site.callee_span, format!("`{name}` has type {signature}"))),
        );
    }
}

fn params_of(t: &MonoType) -> String {
    match t {
        MonoType::Fun(f) => {
            let mut names: Vec<String> = f.req.keys().cloned().collect();
            names.extend(f.opt.keys().map(|k| format!("?{k}")));
            if names.is_empty() {
                "no named arguments".to_string()
            } else {
                names.join(", ")
            }
        }
        _ => "arguments".to_string(),
    }
}

fn kind_hint(kind: Kind, ty: &MonoType) -> Option<String> {
    match (kind, ty) {
        (Kind::Addable | Kind::Subtractable | Kind::Divisible, MonoType::Basic(BasicType::Time)) => {
            Some("to shift a time use `date.add(d: 1h, to: t)`; to measure between times use `date.sub` or `uint(v: t)`".to_string())
        }
        (Kind::Addable | Kind::Subtractable, MonoType::Basic(BasicType::Duration)) => {
            Some("durations cannot be added to each other; add them to a time with `date.add`".to_string())
        }
        (Kind::Stringable, MonoType::Record(_)) => Some("interpolate one of its properties instead, e.g. `${r.name}`".to_string()),
        (_, MonoType::Basic(BasicType::Bool)) if matches!(kind, Kind::Addable | Kind::Numeric) => {
            Some("convert it first, e.g. `int(v: b)`".to_string())
        }
        _ => None,
    }
}
