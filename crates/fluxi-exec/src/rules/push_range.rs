//! `range` directly over a read that has no range yet becomes the read's time bounds.

use super::{Rule, RuleContext};
use crate::logical::{LogicalPlan, Read};
use fluxi_value::Value;

/// Push `range` into the read below it.
pub struct PushRange;

impl Rule for PushRange {
    fn name(&self) -> &'static str {
        "push_range"
    }

    fn rewrite(&self, plan: &LogicalPlan, _: &RuleContext) -> Option<LogicalPlan> {
        let LogicalPlan::Range(range) = plan else {
            return None;
        };
        let LogicalPlan::Read(read) = &*range.input else {
            return None;
        };
        if read.read.range().is_some() || read.aggregate.is_some() {
            return None;
        }
        let call = format!(
            "range(start: {}, stop: {})",
            Value::Time(range.start),
            Value::Time(range.stop)
        );
        Some(LogicalPlan::Read(Read {
            read: read.read.with_range(range.start, range.stop, &call),
            aggregate: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::Range;
    use crate::rules::test_support::{call, from};
    use std::sync::Arc;

    fn range(input: Arc<LogicalPlan>, start: i64, stop: i64) -> Arc<LogicalPlan> {
        Arc::new(LogicalPlan::Range(Range {
            input,
            start,
            stop,
            call: call("range"),
        }))
    }

    const CX: RuleContext = RuleContext { pushdown: false };

    #[test]
    fn a_range_over_a_read_bounds_the_read_even_without_pushdown() {
        let plan = range(from(), 10, 20);
        let Some(LogicalPlan::Read(r)) = PushRange.rewrite(&plan, &CX) else {
            panic!("not pushed");
        };
        assert_eq!(r.read.range(), Some((10, 20)));
    }

    #[test]
    fn a_second_range_stays_a_node() {
        let once = PushRange.rewrite(&range(from(), 10, 20), &CX).unwrap();
        let twice = range(Arc::new(once), 12, 30);
        assert!(PushRange.rewrite(&twice, &CX).is_none());
    }

    #[test]
    fn only_ranges_are_rewritten() {
        assert!(PushRange.rewrite(&from(), &CX).is_none());
    }
}
