// A package that declares builtins: their types are the declared ones.
package mypkg

builtin count : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record
builtin weird : (f: (x: A) => B, x: A) => [B]
builtin rec : {A with _value: B} where B: Numeric
builtin lbl : (?column: A = .name) => A where A: Label
