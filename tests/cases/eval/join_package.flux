// The join package: same-key tables are joined on an equality predicate; outer joins fill
// the missing side with nulls; join.time joins on _time.
import "array"
import "join"

left = array.from(rows: [
    {id: 1, _time: 2021-01-01T00:00:00Z, name: "one"},
    {id: 2, _time: 2021-01-01T00:01:00Z, name: "two"},
])
right = array.from(rows: [
    {id: 2, _time: 2021-01-01T00:01:00Z, score: 20.0},
    {id: 3, _time: 2021-01-01T00:02:00Z, score: 30.0},
])

join.inner(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({id: l.id, name: l.name, score: r.score}))
    |> yield(name: "inner")
join.left(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({id: l.id, name: l.name, score: r.score}))
    |> yield(name: "left")
join.full(
    left: left,
    right: right,
    on: (l, r) => l.id == r.id,
    as: (l, r) => ({id: if exists l.id then l.id else r.id, name: l.name, score: r.score}),
)
    |> yield(name: "full")
join.time(left: left, right: right, as: (l, r) => ({_time: l._time, name: l.name, score: r.score}))
    |> yield(name: "time")
