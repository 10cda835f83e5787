// Type expressions of `builtin` statements: basic types, variables, arrays, dictionaries,
// streams, vectors, records (with row variables and string keys), functions with required,
// optional, defaulted and pipe parameters, labels, dynamic, and constraints.
builtin a : int
builtin b : A
builtin c : [string]
builtin d : [string: int]
builtin e : stream[A] where A: Record
builtin f : vector[float]
builtin g : {a: int, "b c": string}
builtin h : {A with _value: B, _time: time}
builtin i : {}
builtin j : (x: int, ?y: string, <-tables: stream[A]) => stream[B] where A: Record, B: Record
builtin k : (<-: A) => A
builtin l : (?column: A = .x) => A where A: Label
builtin m : dynamic
builtin n : () => {A with x: int}
builtin o : (fn: (r: A) => bool) => [A]
builtin p : (
        <-tables: stream[A],
        ?every: duration,
        fn: (column: string, <-tables: stream[B]) => stream[C],
    ) => stream[D]
    where
    A: Record,
    B: Record + Comparable + Equatable,
    C: Record,
    D: Record
builtin q : [string: [int]]
builtin r : {a: (x: int) => int}
x = 1
