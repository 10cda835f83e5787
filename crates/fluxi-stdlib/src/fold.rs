//! Running a compiled `reduce` function row after row.
//!
//! A fold cannot run over whole columns (each row needs the accumulator the row before
//! made), but it need not go through the interpreter either: the compiled expressions are
//! evaluated on the row's values and the accumulator's with the interpreter's own operator
//! functions ([`fluxi_eval::ops`]), without building a record or an environment per row.
//! Any error declines (`None`) and the caller runs the interpreter on the table, which
//! reports it with its span: the fold is an optimisation, never a second semantics.

use crate::vectorize::Fold;
use fluxi_eval::ops;
use fluxi_exec::vector::{VExpr, VOp};
use fluxi_semantic::nodes::{BinaryOp, LogicalOp, UnaryOp};
use fluxi_value::{Record, Table, Value};
use std::sync::Arc;

/// A compiled expression resolved against one table and the accumulator's fields.
enum Node {
    /// A column of the row (`None`: the table lacks it, and it reads as null).
    Row(Option<usize>),
    /// A field of the accumulator, by its slot.
    Accumulator(usize),
    Const(Value),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Logical(LogicalOp, Box<Node>, Box<Node>),
    Unary(UnaryOp, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
}

/// The binary operator of the interpreter a compiled one stands for.
fn binary_op(op: VOp) -> BinaryOp {
    match op {
        VOp::Add => BinaryOp::Add,
        VOp::Sub => BinaryOp::Sub,
        VOp::Mul => BinaryOp::Mul,
        VOp::Div => BinaryOp::Div,
        VOp::Mod => BinaryOp::Mod,
        VOp::Eq => BinaryOp::Eq,
        VOp::NotEq => BinaryOp::NotEq,
        VOp::Lt => BinaryOp::Lt,
        VOp::Le => BinaryOp::Le,
        VOp::Gt => BinaryOp::Gt,
        VOp::Ge => BinaryOp::Ge,
        VOp::RegexMatch => BinaryOp::RegexMatch,
        VOp::RegexNotMatch => BinaryOp::RegexNotMatch,
    }
}

/// The accumulator's fields: every label the identity has or a returned record has, each
/// with a slot.
struct Slots {
    labels: Vec<Arc<str>>,
}

impl Slots {
    fn slot(&mut self, label: &str) -> usize {
        match self.labels.iter().position(|l| &**l == label) {
            Some(i) => i,
            None => {
                self.labels.push(Arc::from(label));
                self.labels.len() - 1
            }
        }
    }
}

fn resolve(e: &VExpr, t: &Table, slots: &mut Slots) -> Option<Node> {
    let mut go = |x: &VExpr| resolve(x, t, slots).map(Box::new);
    Some(match e {
        VExpr::Column(name) => {
            if let Some(label) = name.strip_prefix(Fold::ROW) {
                Node::Row(t.column_index(label))
            } else {
                let label = name.strip_prefix(Fold::ACCUMULATOR)?;
                Node::Accumulator(slots.slot(label))
            }
        }
        VExpr::Const(v) => Node::Const(v.clone()),
        VExpr::Binary(op, a, b) => Node::Binary(binary_op(*op), go(a)?, go(b)?),
        VExpr::And(a, b) => Node::Logical(LogicalOp::And, go(a)?, go(b)?),
        VExpr::Or(a, b) => Node::Logical(LogicalOp::Or, go(a)?, go(b)?),
        VExpr::Not(a) => Node::Unary(UnaryOp::Not, go(a)?),
        VExpr::Neg(a) => Node::Unary(UnaryOp::Neg, go(a)?),
        VExpr::Exists(a) => Node::Unary(UnaryOp::Exists, go(a)?),
        VExpr::Cond(a, b, c) => Node::Cond(go(a)?, go(b)?, go(c)?),
    })
}

impl Node {
    fn eval(&self, t: &Table, row: usize, acc: &[Value]) -> Option<Value> {
        Some(match self {
            Node::Row(Some(c)) => t.value(row, *c),
            Node::Row(None) => Value::Null,
            Node::Accumulator(s) => acc.get(*s).cloned().unwrap_or(Value::Null),
            Node::Const(v) => v.clone(),
            Node::Binary(op, a, b) => {
                ops::binary(*op, &a.eval(t, row, acc)?, &b.eval(t, row, acc)?).ok()?
            }
            Node::Logical(op, a, b) => {
                let l = a.eval(t, row, acc)?;
                // `logical` evaluates the right side only when the left does not decide;
                // a declined right side travels through it as an error and declines here.
                let missing = || fluxi_eval::EvalError::msg("declined");
                ops::logical(*op, &l, || b.eval(t, row, acc).ok_or_else(missing)).ok()?
            }
            Node::Unary(op, a) => ops::unary(*op, a.eval(t, row, acc)?).ok()?,
            Node::Cond(test, yes, no) => match test.eval(t, row, acc)? {
                Value::Bool(true) => yes.eval(t, row, acc)?,
                _ => no.eval(t, row, acc)?,
            },
        })
    }
}

/// `reduce` of one table: the last accumulator, as the interpreter would return it, or
/// `None` where the interpreter must run (an operator error, a name it cannot resolve).
pub fn reduce_table(t: &Table, fold: &Fold, identity: &Record) -> Option<Record> {
    let mut slots = Slots { labels: Vec::new() };
    // The fields of the record each row returns, in record order, with their slots.
    let mut returned: Vec<(usize, Node)> = Vec::new();
    for (label, e) in &fold.properties {
        let node = resolve(e, t, &mut slots)?;
        returned.push((slots.slot(label), node));
    }
    for (l, _) in identity.fields() {
        slots.slot(l);
    }
    // The accumulator: the identity first, then the record the last row returned (a field
    // it does not return reads as null).
    let mut acc: Vec<Value> = slots
        .labels
        .iter()
        .map(|l| identity.get(l).cloned().unwrap_or(Value::Null))
        .collect();
    if t.num_rows() == 0 {
        return Some(identity.clone());
    }
    let mut next = vec![Value::Null; acc.len()];
    for row in 0..t.num_rows() {
        next.iter_mut().for_each(|v| *v = Value::Null);
        for (slot, node) in &returned {
            *next.get_mut(*slot)? = node.eval(t, row, &acc)?;
        }
        std::mem::swap(&mut acc, &mut next);
    }
    let fields: Vec<(Arc<str>, Value)> = returned
        .iter()
        .map(|(slot, _)| {
            let label = slots.labels.get(*slot).map(Arc::clone)?;
            Some((label, acc.get(*slot).cloned().unwrap_or(Value::Null)))
        })
        .collect::<Option<_>>()?;
    Some(Record::from_fields(fields))
}
