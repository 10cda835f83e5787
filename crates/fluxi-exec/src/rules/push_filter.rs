//! `filter` over a read without aggregate: the part of its predicate storage can apply
//! (comparisons of `_measurement`, `_field` and tags with strings; see
//! [`crate::plan::pushable`]) goes into the read when the storage does not answer
//! `Unsupported` for it ([`Storage::predicate_pushdown`]). When that is the whole
//! predicate and storage applies it exactly, the filter node goes away; otherwise it
//! stays, marked pushed, and runs over the rows the narrowed read returns.
//!
//! [`Storage::predicate_pushdown`]: fluxi_storage::Storage::predicate_pushdown

use super::{Rule, RuleContext};
use crate::logical::{Filter, LogicalPlan, Read};
use crate::plan::pushable;
use fluxi_storage::Applied;
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
        let applied = read.read.storage().predicate_pushdown(&predicate);
        if applied == Applied::Unsupported {
            return None;
        }
        let narrowed = LogicalPlan::Read(Read {
            read: read.read.with_predicate(predicate, "filter(fn: ...)"),
            aggregate: None,
        });
        if split.complete && applied == Applied::Exact {
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

    /// A memory store that answers predicate pushdown as told.
    struct Answers(fluxi_storage::MemoryStorage, Applied);

    impl fluxi_storage::Storage for Answers {
        fn buckets(&self) -> fluxi_storage::storage::Result<Vec<fluxi_storage::BucketInfo>> {
            self.0.buckets()
        }
        fn create_bucket(&self, n: &str, r: Option<i64>) -> fluxi_storage::storage::Result<()> {
            self.0.create_bucket(n, r)
        }
        fn delete_bucket(&self, n: &str) -> fluxi_storage::storage::Result<()> {
            self.0.delete_bucket(n)
        }
        fn write(
            &self,
            b: &str,
            p: &[fluxi_storage::Point],
        ) -> fluxi_storage::storage::Result<usize> {
            self.0.write(b, p)
        }
        fn read(
            &self,
            spec: &fluxi_storage::ReadSpec,
        ) -> fluxi_storage::storage::Result<fluxi_storage::ReadResult> {
            self.0.read(spec)
        }
        fn predicate_pushdown(&self, _: &fluxi_storage::Predicate) -> Applied {
            self.1
        }
        fn measurements(&self, b: &str) -> fluxi_storage::storage::Result<Vec<String>> {
            self.0.measurements(b)
        }
        fn tag_keys(
            &self,
            b: &str,
            m: Option<&str>,
        ) -> fluxi_storage::storage::Result<Vec<String>> {
            self.0.tag_keys(b, m)
        }
        fn tag_values(
            &self,
            b: &str,
            t: &str,
            m: Option<&str>,
        ) -> fluxi_storage::storage::Result<Vec<String>> {
            self.0.tag_values(b, t, m)
        }
        fn field_keys(
            &self,
            b: &str,
            m: Option<&str>,
        ) -> fluxi_storage::storage::Result<Vec<String>> {
            self.0.field_keys(b, m)
        }
    }

    fn over(applied: Applied) -> LogicalPlan {
        let storage: Arc<dyn fluxi_storage::Storage> =
            Arc::new(Answers(fluxi_storage::MemoryStorage::new(), applied));
        let read = Arc::new(LogicalPlan::read(crate::plan::ReadPlan::new(storage, "b")));
        LogicalPlan::Filter(Filter {
            input: read,
            predicate: Some(eq("host", Value::string("a"))),
            keep_empty: false,
            pushed: false,
            call: call("filter"),
        })
    }

    #[test]
    fn what_storage_applies_inexactly_is_pushed_and_filtered_again() {
        let Some(LogicalPlan::Filter(f)) = PushFilter.rewrite(&over(Applied::Inexact), &ON) else {
            panic!("the filter node must stay");
        };
        assert!(f.pushed);
        assert_eq!(f.input.leaf().read.predicates().len(), 1);
    }

    #[test]
    fn what_storage_does_not_apply_is_not_pushed() {
        assert!(PushFilter
            .rewrite(&over(Applied::Unsupported), &ON)
            .is_none());
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
