// Package bigpanda sends alerts to BigPanda (a contributed package). fluxi does not send
// to BigPanda: `sendAlert` and `endpoint` type-check and fail with `not supported`;
// `statusFromLevel` runs.
package bigpanda

import "strings"

// defaultUrl is BigPanda's alerts API.
option defaultUrl = "https://api.bigpanda.io/data/v2/alerts"

// defaultTokenPrefix is the authentication scheme put before the token.
option defaultTokenPrefix = "Bearer"

// statusFromLevel turns an InfluxDB status level into a BigPanda status, ignoring case:
// `warn` is `warning`, `info` and `ok` are `ok`, and `crit` or anything else `critical`.
statusFromLevel = (level) => {
    lowered = strings.toLower(v: level)

    return
        if lowered == "ok" or lowered == "info" then
            "ok"
        else if lowered == "warn" then
            "warning"
        else
            "critical"
}

// sendAlert sends the alert record `rec` with `status` to BigPanda at `url`, for the
// integration `appKey`, authenticated with `token`, returning the HTTP status. Not
// supported: fluxi does not send to BigPanda.
builtin sendAlert : (url: string, token: string, appKey: A, status: C, rec: B) => int
    where
    B: Record

// endpoint returns a function that sends an alert for each input row, its `status` and
// other fields made by `mapFn`, and adds `_sent` and `_status` to the row. Not supported:
// fluxi does not send to BigPanda.
builtin endpoint : (
        token: string,
        appKey: A,
        ?url: string,
    ) => (mapFn: (r: B) => {C with status: D}) => (<-tables: stream[B]) => stream[{B with _sent: string, _status: string}]
    where
    B: Record
