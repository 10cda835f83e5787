// Package servicenow sends events to ServiceNow (a contributed package). fluxi does not
// send to ServiceNow's API: the functions type-check and fail with `not supported`.
package servicenow

// event sends one event (`description`, `severity`, and optionally `source`, `node`,
// `metricType`, `resource`, `metricName`, `messageKey`, `additionalInfo`) to the
// ServiceNow web service at `url`, authenticated as `username`/`password`, returning the
// HTTP status. Not supported: fluxi does not send to ServiceNow.
builtin event : (
        url: string,
        username: string,
        password: string,
        description: A,
        severity: B,
        ?source: I,
        ?node: G,
        ?metricType: F,
        ?resource: H,
        ?metricName: E,
        ?messageKey: D,
        ?additionalInfo: C,
    ) => int
    where
    B: Equatable,
    C: Equatable

// endpoint returns a function that sends an event for each input row, its fields made by
// `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not send
// to ServiceNow.
builtin endpoint : (
        url: string,
        username: string,
        password: string,
        ?source: A,
    ) => (mapFn: (r: B) => {C with description: D, messageKey: E, metricName: F, metricType: G, node: H, resource: I, severity: J}) => (<-tables: stream[B]) => stream[{B with _sent: string, _status: string}]
    where
    B: Record,
    J: Equatable
