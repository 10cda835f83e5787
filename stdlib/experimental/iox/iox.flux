// Package iox queries InfluxDB IOx (InfluxDB 3) storage. Its readers need an IOx server,
// which fluxi does not connect to: they type-check and fail with `not supported`.
// `sqlInterval` needs no server.
package iox

// from reads the rows of `measurement` in `bucket` from an IOx server, as one table per
// series with a `_time` column. Not supported: fluxi connects to no IOx server.
builtin from : (bucket: string, measurement: string) => stream[{A with _time: time}]
    where
    A: Record

// sql runs the SQL `query` against `bucket` of an IOx server. Not supported: fluxi
// connects to no IOx server.
builtin sql : (bucket: string, query: string) => stream[A] where A: Record

// sqlInterval writes the duration `d` as an SQL interval: each unit of the duration as
// Flux writes it (`string(v: d)`, so `34h` is `1d10h`) becomes a number and a unit word,
// as in `1 days 10 hours` (`y` years, `mo` months, `w` weeks, `d` days, `h` hours, `m`
// minutes, `s` seconds, `ms` milliseconds, `us` microseconds, `ns` nanoseconds); a
// negative duration starts with `- `.
builtin sqlInterval : (d: duration) => string
