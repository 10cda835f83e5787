// Package influxdb reads InfluxDB data in one call, as `from`, `range`, `filter` and a
// pivot would (a contributed package).
package influxdb

import "influxdata/influxdb"
import "influxdata/influxdb/v1"

// _mask removes `columns` from each table (from its group key too), ignoring columns a
// table lacks; tables are not merged.
builtin _mask : (<-tables: stream[A], columns: [string]) => stream[B] where A: Record, B: Record

// from reads `bucket` between `start` and `stop` (default now): `influxdata/influxdb.from`
// followed by `range`. `org`, `host` and `token` are passed on when not empty.
from = (bucket, start, stop=now(), org="", host="", token="") => {
    // Arguments can only be passed or left out, so each combination is its own call.
    read =
        if host == "" and token == "" then
            if org == "" then influxdb.from(bucket) else influxdb.from(bucket, org)
        else if host == "" then
            if org == "" then influxdb.from(bucket, token) else influxdb.from(bucket, org, token)
        else if token == "" then
            if org == "" then influxdb.from(bucket, host) else influxdb.from(bucket, org, host)
        else if org == "" then
            influxdb.from(bucket, host, token)
        else
            influxdb.from(bucket, org, host, token)

    return read |> range(start, stop)
}

// _from is `from` under a name `select` can reach (its `from` parameter hides it).
_from = from

// select reads measurement `m` of bucket `from` between `start` and `stop` (default
// now), keeps the rows `where` accepts (default all) and of the `fields` listed (default
// all), pivots fields into columns and drops `_measurement`, `_start` and `_stop`, much
// as InfluxQL's `SELECT` shows rows. `org`, `host` and `token` are passed to `from`.
select = (from, start, stop=now(), m, fields=[], org="", host="", token="", where=(r) => true) => {
    wanted =
        if length(arr: fields) == 0 then
            (r) => true
        else
            (r) => contains(value: r._field, set: fields)

    return
        _from(bucket: from, start, stop, org, host, token)
            |> filter(fn: (r) => r._measurement == m)
            |> filter(fn: where)
            |> filter(fn: wanted)
            |> v1.fieldsAsCols()
            |> _mask(columns: ["_measurement", "_start", "_stop"])
}
