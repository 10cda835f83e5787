// Package clickhouse queries ClickHouse over its HTTP API (a contributed package). fluxi
// does not connect to ClickHouse: `query` type-checks and fails with `not supported`.
package clickhouse

// defaultURL is the ClickHouse HTTP API queried by default.
option defaultURL = "http://127.0.0.1:8123"

// query runs `query` on the ClickHouse server at `url` (with at most `limit` rows and
// `max_bytes` bytes, the answer in `format`, `cors` asking for CORS headers) and returns
// the answer read as CSV. Not supported: fluxi does not connect to ClickHouse.
builtin query : (
        query: string,
        ?url: string,
        ?limit: A,
        ?cors: string,
        ?max_bytes: B,
        ?format: string,
    ) => stream[C]
    where
    A: Stringable,
    B: Stringable,
    C: Record
