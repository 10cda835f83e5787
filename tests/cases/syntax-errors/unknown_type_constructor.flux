builtin x : foo[A]
