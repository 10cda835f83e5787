// Package join combines two table streams row by row using a predicate and an output function.
package join

// tables joins the piped stream `left` with `right` using `method` (inner, left, right or full); `on` matches rows and `as` builds each output row.
builtin tables : (
        <-left: stream[L],
        right: stream[R],
        on: (l: L, r: R) => bool,
        as: (l: L, r: R) => A,
        method: string,
    ) => stream[A]
    where
    A: Record,
    L: Record,
    R: Record

// time joins `left` and `right` on equal `_time` values, building rows with `as`; `method` defaults to an inner join.
builtin time : (
        <-left: stream[{A with _time: B}],
        right: stream[{C with _time: D}],
        as: (l: {A with _time: B}, r: {C with _time: D}) => E,
        ?method: string,
    ) => stream[E]
    where
    B: Equatable,
    D: Equatable,
    E: Record

// inner keeps only the row pairs of `left` and `right` for which `on` holds, shaped by `as`.
builtin inner : (
        <-left: stream[L],
        right: stream[R],
        on: (l: L, r: R) => bool,
        as: (l: L, r: R) => A,
    ) => stream[A]
    where
    A: Record,
    L: Record,
    R: Record

// full performs a full outer join, keeping unmatched rows from both sides with the missing side filled with nulls.
builtin full : (
        <-left: stream[L],
        right: stream[R],
        on: (l: L, r: R) => bool,
        as: (l: L, r: R) => A,
    ) => stream[A]
    where
    A: Record,
    L: Record,
    R: Record

// left performs a left outer join, keeping every row of `left` even without a match in `right`.
builtin left : (
        <-left: stream[L],
        right: stream[R],
        on: (l: L, r: R) => bool,
        as: (l: L, r: R) => A,
    ) => stream[A]
    where
    A: Record,
    L: Record,
    R: Record

// right performs a right outer join, keeping every row of `right` even without a match in `left`.
builtin right : (
        <-left: stream[L],
        right: stream[R],
        on: (l: L, r: R) => bool,
        as: (l: L, r: R) => A,
    ) => stream[A]
    where
    A: Record,
    L: Record,
    R: Record
