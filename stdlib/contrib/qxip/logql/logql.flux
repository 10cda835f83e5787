// Package logql queries Loki (or qryn) with LogQL over its HTTP API (a contributed
// package). fluxi does not connect to Loki: `query_range` type-checks and fails with
// `not supported`.
package logql

// defaultURL is the Loki HTTP API queried by default.
option defaultURL = "http://127.0.0.1:3100"

// defaultAPI is the path of Loki's range query API.
option defaultAPI = "/loki/api/v1/query_range"

// query_range runs the LogQL `query` between `start` (default 1h ago) and `end` (default
// now) at `url` + `path`, with at most `limit` entries, resolution `step` seconds and the
// tenant `orgid`, and returns the answer read as CSV. Not supported: fluxi does not
// connect to Loki.
builtin query_range : (
        query: string,
        ?url: string,
        ?path: string,
        ?limit: A,
        ?step: B,
        ?start: C,
        ?end: D,
        ?orgid: string,
    ) => stream[E]
    where
    A: Stringable,
    B: Stringable,
    C: Timeable,
    D: Timeable,
    E: Record
