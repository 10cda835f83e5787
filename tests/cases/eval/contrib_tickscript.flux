// contrib/bonitoo-io/tickscript over four points of `cpu` (host a: 1, 3, 8 at 00:00, 00:10,
// 00:20; host b: 2 at 00:00), statuses kept in the results (monitor.write passes them on).
// select: sums a 12, b 2 as `total`. selectWindow by 15m over [00:00, 00:30): a 4 then 8,
// b 2 then an empty window filled with 0. alert: a (12 > 10) is crit, b (2 > 1) warn,
// with topic "ops" in the key. deadman with threshold 1: a (3 rows) is alive (ok), b
// (1 row) dead (crit); over no rows at all, one crit status for `cpu`.
import "array"
import "contrib/bonitoo-io/tickscript"
import "influxdata/influxdb/monitor"

option now = () => 2024-01-01T01:00:00Z
option monitor.write = (tables=<-) => tables

data = array.from(
    rows: [
        {_time: 2024-01-01T00:00:00Z, _measurement: "cpu", host: "a", _value: 1.0},
        {_time: 2024-01-01T00:10:00Z, _measurement: "cpu", host: "a", _value: 3.0},
        {_time: 2024-01-01T00:20:00Z, _measurement: "cpu", host: "a", _value: 8.0},
        {_time: 2024-01-01T00:00:00Z, _measurement: "cpu", host: "b", _value: 2.0},
    ],
) |> tickscript.groupBy(columns: ["host"])

check = tickscript.defineCheck(id: "c1", name: "CPU total", type: "threshold")

array.from(rows: [{check with tags: display(v: check.tags)}]) |> yield(name: "define_check")

data
    |> tickscript.select(fn: sum, as: "total")
    |> yield(name: "select_sum")

data
    |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T00:30:00Z)
    |> tickscript.selectWindow(fn: sum, as: "total", every: 15m, defaultValue: 0.0)
    |> yield(name: "select_window")

data
    |> tickscript.select(fn: sum, as: "total")
    |> tickscript.alert(
        check: check,
        crit: (r) => r.total > 10.0,
        warn: (r) => r.total > 1.0,
        topic: "ops",
    )
    |> yield(name: "alert")

data
    |> tickscript.deadman(
        check: tickscript.defineCheck(id: "d1", name: "CPU feed", type: "deadman"),
        measurement: "cpu",
        threshold: 1,
    )
    |> yield(name: "deadman")

data
    |> filter(fn: (r) => false)
    |> tickscript.deadman(
        check: tickscript.defineCheck(id: "d2", name: "CPU feed"),
        measurement: "cpu",
    )
    |> yield(name: "deadman_no_rows")
