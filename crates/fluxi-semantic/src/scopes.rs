//! The names in scope during inference: one table from each name to its bindings, the
//! innermost last. Finding a name costs the same at any depth of nesting (a stack of one
//! table per scope cost the depth for every name used: quadratic time for a deeply
//! nested function whose body uses its outer parameters).

use crate::infer::{Binding, Scope};
use std::collections::HashMap;

#[derive(Default)]
pub(crate) struct Scopes {
    /// Each name's bindings, innermost last, with the depth of the scope holding it.
    names: HashMap<String, Vec<(usize, Binding)>>,
    /// The names each open scope holds, innermost last.
    frames: Vec<Vec<String>>,
}

impl Scopes {
    /// The scopes `outer`, outermost first, each open.
    pub(crate) fn new(outer: Vec<Scope>) -> Self {
        let mut scopes = Scopes::default();
        for scope in outer {
            scopes.push();
            for (name, binding) in scope.names {
                scopes.insert(&name, binding);
            }
        }
        scopes
    }

    /// Open a scope inside the current one.
    pub(crate) fn push(&mut self) {
        self.frames.push(Vec::new());
    }

    /// Close the current scope: its names are gone, and what they shadowed is back.
    pub(crate) fn pop(&mut self) {
        let depth = self.frames.len();
        let Some(frame) = self.frames.pop() else {
            return;
        };
        for name in frame {
            if let Some(stack) = self.names.get_mut(&name) {
                if stack.last().is_some_and(|(d, _)| *d == depth) {
                    stack.pop();
                }
                if stack.is_empty() {
                    self.names.remove(&name);
                }
            }
        }
    }

    /// What a name means here.
    pub(crate) fn lookup(&self, name: &str) -> Option<&Binding> {
        self.names.get(name)?.last().map(|(_, b)| b)
    }

    /// The binding of a name in the current scope itself, if it has one.
    pub(crate) fn in_current(&self, name: &str) -> Option<&Binding> {
        let depth = self.frames.len();
        self.names
            .get(name)?
            .last()
            .filter(|(d, _)| *d == depth)
            .map(|(_, b)| b)
    }

    /// Bind a name in the current scope (replacing its binding there, if any).
    pub(crate) fn insert(&mut self, name: &str, binding: Binding) {
        let depth = self.frames.len();
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let stack = self.names.entry(name.to_string()).or_default();
        match stack.last_mut() {
            Some((d, b)) if *d == depth => *b = binding,
            _ => {
                stack.push((depth, binding));
                frame.push(name.to_string());
            }
        }
    }

    /// Every name in scope, in no order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &String> {
        self.names.keys()
    }
}
