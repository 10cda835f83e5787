//! Runtime environments: a persistent chain of local bindings over a map of globals, so a
//! closure captures its environment by cloning two pointers.

use fluxi_value::Value;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug)]
struct Local {
    name: String,
    value: Value,
    parent: Option<Arc<Local>>,
}

/// An environment: locals (innermost first) and globals.
#[derive(Debug, Clone, Default)]
pub struct Env {
    locals: Option<Arc<Local>>,
    globals: Arc<HashMap<String, Value>>,
}

impl Env {
    /// An environment with these globals and no locals.
    pub fn new(globals: Arc<HashMap<String, Value>>) -> Env {
        Env {
            locals: None,
            globals,
        }
    }

    /// A new environment with one more local binding.
    pub fn bind(&self, name: &str, value: Value) -> Env {
        Env {
            locals: Some(Arc::new(Local {
                name: name.to_string(),
                value,
                parent: self.locals.clone(),
            })),
            globals: Arc::clone(&self.globals),
        }
    }

    /// Look a name up: locals first, then globals.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let mut cur = self.locals.as_deref();
        while let Some(l) = cur {
            if l.name == name {
                return Some(&l.value);
            }
            cur = l.parent.as_deref();
        }
        self.globals.get(name)
    }
}
