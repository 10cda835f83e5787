//! Rewrite rules over the [logical plan](crate::logical), one per file, each tested on
//! its own. [`optimize`] applies them bottom-up until none applies; a rule only moves
//! work into the storage read where the `Storage` trait says it is done there, so the
//! rewritten plan computes what the original one does.

mod push_aggregate;
mod push_filter;
mod push_range;
mod push_window_aggregate;

pub use push_aggregate::PushAggregate;
pub use push_filter::PushFilter;
pub use push_range::PushRange;
pub use push_window_aggregate::PushWindowAggregate;

use crate::logical::LogicalPlan;
use std::sync::Arc;

/// What rules may do.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext {
    /// Whether filters and aggregates may go into storage (`range` always does: a read
    /// needs its bounds). Off for comparing results both ways.
    pub pushdown: bool,
}

/// One rewrite.
pub trait Rule: Send + Sync {
    /// Its name, as `explain` lists the rules that fired.
    fn name(&self) -> &'static str;
    /// The node rewritten, or `None` when the rule does not apply to it. Its inputs have
    /// been rewritten already.
    fn rewrite(&self, plan: &LogicalPlan, cx: &RuleContext) -> Option<LogicalPlan>;
}

/// Every rule, in the order they are tried at each node.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(PushRange),
        Box::new(PushFilter),
        Box::new(PushAggregate),
        Box::new(PushWindowAggregate),
    ]
}

/// A plan after the rules, and the rules that fired (in order).
#[derive(Debug, Clone)]
pub struct Optimized {
    /// The rewritten plan.
    pub plan: Arc<LogicalPlan>,
    /// The names of the rules that rewrote it.
    pub applied: Vec<&'static str>,
}

/// Apply every rule bottom-up.
pub fn optimize(plan: &Arc<LogicalPlan>, cx: &RuleContext) -> Optimized {
    let rules = all();
    let mut applied = Vec::new();
    let plan = rewrite(plan, cx, &rules, &mut applied);
    Optimized { plan, applied }
}

fn rewrite(
    plan: &Arc<LogicalPlan>,
    cx: &RuleContext,
    rules: &[Box<dyn Rule>],
    applied: &mut Vec<&'static str>,
) -> Arc<LogicalPlan> {
    let mut node = match plan.input() {
        Some(input) => {
            let new = rewrite(input, cx, rules, applied);
            if Arc::ptr_eq(&new, input) {
                Arc::clone(plan)
            } else {
                Arc::new(plan.with_input(new))
            }
        }
        None => Arc::clone(plan),
    };
    // Each rewrite moves a node into the read or marks it done, so this ends; the bound
    // is a guard against a rule that would not.
    for _ in 0..64 {
        let mut changed = false;
        for rule in rules {
            if let Some(n) = rule.rewrite(&node, cx) {
                node = Arc::new(n);
                applied.push(rule.name());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    node
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Plans over a memory store for the rules' tests.

    use crate::logical::{Deferred, LogicalPlan};
    use crate::plan::ReadPlan;
    use fluxi_storage::{MemoryStorage, Storage};
    use std::any::Any;
    use std::sync::Arc;

    /// A call that only has a name.
    #[derive(Debug)]
    pub struct Named(pub &'static str);

    impl Deferred for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn display(&self) -> String {
            self.0.to_string()
        }
        fn span(&self) -> Option<(usize, usize)> {
            None
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    pub fn call(name: &'static str) -> Arc<dyn Deferred> {
        Arc::new(Named(name))
    }

    /// `from(bucket: "b")` over an empty memory store.
    pub fn from() -> Arc<LogicalPlan> {
        let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
        Arc::new(LogicalPlan::read(ReadPlan::new(storage, "b")))
    }
}
