//! Unification rules: rows, kinds, functions, occurs check, let-polymorphism.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_semantic::subst::{Mismatch, Subst};
use fluxi_semantic::{Checker, Function, Kind, MonoType, PolyType, TypePrinter};
use std::collections::BTreeMap;

fn rec(props: &[(&str, MonoType)], tail: MonoType) -> MonoType {
    MonoType::record(
        props
            .iter()
            .map(|(l, t)| (l.to_string(), t.clone()))
            .collect(),
        tail,
    )
}

#[test]
fn rows_unify_regardless_of_label_order() {
    let mut s = Subst::new();
    let a = rec(
        &[("a", MonoType::INT), ("b", MonoType::STRING)],
        MonoType::empty_record(),
    );
    let b = rec(
        &[("b", MonoType::STRING), ("a", MonoType::INT)],
        MonoType::empty_record(),
    );
    assert!(s.unify(&a, &b).is_ok());
}

#[test]
fn open_rows_gain_labels() {
    let mut s = Subst::new();
    let r = s.fresh(1);
    let open = rec(&[("x", MonoType::INT)], r.clone());
    let closed = rec(
        &[("x", MonoType::INT), ("y", MonoType::FLOAT)],
        MonoType::empty_record(),
    );
    assert!(s.unify(&open, &closed).is_ok());
    assert_eq!(TypePrinter::new().mono(&s.apply(&r)), "{y: float}");
}

#[test]
fn missing_and_extra_labels_are_distinguished() {
    let mut s = Subst::new();
    let exp = rec(&[("name", MonoType::STRING)], s.fresh(1));
    let act = rec(&[("id", MonoType::INT)], MonoType::empty_record());
    let err = s.unify(&exp, &act).unwrap_err();
    assert_eq!(
        err.mismatch,
        Mismatch::MissingLabel {
            label: "name".into(),
            has: vec!["id".into()]
        }
    );
    let mut s = Subst::new();
    let exp = rec(&[], MonoType::empty_record());
    let act = rec(&[("id", MonoType::INT)], MonoType::empty_record());
    assert_eq!(
        s.unify(&exp, &act).unwrap_err().mismatch,
        Mismatch::ExtraLabel { label: "id".into() }
    );
}

#[test]
fn rows_sharing_a_tail_do_not_loop() {
    let mut s = Subst::new();
    let r = s.fresh(1);
    let a = rec(&[("a", MonoType::INT)], r.clone());
    let b = rec(&[("b", MonoType::INT)], r);
    assert!(s.unify(&a, &b).is_err());
}

#[test]
fn kinds_follow_bindings() {
    let mut s = Subst::new();
    let v = s.fresh(1);
    s.constrain(&v, Kind::Addable).unwrap();
    assert!(s.unify(&v, &MonoType::BOOL).is_err());
    let w = s.fresh(1);
    s.constrain(&w, Kind::Addable).unwrap();
    assert!(s.unify(&w, &MonoType::STRING).is_ok());
    let x = s.fresh(1);
    s.constrain(&x, Kind::Equatable).unwrap();
    let y = s.fresh(1);
    assert!(s.unify(&x, &y).is_ok());
    assert!(
        s.unify(&y, &MonoType::Fun(Default::default())).is_err(),
        "kinds move to the variable bound to"
    );
}

#[test]
fn occurs_check() {
    let mut s = Subst::new();
    let v = s.fresh(1);
    let arr = v.clone().array();
    assert!(matches!(
        s.unify(&v, &arr).unwrap_err().mismatch,
        Mismatch::Occurs { .. }
    ));
}

#[test]
fn functions_match_optional_parameters_to_required_ones() {
    // aggregateWindow passes `column`; `mean` takes it as optional: fine.
    let mut s = Subst::new();
    let exp = MonoType::Fun(std::sync::Arc::new(Function {
        req: BTreeMap::from([("column".to_string(), MonoType::STRING)]),
        pipe: Some(("tables".into(), MonoType::INT)),
        ret: MonoType::INT,
        ..Function::default()
    }));
    let act = MonoType::Fun(std::sync::Arc::new(Function {
        opt: BTreeMap::from([("column".to_string(), MonoType::STRING)]),
        pipe: Some(("tables".into(), MonoType::INT)),
        ret: MonoType::INT,
        ..Function::default()
    }));
    assert!(s.unify(&exp, &act).is_ok());
    // A function without `column` cannot be given where `column` will be passed...
    let none = MonoType::Fun(std::sync::Arc::new(Function {
        pipe: Some(("tables".into(), MonoType::INT)),
        ret: MonoType::INT,
        ..Function::default()
    }));
    let mut s = Subst::new();
    assert!(matches!(
        s.unify(&exp, &none).unwrap_err().mismatch,
        Mismatch::MissingArgument { .. }
    ));
    // ...and one that requires `column` cannot be given where it will never be passed.
    let mut s = Subst::new();
    assert!(matches!(
        s.unify(&none, &exp).unwrap_err().mismatch,
        Mismatch::ExtraArgument { .. }
    ));
}

#[test]
fn generalisation_respects_levels() {
    let mut s = Subst::new();
    let outer = s.fresh(0);
    let inner = s.fresh(1);
    let f = MonoType::Fun(std::sync::Arc::new(Function {
        req: BTreeMap::from([("x".to_string(), inner.clone()), ("y".to_string(), outer)]),
        ret: inner,
        ..Function::default()
    }));
    let p: PolyType = s.generalize(&f, 0);
    assert_eq!(p.vars.len(), 1, "only the level-1 variable is quantified");
}

#[test]
fn let_polymorphism_end_to_end() {
    let src =
        "id = (x) => x\na = id(x: 1)\nb = id(x: \"s\")\nf = (g) => ({a: g(x: 1), b: g(x: 2)})\n";
    let parsed = fluxi_syntax::parse(src);
    let mut checker = Checker::new();
    let checked = checker.check(&parsed.file, src);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let types: Vec<String> = checked
        .bindings
        .iter()
        .map(|(n, t)| format!("{n}: {}", checker.print(t)))
        .collect();
    assert_eq!(
        types,
        [
            "id: (x: A) => A",
            "a: int",
            "b: string",
            "f: (g: (x: int) => A) => {a: A, b: A}"
        ]
    );
    // A lambda-bound function is monomorphic: using it at two types fails.
    let src = "f = (g) => ({a: g(x: 1), b: g(x: \"s\")})\n";
    let parsed = fluxi_syntax::parse(src);
    let checked = checker.check(&parsed.file, src);
    assert!(!checked.is_ok());
}
