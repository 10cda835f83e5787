// Package tickscript helps move Kapacitor TICKscripts to Flux: checks and alerts that
// write statuses as `influxdata/influxdb/monitor` does, and the renaming, windowing,
// grouping and joining steps TICKscript queries use (a contributed package).
package tickscript

import "experimental"
import "experimental/array"
import "influxdata/influxdb/monitor"
import "influxdata/influxdb/schema"
import "universe"

// defineCheck returns the check record `alert` and `deadman` take: `_check_id` `id`,
// `_check_name` `name`, `_type` `type` (`"custom"` unless given; also `"threshold"` or
// `"deadman"`) and empty `tags`.
defineCheck = (id, name, type="custom") =>
    ({_check_id: id, _check_name: name, _type: type, tags: {}})

// alert gives each row a status level with `monitor.check` and writes it as a status
// (through `monitor.write`). Every column whose name contains `_start` or `_stop` is
// dropped; rows get `_check_id` and `_check_name` from `check`, `id` (by
// default the check id) and `details` (by default empty) from the functions of those
// names. Levels come from the predicates `crit`, `warn`, `info` and `ok` (by default only
// `ok` holds), the message from `message` (by default "Threshold Check: NAME is: LEVEL").
// A non-empty `topic` is set in a `_topic` column added to the group key.
alert = (
        check,
        id=(r) => "${r._check_id}",
        details=(r) => "",
        message=(r) => "Threshold Check: ${r._check_name} is: ${r._level}",
        crit=(r) => false,
        warn=(r) => false,
        info=(r) => false,
        ok=(r) => true,
        topic="",
        tables=<-,
    ) =>
    {
        withTopic = (tables=<-) =>
            if topic == "" then
                tables
            else
                tables
                    |> set(key: "_topic", value: topic)
                    |> experimental.group(mode: "extend", columns: ["_topic"])

        return
            tables
                |> drop(fn: (column) => column =~ /_start/ or column =~ /_stop/)
                |> map(
                    fn: (r) =>
                        ({r with _check_id: check._check_id, _check_name: check._check_name}),
                )
                |> map(fn: (r) => ({r with id: id(r: r)}))
                |> map(fn: (r) => ({r with details: details(r: r)}))
                |> withTopic()
                |> monitor.check(
                    data: check,
                    messageFn: message,
                    crit: crit,
                    warn: warn,
                    info: info,
                    ok: ok,
                )
    }

// deadman reports series that stopped reporting: each input table whose number of rows is
// at most `threshold` (default 0) gets a `crit` status, others `ok`, written as `alert`
// does, with `_time` now and a boolean `dead`. When the input has no rows of
// `measurement` at all, one status for `measurement` is written from a count of 0. The
// default message is "Deadman Check: NAME is: dead" (or "alive").
deadman =
    (
            check,
            measurement,
            threshold=0,
            id=(r) => "${r._check_id}",
            message=(r) =>
                "Deadman Check: ${r._check_name} is: " + (if r.dead then "dead" else "alive"),
            topic="",
            tables=<-,
        ) =>
        {
            // A stand-in table of `measurement`, shaped as pivoted input grouped by
            // measurement; it tells whether the input has rows of its own (counting an
            // empty stream gives no rows at all).
            placeholder =
                array.from(rows: [{_time: 2000-01-01T00:00:00Z, _field: "unknown", _value: 0}])
                    |> set(key: "_measurement", value: measurement)
                    |> experimental.group(columns: ["_measurement"], mode: "extend")
                    |> schema.fieldsAsCols()
            rowsOfMeasurement =
                union(tables: [placeholder, tables])
                    |> keep(columns: ["_measurement", "_time"])
                    |> duplicate(column: "_measurement", as: "__rows__")
                    |> count(column: "__rows__")
                    |> findColumn(fn: (key) => key._measurement == measurement, column: "__rows__")
            counted =
                if rowsOfMeasurement[0] == 1 then
                    placeholder
                        |> drop(columns: ["unknown"])
                        |> limit(n: 0)
                else
                    tables

            return
                counted
                    |> duplicate(column: "_measurement", as: "__rows__")
                    |> count(column: "__rows__")
                    |> map(fn: (r) => ({r with _time: now()}))
                    |> map(fn: (r) => ({r with dead: r.__rows__ <= threshold}))
                    |> drop(columns: ["__rows__"])
                    |> alert(
                        check: check,
                        id: id,
                        message: message,
                        crit: (r) => r.dead,
                        topic: topic,
                    )
        }

// select renames `column` (default `_value`) to `as`, after applying `fn` (an aggregate or
// selector called with `column:`; by default nothing), as TICKscript's
// `SELECT f(x) AS y` does.
select = (column="_value", fn=(column, tables=<-) => tables, as, tables=<-) => {
    from = column
    to = as

    return
        tables
            |> fn(column: from)
            |> rename(fn: (column) => if column == from then to else column)
}

// selectWindow applies `fn` to `column` (default `_value`) over windows of `every` (empty
// windows included, their nulls filled with `defaultValue`) and renames `column` to `as`,
// as TICKscript's `SELECT f(x) AS y ... GROUP BY time(every)` does.
selectWindow = (
        column="_value",
        fn,
        as,
        every,
        defaultValue,
        tables=<-,
    ) =>
    {
        from = column
        to = as

        return
            tables
                |> aggregateWindow(every: every, fn: fn, column: from, createEmpty: true)
                |> fill(column: from, value: defaultValue)
                |> rename(fn: (column) => if column == from then to else column)
    }

// compute is `select` under TICKscript's other name.
compute = select

// groupBy groups by `columns` and `_measurement` (which `monitor.check` needs in the key).
groupBy = (columns, tables=<-) =>
    tables
        |> group(columns: columns)
        |> experimental.group(columns: ["_measurement"], mode: "extend")

// join joins the two streams of `tables` on `on` (default `["_time"]`, with `join`) and
// sets `_measurement` to `measurement`, adding it to the group key.
join = (tables, on=["_time"], measurement) =>
    universe.join(tables: tables, on: on)
        |> map(fn: (r) => ({r with _measurement: measurement}))
        |> experimental.group(columns: ["_measurement"], mode: "extend")
