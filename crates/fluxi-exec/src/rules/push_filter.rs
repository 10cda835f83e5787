//! `filter` over a read without aggregate: the part of its predicate storage can apply
//! (comparisons of `_measurement`, `_field` and tags with strings; see
//! [`crate::plan::pushable`]) goes into the read. When that is the whole predicate the
//! filter node goes away; otherwise it stays, marked pushed, and runs over the rows the
//! narrowed read returns.

use super::{Rule, RuleContext};
use crate::logical::{Filter, LogicalPlan, Read};
use crate::plan::pushable;
use std::sync::Arc;

/// Push what storage can apply of a `filter` into the read below it.
pub struct PushFilter;

impl Rule for PushFilter {
    fn name(&self) -> &'static str {
        "push_filter"
    }

    fn rewrite(&self, plan: &LogicalPlan, cx: &RuleContext) -> Option<LogicalPlan> {
        let LogicalPlan::Filter(filter) = plan else {
            return None;
        };
        // `onEmpty: "keep"` keeps tables whose rows are all dropped; storage would not
        // return them at all.
        if !cx.pushdown || filter.pushed || filter.keep_empty {
            return None;
        }
        let LogicalPlan::Read(read) = &*filter.input else {
            return None;
        };
        if read.aggregate.is_some() {
            return None;
        }
        let split = pushable(filter.predicate.as_ref()?);
        let predicate = split.predicate?;
        let narrowed = LogicalPlan::Read(Read {
            read: read.read.with_predicate(predicate, "filter(fn: ...)"),
            aggregate: None,
        });
        if split.complete {
            return Some(narrowed);
        }
        Some(LogicalPlan::Filter(Filter {
            input: Arc::new(narrowed),
            pushed: true,
            ..filter.clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{call, from};
    use crate::vector::{VExpr, VOp};
    use fluxi_value::Value;

    fn eq(column: &str, v: Value) -> VExpr {
        VExpr::Binary(
            VOp::Eq,
            Box::new(VExpr::Column(column.into())),
            Box::new(VExpr::Const(v)),
        )
    }

    fn filter(predicate: Option<VExpr>, keep_empty: bool) -> LogicalPlan {
        LogicalPlan::Filter(Filter {
            input: from(),
            predicate,
            keep_empty,
            pushed: false,
            call: call("filter"),
        })
    }

    const ON: RuleContext = RuleContext { pushdown: true };

    #[test]
    fn a_tag_comparison_goes_into_the_read_and_the_filter_goes_away() {
        let plan = filter(Some(eq("host", Value::string("a"))), false);
        let Some(LogicalPlan::Read(r)) = PushFilter.rewrite(&plan, &ON) else {
            panic!("not pushed");
        };
        assert_eq!(r.read.predicates().len(), 1);
    }

    #[test]
    fn a_filter_storage_can_only_narrow_keeps_its_node() {
        let both = VExpr::And(
            Box::new(eq("host", Value::string("a"))),
            Box::new(eq("_value", Value::Float(1.0))),
        );
        let plan = filter(Some(both), false);
        let Some(LogicalPlan::Filter(f)) = PushFilter.rewrite(&plan, &ON) else {
            panic!("the filter node must stay");
        };
        assert!(f.pushed);
        assert_eq!(f.input.leaf().read.predicates().len(), 1);
        // Once pushed, the rule does not apply again.
        assert!(PushFilter.rewrite(&LogicalPlan::Filter(f), &ON).is_none());
    }

    #[test]
    fn nothing_moves_without_pushdown_for_keep_empty_or_an_uncompiled_predicate() {
        let p = || Some(eq("host", Value::string("a")));
        let off = RuleContext { pushdown: false };
        assert!(PushFilter.rewrite(&filter(p(), false), &off).is_none());
        assert!(PushFilter.rewrite(&filter(p(), true), &ON).is_none());
        assert!(PushFilter.rewrite(&filter(None, false), &ON).is_none());
        // A comparison of `_value` is not for storage.
        let v = Some(eq("_value", Value::Float(1.0)));
        assert!(PushFilter.rewrite(&filter(v, false), &ON).is_none());
    }
}
