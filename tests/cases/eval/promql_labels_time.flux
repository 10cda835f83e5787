// internal/promql's labelReplace, timestamp, date functions, quantile and emptyTable.
// labelReplace: the regex must match the whole of `src`; "host-(\d+)" on "host-12" sets
// `dst` to "n12" with replacement "n$1" (replacing its old value; in a Flux string
// `${...}` would interpolate); on "db" it does not match and the table is left keyed as
// it was. Either way only the key columns and `_value` remain.
// timestamp: `_time` as Unix seconds, to the millisecond (1.5 s and 1,234,567,890.123 s).
// 1,234,567,890 s is 2009-02-13T23:31:30Z, a Friday (5), in a 28-day month.
// quantile: q outside [0, 1] gives -Inf or +Inf per table; inside it is the usual one.
import "array"
import "internal/promql"

labels =
    array.from(
        rows: [
            {_time: 2021-01-01T00:00:00Z, src: "host-12", dst: "old", _value: 1.0},
            {_time: 2021-01-01T00:00:10Z, src: "host-12", dst: "old", _value: 2.0},
            {_time: 2021-01-01T00:00:00Z, src: "db", dst: "old", _value: 3.0},
        ],
    )
        |> group(columns: ["src", "dst"])

labels
    |> promql.labelReplace(source: "src", destination: "dst", regex: "host-(\\d+)", replacement: "n$1")
    |> yield(name: "label_replace")
labels
    |> promql.labelReplace(source: "src", destination: "dst", regex: "(h)ost-.*", replacement: "$2")
    |> yield(name: "label_removed")

times =
    array.from(
        rows: [
            {_time: 1970-01-01T00:00:01.5Z, _value: 0.0},
            {_time: 2009-02-13T23:31:30.123456789Z, _value: 0.0},
        ],
    )
        |> promql.timestamp()

times |> yield(name: "timestamp")
times
    |> filter(fn: (r) => r._value > 2.0)
    |> map(
        fn: (r) =>
            ({
                year: promql.promqlYear(timestamp: r._value),
                month: promql.promqlMonth(timestamp: r._value),
                day: promql.promqlDayOfMonth(timestamp: r._value),
                weekday: promql.promqlDayOfWeek(timestamp: r._value),
                days: promql.promqlDaysInMonth(timestamp: r._value),
                hour: promql.promqlHour(timestamp: r._value),
                minute: promql.promqlMinute(timestamp: r._value),
            }),
    )
    |> yield(name: "date_parts")

values =
    array.from(rows: [{g: "x", _value: 1.0}, {g: "x", _value: 3.0}, {g: "y", _value: 5.0}])
        |> group(columns: ["g"])

values |> promql.quantile(q: -0.5) |> yield(name: "q_below")
values |> promql.quantile(q: 1.5) |> yield(name: "q_above")
values |> promql.quantile(q: 0.5) |> yield(name: "q_median")

promql.emptyTable() |> yield(name: "empty")
