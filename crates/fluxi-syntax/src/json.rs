//! The syntax tree as Flux's JSON AST: the shape InfluxDB's `/api/v2/query/ast` answers
//! and its `extern` and `ast` request fields carry. Every node is an object whose `type`
//! names it (`PipeExpression`, `CallExpression`, ...), with a `location` of 1-based
//! start and end line and column and the node's source text; integer literals carry
//! their value as a decimal string, as upstream does.

use crate::ast::*;
use crate::span::{LineIndex, Span};
use serde_json::{json, Map, Value};

/// The package of one file named `name`, as Flux's JSON AST.
pub fn package_json(file: &File, source: &str, name: &str) -> Value {
    let w = Writer {
        source,
        lines: LineIndex::new(source),
    };
    let package = file
        .package
        .as_ref()
        .map_or_else(|| "main".to_string(), |p| p.name.name.clone());
    json!({
        "type": "Package",
        "package": package,
        "files": [w.file(file, name)],
    })
}

struct Writer<'a> {
    source: &'a str,
    lines: LineIndex,
}

impl Writer<'_> {
    fn location(&self, span: Span) -> Value {
        let (sl, sc) = self.lines.line_col(self.source, span.start as usize);
        let (el, ec) = self.lines.line_col(self.source, span.end as usize);
        json!({
            "start": {"line": sl, "column": sc},
            "end": {"line": el, "column": ec},
            "source": self.text(span),
        })
    }

    /// A node: `type`, `location`, then `fields`.
    fn node(&self, kind: &str, span: Span, fields: Vec<(&str, Value)>) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(kind));
        m.insert("location".into(), self.location(span));
        for (k, v) in fields {
            m.insert(k.into(), v);
        }
        Value::Object(m)
    }

    fn file(&self, f: &File, name: &str) -> Value {
        let package = f.package.as_ref().map_or(Value::Null, |p| {
            self.node("PackageClause", p.span, vec![("name", self.ident(&p.name))])
        });
        let imports: Vec<Value> = f
            .imports
            .iter()
            .map(|i| {
                let mut fields = vec![("path", self.string_lit(&i.path))];
                if let Some(a) = &i.alias {
                    fields.push(("as", self.ident(a)));
                }
                self.node("ImportDeclaration", i.span, fields)
            })
            .collect();
        self.node(
            "File",
            f.span,
            vec![
                ("name", json!(name)),
                ("metadata", json!("parser-type=fluxi")),
                ("package", package),
                (
                    "imports",
                    if imports.is_empty() {
                        Value::Null
                    } else {
                        Value::Array(imports)
                    },
                ),
                ("body", self.statements(&f.body)),
            ],
        )
    }

    fn statements(&self, body: &[Statement]) -> Value {
        Value::Array(body.iter().map(|s| self.statement(s)).collect())
    }

    fn statement(&self, s: &Statement) -> Value {
        match &s.kind {
            StatementKind::Variable { id, init } => self.assignment(s.span, id, init),
            StatementKind::Option { package, id, init } => {
                let assignment = match package {
                    None => self.assignment(s.span, id, init),
                    Some(p) => {
                        let member = self.node(
                            "MemberExpression",
                            Span {
                                start: p.span.start,
                                end: id.span.end,
                            },
                            vec![("object", self.ident(p)), ("property", self.ident(id))],
                        );
                        self.node(
                            "MemberAssignment",
                            s.span,
                            vec![("member", member), ("init", self.expr(init))],
                        )
                    }
                };
                self.node("OptionStatement", s.span, vec![("assignment", assignment)])
            }
            StatementKind::Return(e) => {
                self.node("ReturnStatement", s.span, vec![("argument", self.expr(e))])
            }
            StatementKind::Expr(e) => self.node(
                "ExpressionStatement",
                s.span,
                vec![("expression", self.expr(e))],
            ),
            StatementKind::Builtin { id, ty } => self.node(
                "BuiltinStatement",
                s.span,
                vec![
                    ("id", self.ident(id)),
                    // The type as written; its structure is not spelled out.
                    ("ty", self.node("TypeExpression", ty.span, vec![])),
                ],
            ),
            StatementKind::Testcase { id, extends, block } => {
                let mut fields = vec![("id", self.ident(id)), ("block", self.block(block))];
                if let Some(e) = extends {
                    fields.push(("extends", self.string_lit(e)));
                }
                self.node("TestCaseStatement", s.span, fields)
            }
            StatementKind::Bad => self.node(
                "BadStatement",
                s.span,
                vec![("text", json!(self.text(s.span)))],
            ),
        }
    }

    fn assignment(&self, span: Span, id: &Ident, init: &Expr) -> Value {
        self.node(
            "VariableAssignment",
            span,
            vec![("id", self.ident(id)), ("init", self.expr(init))],
        )
    }

    fn block(&self, b: &Block) -> Value {
        self.node("Block", b.span, vec![("body", self.statements(&b.body))])
    }

    fn text(&self, span: Span) -> &str {
        self.source
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn ident(&self, i: &Ident) -> Value {
        self.node("Identifier", i.span, vec![("name", json!(i.name))])
    }

    fn string_lit(&self, s: &StringLit) -> Value {
        self.node("StringLiteral", s.span, vec![("value", json!(s.value))])
    }

    fn property(&self, p: &Property) -> Value {
        let key = self.key(&p.key);
        let value = p.value.as_ref().map_or(Value::Null, |v| self.expr(v));
        self.node("Property", p.span, vec![("key", key), ("value", value)])
    }

    fn key(&self, k: &PropertyKey) -> Value {
        match k {
            PropertyKey::Ident(i) => self.ident(i),
            PropertyKey::String(s) => self.string_lit(s),
        }
    }

    fn call(&self, c: &CallExpr) -> Value {
        // Upstream keeps the arguments as one record expression in a list.
        let arguments = if c.args.is_empty() {
            Value::Null
        } else {
            let start = c.args.first().map_or(c.span.start, |p| p.span.start);
            let end = c.args.last().map_or(c.span.end, |p| p.span.end);
            json!([self.node(
                "ObjectExpression",
                Span { start, end },
                vec![(
                    "properties",
                    Value::Array(c.args.iter().map(|p| self.property(p)).collect()),
                )],
            )])
        };
        self.node(
            "CallExpression",
            c.span,
            vec![("callee", self.expr(&c.callee)), ("arguments", arguments)],
        )
    }

    fn expr(&self, e: &Expr) -> Value {
        let span = e.span;
        match &e.kind {
            ExprKind::Ident(name) => self.node("Identifier", span, vec![("name", json!(name))]),
            ExprKind::Int(v) => self.node(
                "IntegerLiteral",
                span,
                vec![("value", json!(v.to_string()))],
            ),
            ExprKind::Float(v) => self.node("FloatLiteral", span, vec![("value", json!(v))]),
            ExprKind::String(v) => self.node("StringLiteral", span, vec![("value", json!(v))]),
            ExprKind::Interpolated(parts) => {
                let parts: Vec<Value> = parts
                    .iter()
                    .map(|p| match p {
                        StringPart::Text(t) => json!({"type": "TextPart", "value": t}),
                        StringPart::Expr(x) => {
                            json!({"type": "InterpolatedPart", "expression": self.expr(x)})
                        }
                    })
                    .collect();
                self.node(
                    "StringExpression",
                    span,
                    vec![("parts", Value::Array(parts))],
                )
            }
            ExprKind::Regex(r) => self.node("RegexpLiteral", span, vec![("value", json!(r))]),
            ExprKind::Duration(parts) => {
                let values: Vec<Value> = parts
                    .iter()
                    .map(|p| json!({"magnitude": p.magnitude, "unit": p.unit.as_str()}))
                    .collect();
                self.node(
                    "DurationLiteral",
                    span,
                    vec![("values", Value::Array(values))],
                )
            }
            ExprKind::DateTime(_) => self.node(
                "DateTimeLiteral",
                span,
                vec![("value", json!(self.text(span)))],
            ),
            ExprKind::PipeLit => self.node("PipeLiteral", span, vec![]),
            ExprKind::Label(l) => self.node("LabelLiteral", span, vec![("value", json!(l))]),
            ExprKind::Array(items) => self.node(
                "ArrayExpression",
                span,
                vec![(
                    "elements",
                    Value::Array(items.iter().map(|x| self.expr(x)).collect()),
                )],
            ),
            ExprKind::Dict(items) => {
                let elements: Vec<Value> = items
                    .iter()
                    .map(|(k, v)| json!({"key": self.expr(k), "val": self.expr(v)}))
                    .collect();
                self.node(
                    "DictExpression",
                    span,
                    vec![("elements", Value::Array(elements))],
                )
            }
            ExprKind::Record { with, properties } => {
                let mut fields = vec![(
                    "properties",
                    Value::Array(properties.iter().map(|p| self.property(p)).collect()),
                )];
                if let Some(w) = with {
                    fields.push(("with", self.ident(w)));
                }
                self.node("ObjectExpression", span, fields)
            }
            ExprKind::Function { params, body } => {
                let params: Vec<Value> = params
                    .iter()
                    .map(|p| {
                        let value = p.default.as_ref().map_or(Value::Null, |d| self.expr(d));
                        self.node(
                            "Property",
                            p.span,
                            vec![("key", self.ident(&p.name)), ("value", value)],
                        )
                    })
                    .collect();
                let body = match body.as_ref() {
                    FunctionBody::Expr(x) => self.expr(x),
                    FunctionBody::Block(b) => self.block(b),
                };
                self.node(
                    "FunctionExpression",
                    span,
                    vec![("params", Value::Array(params)), ("body", body)],
                )
            }
            ExprKind::Call(c) => self.call(c),
            ExprKind::Pipe { argument, call } => self.node(
                "PipeExpression",
                span,
                vec![("argument", self.expr(argument)), ("call", self.call(call))],
            ),
            ExprKind::Member { object, property } => self.node(
                "MemberExpression",
                span,
                vec![
                    ("object", self.expr(object)),
                    ("property", self.key(property)),
                ],
            ),
            ExprKind::Index { array, index } => self.node(
                "IndexExpression",
                span,
                vec![("array", self.expr(array)), ("index", self.expr(index))],
            ),
            ExprKind::Unary { op, operand } => self.node(
                "UnaryExpression",
                span,
                vec![
                    ("operator", json!(op.as_str())),
                    ("argument", self.expr(operand)),
                ],
            ),
            ExprKind::Binary { op, left, right } => self.node(
                "BinaryExpression",
                span,
                vec![
                    ("operator", json!(op.as_str())),
                    ("left", self.expr(left)),
                    ("right", self.expr(right)),
                ],
            ),
            ExprKind::Logical { op, left, right } => self.node(
                "LogicalExpression",
                span,
                vec![
                    ("operator", json!(op.as_str())),
                    ("left", self.expr(left)),
                    ("right", self.expr(right)),
                ],
            ),
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => self.node(
                "ConditionalExpression",
                span,
                vec![
                    ("test", self.expr(test)),
                    ("consequent", self.expr(consequent)),
                    ("alternate", self.expr(alternate)),
                ],
            ),
            ExprKind::Paren(x) => {
                self.node("ParenExpression", span, vec![("expression", self.expr(x))])
            }
            ExprKind::Bad => self.node(
                "BadExpression",
                span,
                vec![("text", json!(self.text(span)))],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ast(source: &str) -> Value {
        let parsed = crate::parse(source);
        let errors: Vec<_> = parsed.errors().collect();
        assert!(errors.is_empty(), "{errors:?}");
        package_json(&parsed.file, source, "query.flux")
    }

    #[test]
    fn a_pipeline_has_upstreams_node_names_and_locations() {
        let j = ast("from(bucket: \"b\")\n  |> range(start: -1h)\n");
        assert_eq!(j["type"], "Package");
        assert_eq!(j["package"], "main");
        let stmt = &j["files"][0]["body"][0];
        assert_eq!(stmt["type"], "ExpressionStatement");
        let pipe = &stmt["expression"];
        assert_eq!(pipe["type"], "PipeExpression");
        assert_eq!(pipe["argument"]["type"], "CallExpression");
        assert_eq!(pipe["argument"]["callee"]["name"], "from");
        let bucket = &pipe["argument"]["arguments"][0]["properties"][0];
        assert_eq!(bucket["key"]["name"], "bucket");
        assert_eq!(bucket["value"]["type"], "StringLiteral");
        assert_eq!(bucket["value"]["value"], "b");
        let start = &pipe["call"]["arguments"][0]["properties"][0]["value"];
        assert_eq!(start["type"], "UnaryExpression");
        assert_eq!(start["operator"], "-");
        assert_eq!(start["argument"]["type"], "DurationLiteral");
        assert_eq!(start["argument"]["values"][0]["magnitude"], 1);
        assert_eq!(start["argument"]["values"][0]["unit"], "h");
        assert_eq!(
            pipe["call"]["location"]["start"],
            json!({"line": 2, "column": 6})
        );
        assert_eq!(pipe["call"]["location"]["source"], "range(start: -1h)");
    }

    #[test]
    fn literals_options_and_functions() {
        let j = ast(
            "import \"strings\"\noption now = () => 2024-01-01T00:00:00Z\nx = {a: 1, b: 2.5, c: /r/, d: \"s ${x}\"}\nf = (r, n=3) => r.a + n\n",
        );
        let file = &j["files"][0];
        assert_eq!(file["imports"][0]["path"]["value"], "strings");
        let option = &file["body"][0];
        assert_eq!(option["type"], "OptionStatement");
        let now = &option["assignment"];
        assert_eq!(now["id"]["name"], "now");
        assert_eq!(now["init"]["type"], "FunctionExpression");
        assert_eq!(now["init"]["body"]["type"], "DateTimeLiteral");
        assert_eq!(now["init"]["body"]["value"], "2024-01-01T00:00:00Z");
        let record = &file["body"][1]["init"]["properties"];
        assert_eq!(
            record[0]["value"],
            json!({"type": "IntegerLiteral", "location": record[0]["value"]["location"], "value": "1"})
        );
        assert_eq!(record[1]["value"]["value"], 2.5);
        assert_eq!(record[2]["value"]["type"], "RegexpLiteral");
        assert_eq!(record[3]["value"]["type"], "StringExpression");
        assert_eq!(record[3]["value"]["parts"][1]["type"], "InterpolatedPart");
        let f = &file["body"][2]["init"];
        assert_eq!(f["params"][1]["key"]["name"], "n");
        assert_eq!(f["params"][1]["value"]["value"], "3");
        assert_eq!(f["body"]["type"], "BinaryExpression");
        assert_eq!(f["body"]["left"]["type"], "MemberExpression");
    }
}
