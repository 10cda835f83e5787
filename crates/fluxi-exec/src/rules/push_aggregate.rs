//! An aggregate or selector of `_value` over a bounded read without aggregate: storage
//! computes it per series when it says it does ([`Storage::aggregate_pushdown`]). The
//! original node is kept as the read's fallback, run when storage declines at read time
//! (a sum of strings, whose error the engine reports).
//!
//! [`Storage::aggregate_pushdown`]: fluxi_storage::Storage::aggregate_pushdown

use super::{Rule, RuleContext};
use crate::logical::{LogicalPlan, PushedAggregate, Read};
use fluxi_storage::Applied;
use std::sync::Arc;

/// Push an aggregate or selector into the read below it.
pub struct PushAggregate;

impl Rule for PushAggregate {
    fn name(&self) -> &'static str {
        "push_aggregate"
    }

    fn rewrite(&self, plan: &LogicalPlan, cx: &RuleContext) -> Option<LogicalPlan> {
        let LogicalPlan::Aggregate(node) = plan else {
            return None;
        };
        if !cx.pushdown || node.column != "_value" {
            return None;
        }
        let LogicalPlan::Read(read) = &*node.input else {
            return None;
        };
        if read.aggregate.is_some() || read.read.range().is_none() {
            return None;
        }
        if read.read.storage().aggregate_pushdown(node.aggregate, None) == Applied::Unsupported {
            return None;
        }
        Some(LogicalPlan::Read(Read {
            read: read.read.clone(),
            aggregate: Some(PushedAggregate {
                aggregate: node.aggregate,
                window: None,
                fallback: Arc::new(plan.clone()),
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::{AggregateNode, Range};
    use crate::rules::test_support::{call, from};
    use crate::rules::PushRange;
    use fluxi_storage::Aggregate;

    fn aggregate(input: Arc<LogicalPlan>, column: &str) -> LogicalPlan {
        LogicalPlan::Aggregate(AggregateNode {
            input,
            aggregate: Aggregate::Count,
            column: column.into(),
            call: call("count"),
        })
    }

    fn bounded() -> Arc<LogicalPlan> {
        let r = LogicalPlan::Range(Range {
            input: from(),
            start: 0,
            stop: 10,
            call: call("range"),
        });
        Arc::new(PushRange.rewrite(&r, &ON).unwrap())
    }

    const ON: RuleContext = RuleContext { pushdown: true };

    #[test]
    fn a_count_over_a_bounded_read_is_computed_by_storage() {
        let plan = aggregate(bounded(), "_value");
        let Some(LogicalPlan::Read(r)) = PushAggregate.rewrite(&plan, &ON) else {
            panic!("not pushed");
        };
        let pushed = r.aggregate.unwrap();
        assert_eq!(pushed.aggregate, Aggregate::Count);
        assert!(matches!(&*pushed.fallback, LogicalPlan::Aggregate(_)));
    }

    #[test]
    fn not_without_a_range_for_another_column_or_without_pushdown() {
        assert!(PushAggregate
            .rewrite(&aggregate(from(), "_value"), &ON)
            .is_none());
        assert!(PushAggregate
            .rewrite(&aggregate(bounded(), "other"), &ON)
            .is_none());
        let off = RuleContext { pushdown: false };
        assert!(PushAggregate
            .rewrite(&aggregate(bounded(), "_value"), &off)
            .is_none());
    }
}
