// internal/influxql's time bounds: the earliest and latest nanosecond counts InfluxQL
// accepts (two above i64's least, one below its greatest) and the epoch, checked as
// times, as nanosecond ints and as text, beside i64's least nanosecond count; a range
// over the whole span keeps rows at both ends (the stop is exclusive).
import "array"
import "internal/influxql"

rows =
    array.from(
        rows: [
            {_time: influxql.minTime, _value: "first"},
            {_time: influxql.epoch, _value: "epoch"},
            {_time: 2262-04-11T23:47:16.854775805Z, _value: "last"},
        ],
    )

bounds =
    array.from(
        rows: [
            {
                name: "minTime",
                t: influxql.minTime,
                ns: int(v: influxql.minTime),
                text: string(v: influxql.minTime),
                parsed: time(v: "1677-09-21T00:12:43.145224194Z") == influxql.minTime,
            },
            {
                name: "epoch",
                t: influxql.epoch,
                ns: int(v: influxql.epoch),
                text: string(v: influxql.epoch),
                parsed: time(v: "1970-01-01T00:00:00Z") == influxql.epoch,
            },
            {
                name: "maxTime",
                t: influxql.maxTime,
                ns: int(v: influxql.maxTime),
                text: string(v: influxql.maxTime),
                parsed: time(v: "2262-04-11T23:47:16.854775806Z") == influxql.maxTime,
            },
            {
                name: "earliest int64 time",
                t: 1677-09-21T00:12:43.145224192Z,
                ns: int(v: 1677-09-21T00:12:43.145224192Z),
                text: string(v: 1677-09-21T00:12:43.145224192Z),
                parsed: int(v: time(v: "1677-09-21T00:12:43.145224192Z")) == -9223372036854775807 - 1,
            },
        ],
    )

bounds |> yield(name: "bounds")

rows
    |> range(start: influxql.minTime, stop: influxql.maxTime)
    |> yield(name: "whole_span")
