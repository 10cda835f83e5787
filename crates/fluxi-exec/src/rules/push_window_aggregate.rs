//! `aggregateWindow` with fixed windows in UTC (no months), a universe aggregate or
//! selector as `fn` and the default columns, over a bounded read without aggregate:
//! storage computes one value per series and window when it says it does; the engine
//! only shapes the answer (`_time` from the window's stop, empty windows with
//! `createEmpty`). The original node is the fallback when storage declines at read time.

use super::{Rule, RuleContext};
use crate::logical::{LogicalPlan, PushedAggregate, Read};
use fluxi_storage::Applied;
use std::sync::Arc;

/// Push `aggregateWindow` into the read below it.
pub struct PushWindowAggregate;

impl Rule for PushWindowAggregate {
    fn name(&self) -> &'static str {
        "push_window_aggregate"
    }

    fn rewrite(&self, plan: &LogicalPlan, cx: &RuleContext) -> Option<LogicalPlan> {
        let LogicalPlan::WindowAggregate(node) = plan else {
            return None;
        };
        if !cx.pushdown || !node.default_columns {
            return None;
        }
        let windowing = node.window.fixed()?;
        let LogicalPlan::Read(read) = &*node.input else {
            return None;
        };
        if read.aggregate.is_some() || read.read.range().is_none() {
            return None;
        }
        let storage = read.read.storage();
        if storage.aggregate_pushdown(node.aggregate, Some(windowing)) == Applied::Unsupported {
            return None;
        }
        Some(LogicalPlan::Read(Read {
            read: read.read.clone(),
            aggregate: Some(PushedAggregate {
                aggregate: node.aggregate,
                window: Some(node.window),
                fallback: Arc::new(plan.clone()),
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::{Range, WindowAggregate};
    use crate::rules::test_support::{call, from};
    use crate::rules::PushRange;
    use crate::window::WindowSpec;
    use fluxi_storage::Aggregate;
    use fluxi_value::Duration;

    fn spec(every: Duration) -> WindowSpec {
        WindowSpec {
            every,
            period: every,
            offset: Duration::default(),
            create_empty: false,
            location: fluxi_tz::Location::new("UTC", 0).unwrap(),
        }
    }

    fn window_aggregate(window: WindowSpec, default_columns: bool) -> LogicalPlan {
        let r = LogicalPlan::Range(Range {
            input: from(),
            start: 0,
            stop: 1_000_000_000_000,
            call: call("range"),
        });
        let bounded = Arc::new(PushRange.rewrite(&r, &ON).unwrap());
        LogicalPlan::WindowAggregate(WindowAggregate {
            input: bounded,
            window,
            aggregate: Aggregate::Mean,
            default_columns,
            call: call("aggregateWindow"),
        })
    }

    const ON: RuleContext = RuleContext { pushdown: true };

    #[test]
    fn fixed_windows_go_into_the_read() {
        let plan = window_aggregate(spec(Duration::from_nanos(60_000_000_000)), true);
        let Some(LogicalPlan::Read(r)) = PushWindowAggregate.rewrite(&plan, &ON) else {
            panic!("not pushed");
        };
        let a = r.aggregate.unwrap();
        assert_eq!(a.aggregate, Aggregate::Mean);
        assert!(a.window.is_some());
    }

    #[test]
    fn calendar_windows_and_other_columns_stay_in_the_engine() {
        let month = Duration {
            months: 1,
            ..Duration::default()
        };
        assert!(PushWindowAggregate
            .rewrite(&window_aggregate(spec(month), true), &ON)
            .is_none());
        let minute = spec(Duration::from_nanos(60_000_000_000));
        assert!(PushWindowAggregate
            .rewrite(&window_aggregate(minute, false), &ON)
            .is_none());
    }
}
