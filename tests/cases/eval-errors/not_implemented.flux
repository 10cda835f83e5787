// A builtin declared without an implementation (every declared function of the standard
// library has one now) type-checks, and fails when called.
builtin undone : (x: int) => int

undone(x: 1)
