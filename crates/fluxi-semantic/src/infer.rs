//! Inference over the syntax tree, producing the typed semantic graph. Hindley–Milner with
//! levels for let-polymorphism, row-polymorphic records and kind constraints; errors are
//! collected (an expression that fails gets the `Error` type, which unifies with anything,
//! so one mistake is reported once).

use crate::check::PackageExports;
use crate::error::{sp, TypeError};
use crate::nodes::{self, Expr, ExprKind, Statement};
use crate::report::Reporter;
use crate::scopes::Scopes;
use crate::subst::{Subst, MAX_TYPE_SIZE};
use crate::types::{BasicType, Function, Kind, MonoType, PolyType, Row, Tvar};
use fluxi_syntax::ast;
use fluxi_syntax::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What a name is bound to.
#[derive(Debug, Clone)]
pub(crate) enum BindingKind {
    Value(PolyType),
    Package(Arc<PackageExports>),
}

/// A name in scope.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub kind: BindingKind,
    /// Where it was defined, when in the file being checked.
    pub span: Option<Span>,
    pub option: bool,
}

impl Binding {
    pub fn value(ty: PolyType, span: Option<Span>, option: bool) -> Self {
        Binding {
            kind: BindingKind::Value(ty),
            span,
            option,
        }
    }

    pub fn package(p: Arc<PackageExports>, span: Span) -> Self {
        Binding {
            kind: BindingKind::Package(p),
            span: Some(span),
            option: false,
        }
    }
}

/// One level of names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub names: HashMap<String, Binding>,
}

pub(crate) struct Infer<'a> {
    pub(crate) subst: &'a mut Subst,
    pub(crate) src: &'a str,
    scopes: Scopes,
    level: u32,
    pub(crate) errors: Vec<TypeError>,
    bindings: Vec<(String, PolyType)>,
    functions: u32,
}

enum Place {
    Top,
    Function,
    Testcase,
}

impl<'a> Infer<'a> {
    pub fn new(subst: &'a mut Subst, src: &'a str, scopes: Vec<Scope>) -> Self {
        Infer {
            subst,
            src,
            scopes: Scopes::new(scopes),
            level: 0,
            errors: Vec::new(),
            bindings: Vec::new(),
            functions: 0,
        }
    }

    pub fn take_bindings(&mut self) -> Vec<(String, PolyType)> {
        std::mem::take(&mut self.bindings)
    }

    pub fn into_errors(self) -> Vec<TypeError> {
        self.errors
    }

    fn fresh(&mut self) -> MonoType {
        self.subst.fresh(self.level)
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.lookup(name)
    }

    fn all_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.scopes.names().cloned().collect();
        names.sort();
        names.dedup();
        names
    }

    fn bind(&mut self, name: &str, binding: Binding, span: Span) {
        if let Some(prev) = self.scopes.in_current(name) {
            if prev.span.is_some() && !(prev.option && binding.option) {
                self.errors.push(TypeError::Redefined {
                    name: name.to_string(),
                    span: sp(span),
                    previous: prev.span.map(sp),
                });
                return;
            }
        }
        self.scopes.insert(name, binding);
    }

    fn reporter(&mut self) -> Reporter<'_, 'a> {
        Reporter { infer: self }
    }

    pub(crate) fn text(&self, span: Span) -> &str {
        self.src.get(span.range()).unwrap_or("")
    }

    // ------------------------------------------------------------------ statements

    pub fn file_statements(&mut self, body: &[ast::Statement]) -> Vec<Statement> {
        self.statements(body, Place::Top)
    }

    fn statements(&mut self, body: &[ast::Statement], place: Place) -> Vec<Statement> {
        let mut out = Vec::new();
        for s in body {
            if let Some(s) = self.statement(s, &place) {
                out.push(s);
            }
        }
        out
    }

    fn statement(&mut self, s: &ast::Statement, place: &Place) -> Option<Statement> {
        let top = matches!(place, Place::Top);
        match &s.kind {
            ast::StatementKind::Variable { id, init } => {
                self.level += 1;
                let e = self.expr(init);
                self.level -= 1;
                let (mut ty, size) = self.subst.generalize_measured(&e.ty, self.level);
                if size > MAX_TYPE_SIZE {
                    // Checking more of it would take time and memory exponential in the
                    // program's size; the binding's uses see an error type instead.
                    self.errors.push(TypeError::TooLarge {
                        name: id.name.clone(),
                        limit: MAX_TYPE_SIZE,
                        span: sp(id.span),
                    });
                    ty = PolyType::mono(MonoType::Error);
                }
                self.bind(
                    &id.name,
                    Binding::value(ty.clone(), Some(id.span), false),
                    id.span,
                );
                if top {
                    self.bindings.push((id.name.clone(), ty.clone()));
                }
                Some(Statement::Variable {
                    name: id.name.clone(),
                    init: e,
                    ty,
                    span: s.span,
                })
            }
            ast::StatementKind::Option { package, id, init } => {
                self.level += 1;
                let e = self.expr(init);
                self.level -= 1;
                let package_path = match package {
                    Some(pkg) => self.qualified_option(pkg, id, &e),
                    None => {
                        self.option(id, &e, top);
                        None
                    }
                };
                Some(Statement::Option {
                    package: package_path,
                    name: id.name.clone(),
                    init: e,
                    span: s.span,
                })
            }
            ast::StatementKind::Expr(e) => Some(Statement::Expr(self.expr(e))),
            ast::StatementKind::Return(e) => {
                if !matches!(place, Place::Function) {
                    self.errors
                        .push(TypeError::MisplacedReturn { span: sp(s.span) });
                }
                Some(Statement::Return(self.expr(e)))
            }
            ast::StatementKind::Builtin { id, ty } => {
                let poly = self.convert_type(ty);
                self.bind(
                    &id.name,
                    Binding::value(poly.clone(), Some(id.span), false),
                    id.span,
                );
                if top {
                    self.bindings.push((id.name.clone(), poly.clone()));
                }
                Some(Statement::Builtin {
                    name: id.name.clone(),
                    ty: poly,
                    span: s.span,
                })
            }
            ast::StatementKind::Testcase { id, extends, block } => {
                self.scopes.push();
                if extends.is_some() {
                    let ret = self.fresh();
                    let f = MonoType::Fun(Arc::new(Function {
                        ret,
                        ..Function::default()
                    }));
                    self.bind(
                        "super",
                        Binding::value(PolyType::mono(f), None, false),
                        id.span,
                    );
                }
                let body = self.statements(&block.body, Place::Testcase);
                self.scopes.pop();
                Some(Statement::Testcase {
                    name: id.name.clone(),
                    extends: extends.as_ref().map(|e| e.value.clone()),
                    body,
                    span: s.span,
                })
            }
            ast::StatementKind::Bad => None,
        }
    }

    /// `option name = e`: an existing option keeps its type; a new one is declared.
    fn option(&mut self, id: &ast::Ident, e: &Expr, top: bool) {
        let existing = match self.lookup(&id.name) {
            Some(Binding {
                kind: BindingKind::Value(ty),
                option: true,
                ..
            }) => Some(ty.clone()),
            _ => None,
        };
        let ty = match existing {
            Some(poly) => {
                let exp = self.subst.instantiate(&poly, self.level);
                if let Err(err) = self.subst.unify(&exp, &e.ty) {
                    let origin = Some((
                        id.span,
                        format!("option `{}` is declared with this type", id.name),
                    ));
                    self.reporter().unify_error(err, e.span, origin);
                }
                poly
            }
            None => self.subst.generalize(&e.ty, self.level),
        };
        if top {
            self.bindings.push((id.name.clone(), ty.clone()));
        }
        self.bind(&id.name, Binding::value(ty, Some(id.span), true), id.span);
    }

    /// `option pkg.name = e`: the package must have the member; the types must agree.
    fn qualified_option(&mut self, pkg: &ast::Ident, id: &ast::Ident, e: &Expr) -> Option<String> {
        let exports = match self.lookup(&pkg.name).map(|b| b.kind.clone()) {
            Some(BindingKind::Package(p)) => p,
            Some(BindingKind::Value(_)) => {
                let message = format!(
                    "`{}` is not an imported package, so `{}.{}` cannot be set as an option",
                    pkg.name, pkg.name, id.name
                );
                self.errors.push(TypeError::UnknownType {
                    message,
                    span: sp(pkg.span),
                    hint: Some(format!("import the package that declares `{}`", id.name)),
                });
                return None;
            }
            None => {
                self.undefined(&pkg.name, pkg.span);
                return None;
            }
        };
        match exports.members.get(&id.name) {
            Some(export) => {
                let exp = self.subst.instantiate(&export.ty, self.level);
                if let Err(err) = self.subst.unify(&exp, &e.ty) {
                    let origin = Some((
                        id.span,
                        format!("`{}.{}` is declared with this type", pkg.name, id.name),
                    ));
                    self.reporter().unify_error(err, e.span, origin);
                }
            }
            None => self.unknown_member(&pkg.name, &exports, &id.name, id.span),
        }
        Some(exports.path.clone())
    }

    fn undefined(&mut self, name: &str, span: Span) {
        let names = self.all_names();
        let hint = crate::suggest::closest(name, names.iter().map(String::as_str))
            .map(|c| format!("did you mean `{c}`?"));
        self.errors.push(TypeError::Undefined {
            name: name.to_string(),
            span: sp(span),
            hint,
        });
    }

    fn unknown_member(&mut self, package: &str, exports: &PackageExports, name: &str, span: Span) {
        let hint = crate::suggest::closest(name, exports.members.keys().map(String::as_str))
            .map(|c| format!("did you mean `{package}.{c}`?"));
        self.errors.push(TypeError::UnknownMember {
            package: package.to_string(),
            name: name.to_string(),
            span: sp(span),
            hint,
        });
    }

    // ------------------------------------------------------------------ expressions

    fn mk(&self, span: Span, ty: MonoType, kind: ExprKind) -> Expr {
        Expr { span, ty, kind }
    }

    fn bad(&self, span: Span) -> Expr {
        self.mk(span, MonoType::Error, ExprKind::Bad)
    }

    fn ident(&mut self, name: &str, span: Span) -> Expr {
        match self.lookup(name).map(|b| b.kind.clone()) {
            Some(BindingKind::Value(poly)) => {
                let ty = self.subst.instantiate(&poly, self.level);
                self.mk(span, ty, ExprKind::Ident(name.to_string()))
            }
            Some(BindingKind::Package(_)) => {
                self.errors.push(TypeError::PackageAsValue {
                    name: name.to_string(),
                    span: sp(span),
                });
                self.bad(span)
            }
            None => {
                self.undefined(name, span);
                self.bad(span)
            }
        }
    }

    pub(crate) fn expr(&mut self, e: &ast::Expr) -> Expr {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Ident(name) => self.ident(name, span),
            ast::ExprKind::Int(v) => self.mk(span, MonoType::INT, ExprKind::Int(*v)),
            ast::ExprKind::Float(v) => self.mk(span, MonoType::FLOAT, ExprKind::Float(*v)),
            ast::ExprKind::String(s) => {
                self.mk(span, MonoType::STRING, ExprKind::String(s.clone()))
            }
            ast::ExprKind::Regex(r) => self.mk(span, MonoType::REGEXP, ExprKind::Regex(r.clone())),
            ast::ExprKind::Duration(d) => {
                self.mk(span, MonoType::DURATION, ExprKind::Duration(d.clone()))
            }
            ast::ExprKind::DateTime(t) => self.mk(span, MonoType::TIME, ExprKind::DateTime(*t)),
            ast::ExprKind::Label(l) => self.mk(span, MonoType::STRING, ExprKind::Label(l.clone())),
            ast::ExprKind::PipeLit => {
                let t = self.fresh();
                self.mk(span, t, ExprKind::PipeLit)
            }
            ast::ExprKind::Interpolated(parts) => {
                let mut out = Vec::new();
                for p in parts {
                    match p {
                        ast::StringPart::Text(t) => out.push(nodes::StringPart::Text(t.clone())),
                        ast::StringPart::Expr(e) => {
                            let pe = self.expr(e);
                            if let Err(err) = self.subst.constrain(&pe.ty, Kind::Stringable) {
                                self.reporter().unify_error(err, pe.span, None);
                            }
                            out.push(nodes::StringPart::Expr(pe));
                        }
                    }
                }
                self.mk(span, MonoType::STRING, ExprKind::Interpolated(out))
            }
            ast::ExprKind::Array(items) => self.array(items, span),
            ast::ExprKind::Dict(items) => self.dict(items, span),
            ast::ExprKind::Record { with, properties } => {
                self.record(with.as_ref(), properties, span)
            }
            ast::ExprKind::Function { params, body } => self.function(params, body, span),
            ast::ExprKind::Call(call) => self.call(call, None, span),
            ast::ExprKind::Pipe { argument, call } => self.call(call, Some(argument), span),
            ast::ExprKind::Member { object, property } => self.member(object, property, span),
            ast::ExprKind::Index { array, index } => {
                let a = self.expr(array);
                let i = self.expr(index);
                if let MonoType::Dynamic = self.subst.resolve(&a.ty) {
                    // Indexing a dynamic value is checked when it runs, and gives a
                    // dynamic value.
                    if let Err(err) = self.subst.unify(&MonoType::INT, &i.ty) {
                        self.reporter().unify_error(err, i.span, None);
                    }
                    return self.mk(
                        span,
                        MonoType::Dynamic,
                        ExprKind::Index {
                            array: Box::new(a),
                            index: Box::new(i),
                        },
                    );
                }
                if let MonoType::Record(_) = self.subst.resolve(&a.ty) {
                    self.errors.push(TypeError::Mismatch {
                        message: "a record is indexed by a property name written as a literal"
                            .into(),
                        span: sp(i.span),
                        label: "not a literal name".into(),
                        origin: None,
                        origin_label: String::new(),
                        hint: Some(
                            "write `r.name` or `r[\"name\"]`; property names cannot be computed"
                                .into(),
                        ),
                    });
                    return self.bad(span);
                }
                if let Err(err) = self.subst.unify(&MonoType::INT, &i.ty) {
                    self.reporter().unify_error(err, i.span, None);
                }
                let elem = self.fresh();
                if let Err(err) = self.subst.unify(&elem.clone().array(), &a.ty) {
                    self.reporter().unify_error(err, a.span, None);
                }
                self.mk(
                    span,
                    elem,
                    ExprKind::Index {
                        array: Box::new(a),
                        index: Box::new(i),
                    },
                )
            }
            ast::ExprKind::Unary { op, operand } => {
                let o = self.expr(operand);
                let ty = match op {
                    ast::UnaryOp::Not => {
                        if let Err(err) = self.subst.unify(&MonoType::BOOL, &o.ty) {
                            self.reporter().unify_error(
                                err,
                                o.span,
                                Some((span, "`not` needs a bool".into())),
                            );
                        }
                        MonoType::BOOL
                    }
                    ast::UnaryOp::Exists => MonoType::BOOL,
                    ast::UnaryOp::Neg | ast::UnaryOp::Pos => {
                        if let Err(err) = self.subst.constrain(&o.ty, Kind::Negatable) {
                            self.reporter().unify_error(err, o.span, None);
                        }
                        o.ty.clone()
                    }
                };
                self.mk(
                    span,
                    ty,
                    ExprKind::Unary {
                        op: *op,
                        operand: Box::new(o),
                    },
                )
            }
            ast::ExprKind::Binary { op, left, right } => self.binary(*op, left, right, span),
            ast::ExprKind::Logical { op, left, right } => {
                let l = self.expr(left);
                let r = self.expr(right);
                for side in [&l, &r] {
                    if let Err(err) = self.subst.unify(&MonoType::BOOL, &side.ty) {
                        let origin = Some((span, format!("`{}` needs bools", op.as_str())));
                        self.reporter().unify_error(err, side.span, origin);
                    }
                }
                self.mk(
                    span,
                    MonoType::BOOL,
                    ExprKind::Logical {
                        op: *op,
                        left: Box::new(l),
                        right: Box::new(r),
                    },
                )
            }
            ast::ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => {
                let t = self.expr(test);
                if let Err(err) = self.subst.unify(&MonoType::BOOL, &t.ty) {
                    self.reporter().unify_error(
                        err,
                        t.span,
                        Some((span, "the condition must be a bool".into())),
                    );
                }
                let c = self.expr(consequent);
                let a = self.expr(alternate);
                if let Err(err) = self.subst.unify(&c.ty, &a.ty) {
                    let origin = Some((c.span, "the `then` branch has this type".to_string()));
                    self.reporter().unify_error(err, a.span, origin);
                }
                let ty = c.ty.clone();
                self.mk(
                    span,
                    ty,
                    ExprKind::Conditional {
                        test: Box::new(t),
                        consequent: Box::new(c),
                        alternate: Box::new(a),
                    },
                )
            }
            ast::ExprKind::Paren(inner) => self.expr(inner),
            ast::ExprKind::Bad => self.bad(span),
        }
    }

    fn array(&mut self, items: &[ast::Expr], span: Span) -> Expr {
        let items: Vec<Expr> = items.iter().map(|i| self.expr(i)).collect();
        let elem = match items.first() {
            Some(first) => first.ty.clone(),
            None => self.fresh(),
        };
        for item in items.iter().skip(1) {
            if let Err(err) = self.subst.unify(&elem, &item.ty) {
                let origin = items.first().map(|f| {
                    (
                        f.span,
                        "the first element sets the array's type".to_string(),
                    )
                });
                self.reporter().unify_error(err, item.span, origin);
            }
        }
        self.mk(span, elem.array(), ExprKind::Array(items))
    }

    fn dict(&mut self, items: &[(ast::Expr, ast::Expr)], span: Span) -> Expr {
        let key = MonoType::Var(
            self.subst
                .fresh_var(self.level, BTreeSet::from([Kind::Comparable])),
        );
        let value = self.fresh();
        let mut out = Vec::new();
        for (k, v) in items {
            let ke = self.expr(k);
            let ve = self.expr(v);
            if let Err(err) = self.subst.unify(&key, &ke.ty) {
                self.reporter().unify_error(err, ke.span, None);
            }
            if let Err(err) = self.subst.unify(&value, &ve.ty) {
                self.reporter().unify_error(err, ve.span, None);
            }
            out.push((ke, ve));
        }
        self.mk(
            span,
            MonoType::Dict(Arc::new(key), Arc::new(value)),
            ExprKind::Dict(out),
        )
    }

    fn property_value(&mut self, p: &ast::Property) -> Expr {
        match &p.value {
            Some(v) => self.expr(v),
            None => self.ident(p.key.name(), p.key.span()),
        }
    }

    fn record(
        &mut self,
        with: Option<&ast::Ident>,
        properties: &[ast::Property],
        span: Span,
    ) -> Expr {
        let mut props = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for p in properties {
            let name = p.key.name().to_string();
            if let Some(first) = seen.get(&name) {
                self.errors.push(TypeError::DuplicateArgument {
                    name: name.clone(),
                    span: sp(p.key.span()),
                    first: sp(*first),
                });
                continue;
            }
            seen.insert(name.clone(), p.key.span());
            let v = self.property_value(p);
            props.push((name, v));
        }
        let (tail, with_expr) = match with {
            Some(w) => {
                let we = self.ident(&w.name, w.span);
                let row = MonoType::Var(
                    self.subst
                        .fresh_var(self.level, BTreeSet::from([Kind::Record])),
                );
                if let Err(err) = self.subst.unify(&row, &we.ty) {
                    self.reporter().unify_error(
                        err,
                        we.span,
                        Some((span, "`with` extends a record".into())),
                    );
                }
                (we.ty.clone(), Some(Box::new(we)))
            }
            None => (MonoType::empty_record(), None),
        };
        let ty = MonoType::record(
            props
                .iter()
                .map(|(n, e)| (n.clone(), e.ty.clone()))
                .collect(),
            tail,
        );
        self.mk(
            span,
            ty,
            ExprKind::Record {
                with: with_expr,
                properties: props,
            },
        )
    }

    fn function(&mut self, params: &[ast::Param], body: &ast::FunctionBody, span: Span) -> Expr {
        self.level += 1;
        self.functions += 1;
        self.scopes.push();
        let mut ft = Function::default();
        let mut out_params = Vec::new();
        let mut has_defaults = false;
        for p in params {
            let t = self.fresh();
            let is_pipe = matches!(
                p.default.as_ref().map(|d| &d.kind),
                Some(ast::ExprKind::PipeLit)
            );
            if is_pipe {
                if ft.pipe.is_some() {
                    self.errors.push(TypeError::PipeArgument {
                        message: "a function can have only one pipe parameter".into(),
                        span: sp(p.span),
                        hint: Some("keep one `name=<-` parameter".into()),
                    });
                }
                ft.pipe = Some((p.name.name.clone(), t.clone()));
            } else if p.default.is_some() {
                has_defaults = true;
                ft.opt.insert(p.name.name.clone(), t.clone());
            } else {
                ft.req.insert(p.name.name.clone(), t.clone());
            }
            self.bind(
                &p.name.name,
                Binding::value(PolyType::mono(t), Some(p.name.span), false),
                p.name.span,
            );
            out_params.push((p, is_pipe));
        }
        let body_stmts = match body {
            ast::FunctionBody::Expr(e) => {
                let be = self.expr(e);
                ft.ret = be.ty.clone();
                vec![Statement::Return(be)]
            }
            ast::FunctionBody::Block(b) => {
                let stmts = self.statements(&b.body, Place::Function);
                ft.ret = self.block_return(&b.body, &stmts, b.span);
                stmts
            }
        };
        self.scopes.pop();
        self.functions -= 1;
        self.level -= 1;
        let fun_ty = MonoType::Fun(Arc::new(ft));
        // Defaults are checked against a fresh instance of the function's type, so they do
        // not narrow the parameter types (as upstream): `(x=1) => x` is `(?x: A) => A`.
        let mut sem_params = Vec::new();
        let mut default_fn = Function::default();
        for (p, is_pipe) in out_params {
            let default = match (&p.default, is_pipe) {
                (Some(d), false) => {
                    let de = self.expr(d);
                    default_fn.opt.insert(p.name.name.clone(), de.ty.clone());
                    Some(de)
                }
                _ => {
                    let t = self.fresh();
                    if is_pipe {
                        default_fn.pipe = Some((p.name.name.clone(), t));
                    } else {
                        default_fn.req.insert(p.name.name.clone(), t);
                    }
                    None
                }
            };
            sem_params.push(nodes::Param {
                name: p.name.name.clone(),
                default,
                pipe: is_pipe,
            });
        }
        if has_defaults {
            let poly = self.subst.generalize(&fun_ty, self.level);
            let instance = self.subst.instantiate(&poly, self.level);
            default_fn.ret = self.fresh();
            if let Err(err) = self
                .subst
                .unify(&instance, &MonoType::Fun(Arc::new(default_fn)))
            {
                self.reporter().unify_error(err, span, None);
            }
        }
        self.mk(
            span,
            fun_ty,
            ExprKind::Function(Arc::new(nodes::Function {
                params: sem_params,
                body: body_stmts,
            })),
        )
    }

    /// The type a block returns: its final `return`.
    fn block_return(
        &mut self,
        ast_body: &[ast::Statement],
        stmts: &[Statement],
        span: Span,
    ) -> MonoType {
        let returns: Vec<usize> = ast_body
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.kind, ast::StatementKind::Return(_)))
            .map(|(i, _)| i)
            .collect();
        if let Some(first) = returns.first() {
            if let Some(after) = ast_body.get(first + 1) {
                self.errors.push(TypeError::Unreachable {
                    span: sp(after.span),
                });
            }
        }
        match stmts.iter().rev().find_map(|s| match s {
            Statement::Return(e) => Some(e.ty.clone()),
            _ => None,
        }) {
            Some(t) => t,
            None => {
                self.errors.push(TypeError::MissingReturn {
                    span: sp(Span::new(
                        span.end.saturating_sub(1) as usize,
                        span.end as usize,
                    )),
                });
                MonoType::Error
            }
        }
    }

    fn member(&mut self, object: &ast::Expr, property: &ast::PropertyKey, span: Span) -> Expr {
        let name = property.name().to_string();
        if let ast::ExprKind::Ident(pkg) = &object.kind {
            if let Some(BindingKind::Package(exports)) = self.lookup(pkg).map(|b| b.kind.clone()) {
                return match exports.members.get(&name) {
                    Some(export) => {
                        let ty = self.subst.instantiate(&export.ty, self.level);
                        self.mk(
                            span,
                            ty,
                            ExprKind::PackageMember {
                                path: exports.path.clone(),
                                name,
                            },
                        )
                    }
                    None => {
                        self.unknown_member(pkg, &exports, &name, property.span());
                        self.bad(span)
                    }
                };
            }
        }
        let o = self.expr(object);
        if let MonoType::Dynamic = self.subst.resolve(&o.ty) {
            // A property of a dynamic value is looked up when it runs, and is dynamic.
            return self.mk(
                span,
                MonoType::Dynamic,
                ExprKind::Member {
                    object: Box::new(o),
                    property: name,
                },
            );
        }
        let t = self.fresh();
        let rest = self.fresh();
        let expected = MonoType::Record(Arc::new(Row::Extend {
            label: name.clone(),
            ty: t.clone(),
            tail: rest,
        }));
        if let Err(err) = self.subst.unify(&expected, &o.ty) {
            let origin = Some((o.span, "this value".to_string()));
            self.reporter().unify_error(err, property.span(), origin);
        }
        self.mk(
            span,
            t,
            ExprKind::Member {
                object: Box::new(o),
                property: name,
            },
        )
    }

    fn binary(
        &mut self,
        op: ast::BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        span: Span,
    ) -> Expr {
        use ast::BinaryOp::*;
        let l = self.expr(left);
        let r = self.expr(right);
        let arithmetic = |op| match op {
            Add => Some(Kind::Addable),
            Sub => Some(Kind::Subtractable),
            Mul | Div | Mod | Pow => Some(Kind::Divisible),
            _ => None,
        };
        let ty = if let Some(kind) = arithmetic(op) {
            if let Err(err) = self.subst.unify(&l.ty, &r.ty) {
                let origin = Some((l.span, "the left operand has this type".to_string()));
                self.reporter().operand_error(err, r.span, origin);
            } else if let Err(err) = self.subst.constrain(&l.ty, kind) {
                self.reporter().kind_error(err, op.as_str(), l.span, span);
            }
            l.ty.clone()
        } else {
            let kinds: &[Kind] = match op {
                Eq | NotEq => &[Kind::Equatable],
                Lt | Gt => &[Kind::Comparable],
                Le | Ge => &[Kind::Equatable, Kind::Comparable],
                _ => &[],
            };
            // One report per operator: the first operand that lacks what it needs.
            'sides: for kind in kinds {
                for side in [&l, &r] {
                    if let Err(err) = self.subst.constrain(&side.ty, *kind) {
                        self.reporter()
                            .kind_error(err, op.as_str(), side.span, span);
                        break 'sides;
                    }
                }
            }
            if matches!(op, RegexMatch | RegexNotMatch) {
                if let Err(err) = self.subst.unify(&MonoType::STRING, &l.ty) {
                    self.reporter().unify_error(
                        err,
                        l.span,
                        Some((span, format!("`{}` matches a string", op.as_str()))),
                    );
                }
                if let Err(err) = self.subst.unify(&MonoType::REGEXP, &r.ty) {
                    self.reporter().unify_error(
                        err,
                        r.span,
                        Some((
                            span,
                            format!("`{}` needs a regular expression", op.as_str()),
                        )),
                    );
                }
            }
            MonoType::BOOL
        };
        self.mk(
            span,
            ty,
            ExprKind::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
            },
        )
    }

    fn call(&mut self, call: &ast::CallExpr, pipe: Option<&ast::Expr>, span: Span) -> Expr {
        let callee = self.expr(&call.callee);
        let mut args: Vec<(String, Expr)> = Vec::new();
        let mut arg_spans: HashMap<String, (Span, Span)> = HashMap::new();
        for p in &call.args {
            let name = p.key.name().to_string();
            if let Some((first, _)) = arg_spans.get(&name) {
                self.errors.push(TypeError::DuplicateArgument {
                    name: name.clone(),
                    span: sp(p.key.span()),
                    first: sp(*first),
                });
                continue;
            }
            let v = self.property_value(p);
            arg_spans.insert(name.clone(), (p.key.span(), v.span));
            args.push((name, v));
        }
        let pipe_expr = pipe.map(|p| self.expr(p));
        let ret = self.fresh();
        let act = Function {
            req: args
                .iter()
                .map(|(n, e)| (n.clone(), e.ty.clone()))
                .collect::<BTreeMap<_, _>>(),
            opt: BTreeMap::new(),
            pipe: pipe_expr.as_ref().map(|p| ("<-".to_string(), p.ty.clone())),
            ret: ret.clone(),
        };
        let callee_ty = self.subst.resolve(&callee.ty);
        match callee_ty {
            MonoType::Fun(_) | MonoType::Var(_) | MonoType::Error => {
                if let Err(err) = self.subst.unify(&callee_ty, &MonoType::Fun(Arc::new(act))) {
                    let site = crate::report::CallSite {
                        callee_span: call.callee.span,
                        callee_name: self.text(call.callee.span).to_string(),
                        callee_ty: callee_ty.clone(),
                        call_span: span,
                        args: arg_spans,
                        pipe_span: pipe_expr.as_ref().map(|p| p.span),
                    };
                    self.reporter().call_error(err, &site);
                }
            }
            other => {
                let printed = crate::types::TypePrinter::new().mono(&self.subst.apply(&other));
                self.errors.push(TypeError::NotAFunction {
                    message: format!(
                        "`{}` has type {printed}, which cannot be called",
                        self.text(call.callee.span)
                    ),
                    span: sp(call.callee.span),
                });
            }
        }
        self.mk(
            span,
            ret,
            ExprKind::Call {
                callee: Box::new(callee),
                args,
                pipe: pipe_expr.map(Box::new),
            },
        )
    }

    // ------------------------------------------------------------------ type expressions

    /// Turn the type of a `builtin` statement into a polytype.
    fn convert_type(&mut self, te: &ast::TypeExpr) -> PolyType {
        let mut vars: BTreeMap<String, Tvar> = BTreeMap::new();
        let mut order: Vec<Tvar> = Vec::new();
        let ty = self.convert_mono(&te.ty, &mut vars, &mut order);
        let mut kinds: BTreeMap<Tvar, BTreeSet<Kind>> = BTreeMap::new();
        for c in &te.constraints {
            let Some(v) = vars.get(&c.tvar.name).copied() else {
                self.errors.push(TypeError::UnknownType {
                    message: format!(
                        "the type variable `{}` is not used in the type",
                        c.tvar.name
                    ),
                    span: sp(c.tvar.span),
                    hint: None,
                });
                continue;
            };
            for k in &c.kinds {
                match Kind::from_name(&k.name) {
                    Some(kind) => {
                        kinds.entry(v).or_default().insert(kind);
                    }
                    None => {
                        let all = [
                            "Addable",
                            "Subtractable",
                            "Divisible",
                            "Numeric",
                            "Comparable",
                            "Equatable",
                            "Nullable",
                            "Negatable",
                            "Record",
                            "Stringable",
                            "Timeable",
                            "Basic",
                            "Label",
                        ];
                        self.errors.push(TypeError::UnknownType {
                            message: format!("unknown kind `{}`", k.name),
                            span: sp(k.span),
                            hint: crate::suggest::closest(&k.name, all)
                                .map(|c| format!("did you mean `{c}`?")),
                        });
                    }
                }
            }
        }
        PolyType {
            vars: order,
            kinds,
            ty,
        }
    }

    fn convert_mono(
        &mut self,
        t: &ast::MonoType,
        vars: &mut BTreeMap<String, Tvar>,
        order: &mut Vec<Tvar>,
    ) -> MonoType {
        match &t.kind {
            ast::MonoTypeKind::Var(id) => {
                let v = match vars.get(&id.name) {
                    Some(v) => *v,
                    None => {
                        let v = self.subst.fresh_var(self.level + 1, BTreeSet::new());
                        vars.insert(id.name.clone(), v);
                        order.push(v);
                        v
                    }
                };
                MonoType::Var(v)
            }
            ast::MonoTypeKind::Basic(id) => match BasicType::from_name(&id.name) {
                Some(b) => MonoType::Basic(b),
                None => {
                    let names = [
                        "int", "uint", "float", "string", "bool", "time", "duration", "bytes",
                        "regexp",
                    ];
                    self.errors.push(TypeError::UnknownType {
                        message: format!("unknown type `{}`", id.name),
                        span: sp(id.span),
                        hint: crate::suggest::closest(&id.name, names)
                            .map(|c| format!("did you mean `{c}`?")),
                    });
                    MonoType::Error
                }
            },
            ast::MonoTypeKind::Dynamic => MonoType::Dynamic,
            ast::MonoTypeKind::Label(_) => MonoType::STRING,
            ast::MonoTypeKind::Array(e) => self.convert_mono(e, vars, order).array(),
            ast::MonoTypeKind::Stream(e) => {
                MonoType::Stream(Arc::new(self.convert_mono(e, vars, order)))
            }
            ast::MonoTypeKind::Vector(e) => {
                MonoType::Vector(Arc::new(self.convert_mono(e, vars, order)))
            }
            ast::MonoTypeKind::Dict { key, value } => MonoType::Dict(
                Arc::new(self.convert_mono(key, vars, order)),
                Arc::new(self.convert_mono(value, vars, order)),
            ),
            ast::MonoTypeKind::Record { tvar, properties } => {
                let tail = match tvar {
                    Some(id) => self.convert_mono(
                        &ast::MonoType::new(ast::MonoTypeKind::Var(id.clone()), id.span),
                        vars,
                        order,
                    ),
                    None => MonoType::empty_record(),
                };
                let mut props: Vec<(String, MonoType)> = properties
                    .iter()
                    .map(|p| {
                        (
                            p.name.name().to_string(),
                            self.convert_mono(&p.ty, vars, order),
                        )
                    })
                    .collect();
                // In type syntax a label written twice means the last one is outermost
                // (`{A with _value: B, _value: string}` reads `_value` as string), as upstream.
                props.reverse();
                MonoType::record(props, tail)
            }
            ast::MonoTypeKind::Function { params, ret } => {
                let mut f = Function::default();
                for p in params {
                    let ty = self.convert_mono(&p.ty, vars, order);
                    let name = p.name.as_ref().map(|n| n.name.clone());
                    match p.kind {
                        ast::ParamKind::Required => {
                            f.req.insert(name.unwrap_or_default(), ty);
                        }
                        ast::ParamKind::Optional => {
                            f.opt.insert(name.unwrap_or_default(), ty);
                        }
                        ast::ParamKind::Pipe => {
                            f.pipe = Some((name.unwrap_or_else(|| "<-".into()), ty))
                        }
                    }
                }
                f.ret = self.convert_mono(ret, vars, order);
                MonoType::Fun(Arc::new(f))
            }
        }
    }
}
