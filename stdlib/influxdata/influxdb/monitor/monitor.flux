// Package monitor is what InfluxDB's checks and notification rules are written with:
// `check` turns rows into statuses, `notify` sends statuses through an endpoint and
// records each notification, and `from`, `logs`, `stateChanges`, `stateChangesOnly` and
// `deadman` read and sift them. Statuses (measurement `statuses`) and notifications
// (measurement `notifications`) live in the `_monitoring` bucket, which the first write
// makes in a store that has not got it yet.
package monitor

import "experimental"
import "influxdata/influxdb"
import "influxdata/influxdb/schema"

// bucket is where statuses and notifications are written and read: `_monitoring`.
bucket = "_monitoring"

// levelOK is the level of a status whose `ok` predicate held.
levelOK = "ok"

// levelInfo is the level of a status whose `info` predicate held.
levelInfo = "info"

// levelWarn is the level of a status whose `warn` predicate held.
levelWarn = "warn"

// levelCrit is the level of a status whose `crit` predicate held.
levelCrit = "crit"

// levelUnknown is the level of a status for which no predicate held.
levelUnknown = "unknown"

// write stores the statuses `check` makes (pivoted, one column per field) in `bucket`.
// Replace it to look at the statuses instead of storing them.
option write = (tables=<-) => tables |> experimental.to(bucket: bucket)

// log stores the notifications `notify` records in `bucket`. Replace it to look at them
// instead of storing them.
option log = (tables=<-) => tables |> experimental.to(bucket: bucket)

// _monitoringRows reads the rows of `measurement` in `bucket` from `start` to `stop`
// that satisfy `fn`, with one column per field.
_monitoringRows = (measurement, start, stop, fn) =>
    influxdb.from(bucket: bucket)
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == measurement)
        |> filter(fn: fn)
        |> schema.fieldsAsCols()

// from returns the statuses stored between `start` and `stop` (default now) that
// satisfy `fn`, one column per field.
from = (start, stop=now(), fn=(r) => true) =>
    _monitoringRows(measurement: "statuses", start: start, stop: stop, fn: fn)

// logs returns the notifications stored between `start` and `stop` (default now) that
// satisfy `fn`, one column per field.
logs = (start, stop=now(), fn) =>
    _monitoringRows(measurement: "notifications", start: start, stop: stop, fn: fn)

// deadman keeps the latest row of each table and adds `dead`: whether that row is older
// than `t`, that is, whether the series went quiet before `t`.
deadman = (t, tables=<-) =>
    tables
        |> max(column: "_time")
        |> map(fn: (r) => ({r with dead: r._time < t}))

// _levelOf is the level of row `r`: the most severe predicate that holds, `unknown` when
// none does.
_levelOf = (r, crit, warn, info, ok) =>
    if crit(r: r) then
        levelCrit
    else if warn(r: r) then
        levelWarn
    else if info(r: r) then
        levelInfo
    else if ok(r: r) then
        levelOK
    else
        levelUnknown

// check turns each input row (pivoted: one column per field) into a status of check
// `data` and writes it with `write`. The status keeps the row's columns, adds
// `data.tags` as columns, sets `_measurement` to `statuses` (the row's measurement goes
// to `_source_measurement`), `_time` to now (the row's time goes to
// `_source_timestamp`, in nanoseconds), and adds `_type`, `_check_id` and `_check_name`
// from `data`, `_level` from the predicates, and `_message` from `messageFn`, which sees
// the rest of the status. The tags, `_source_measurement`, `_type`, `_check_id`,
// `_check_name` and `_level` join the group key.
check = (
    tables=<-,
    data,
    messageFn,
    crit=(r) => false,
    warn=(r) => false,
    info=(r) => false,
    ok=(r) => true,
) =>
    tables
        |> experimental.set(o: data.tags)
        |> experimental.group(mode: "extend", columns: experimental.objectKeys(o: data.tags))
        |> map(
            fn: (r) => {
                status = {r with
                    _measurement: "statuses",
                    _source_measurement: r._measurement,
                    _type: data._type,
                    _check_id: data._check_id,
                    _check_name: data._check_name,
                    _level: _levelOf(r: r, crit: crit, warn: warn, info: info, ok: ok),
                    _source_timestamp: int(v: r._time),
                    _time: now(),
                }

                return {status with _message: messageFn(r: status)}
            },
        )
        |> experimental.group(
            mode: "extend",
            columns: ["_source_measurement", "_type", "_check_id", "_check_name", "_level"],
        )
        |> write()

// notify sends each input status through `endpoint` and records it with `log` as a
// notification: the properties of `data` (the rule's and endpoint's ids and names) become
// columns in the group key, `_measurement` becomes `notifications`, `_time` becomes now
// and the status's time goes to `_status_timestamp` (nanoseconds). The endpoint adds
// `_sent`, which joins the group key.
notify = (tables=<-, endpoint, data) =>
    tables
        |> experimental.set(o: data)
        |> experimental.group(mode: "extend", columns: experimental.objectKeys(o: data))
        |> map(
            fn: (r) =>
                ({r with
                    _measurement: "notifications",
                    _status_timestamp: int(v: r._time),
                    _time: now(),
                }),
        )
        |> endpoint()
        |> experimental.group(mode: "extend", columns: ["_sent"])
        |> log()

// _levelRank orders the levels by severity, 0 for an unknown level.
_levelRank = (level) =>
    if level == levelCrit then
        4
    else if level == levelWarn then
        3
    else if level == levelInfo then
        2
    else if level == levelOK then
        1
    else
        0

// _transitions puts the statuses of each series (group key without `_level`) in the
// order they were made (`_source_timestamp`, then `_time`), gives each a number with
// `step`, and keeps the statuses whose number minus the previous status's number
// satisfies `keep` (the first status of a series has no previous one and is dropped).
// `_level` goes back into the group key at the end.
_transitions = (tables=<-, step, keep) =>
    tables
        |> map(fn: (r) => ({r with __monitor_step: step(r: r)}))
        |> duplicate(column: "_level", as: "__monitor_level")
        |> drop(columns: ["_level"])
        |> rename(columns: {__monitor_level: "_level"})
        |> sort(columns: ["_source_timestamp", "_time"])
        |> difference(columns: ["__monitor_step"])
        |> filter(fn: (r) => keep(d: r.__monitor_step))
        |> drop(columns: ["__monitor_step"])
        |> experimental.group(mode: "extend", columns: ["_level"])

// stateChangesOnly keeps the statuses whose level differs from the level of the status
// before them in the same series.
stateChangesOnly = (tables=<-) =>
    tables |> _transitions(step: (r) => _levelRank(level: r._level), keep: (d) => d != 0)

// stateChanges keeps the statuses at level `toLevel` whose previous status in the same
// series was at `fromLevel`. `"any"` (the default of both) stands for any level other
// than the other side's; with both `"any"` it is `stateChangesOnly`.
stateChanges = (fromLevel="any", toLevel="any", tables=<-) => {
    isTo =
        if toLevel == "any" then
            (r) => exists r._level and r._level != fromLevel
        else
            (r) => r._level == toLevel
    isFrom =
        if fromLevel == "any" then
            (r) => exists r._level and r._level != toLevel
        else
            (r) => r._level == fromLevel

    // A `fromLevel` status steps as 0 and a `toLevel` one as 1, anything else as 3:
    // a difference of exactly 1 is a change from the one to the other.
    return
        if fromLevel == "any" and toLevel == "any" then
            tables |> stateChangesOnly()
        else
            tables
                |> _transitions(
                    step: (r) => if isTo(r: r) then 1 else if isFrom(r: r) then 0 else 3,
                    keep: (d) => d == 1,
                )
}
