//! Random Flux expression trees for property tests (precedence, formatting): the tree,
//! its binding strength per node, and a proptest strategy.

#![allow(dead_code)] // each test file uses a part

use proptest::prelude::*;

#[derive(Debug, Clone)]
pub enum E {
    Leaf(&'static str),
    Bin(&'static str, Box<E>, Box<E>),
    Prefix(&'static str, Box<E>),
    Member(Box<E>, &'static str),
    Index(Box<E>, Box<E>),
    Call(Box<E>, Vec<E>),
    Pipe(Box<E>, Vec<E>),
    If(Box<E>, Box<E>, Box<E>),
}

/// Binding strength, loosest first (matches the grammar's rule order).
pub fn level(e: &E) -> u8 {
    match e {
        E::If(..) => 0,
        E::Bin("or", ..) => 1,
        E::Bin("and", ..) => 2,
        E::Prefix("not" | "exists", _) => 3,
        E::Bin("==" | "!=" | "<" | "<=" | ">" | ">=" | "=~" | "!~", ..) => 4,
        E::Bin("+" | "-", ..) => 5,
        E::Bin("*" | "/" | "%", ..) => 6,
        E::Bin("^", ..) => 7,
        E::Pipe(..) => 8,
        E::Prefix(..) => 9,
        E::Member(..) | E::Index(..) | E::Call(..) => 10,
        E::Leaf(_) => 11,
        E::Bin(..) => 11,
    }
}

pub fn tree() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![
        Just(E::Leaf("a")),
        Just(E::Leaf("b")),
        Just(E::Leaf("1")),
        Just(E::Leaf("\"s\""))
    ];
    leaf.prop_recursive(5, 48, 3, |inner| {
        let ops = [
            "or", "and", "==", "!=", "<", "<=", ">", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^",
        ];
        prop_oneof![
            (
                proptest::sample::select(ops.to_vec()),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| E::Bin(op, Box::new(a), Box::new(b))),
            (
                proptest::sample::select(vec!["-", "+", "not", "exists"]),
                inner.clone()
            )
                .prop_map(|(op, a)| E::Prefix(op, Box::new(a))),
            (inner.clone(), proptest::sample::select(vec!["x", "_value"]))
                .prop_map(|(a, p)| E::Member(Box::new(a), p)),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| E::Index(Box::new(a), Box::new(i))),
            (
                inner.clone(),
                proptest::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(f, a)| E::Call(Box::new(f), a)),
            (
                inner.clone(),
                proptest::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(a, args)| E::Pipe(Box::new(a), args)),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, t, f)| E::If(
                Box::new(c),
                Box::new(t),
                Box::new(f)
            )),
        ]
    })
}
