// Package sensu sends events to Sensu Go (a contributed package). fluxi does not send to
// Sensu: `event` and `endpoint` type-check and fail with `not supported`; `toSensuName`
// runs.
package sensu

// toSensuName makes `v` a valid Sensu name: every character but ASCII letters, digits,
// `_`, `.` and `-` becomes `_`, and the empty string becomes `_`.
builtin toSensuName : (v: string) => string

// event sends a check result (`checkName`, `text`, and optionally `status`, `state`,
// `namespace`, `entityName`, `handlers`) to the Sensu API at `url` with `apiKey`,
// returning the HTTP status. Not supported: fluxi does not send to Sensu.
builtin event : (
        url: string,
        apiKey: string,
        checkName: string,
        text: A,
        ?handlers: B,
        ?status: C,
        ?state: string,
        ?namespace: string,
        ?entityName: string,
    ) => int
    where
    C: Equatable

// endpoint returns a function that sends an event for each input row, its fields made by
// `mapFn`, and adds `_sent` to the row. Not supported: fluxi does not send to Sensu.
builtin endpoint : (
        url: string,
        apiKey: string,
        ?handlers: A,
        ?namespace: string,
        ?entityName: string,
    ) => (mapFn: (r: B) => {C with checkName: string, status: D, text: E}) => (<-tables: stream[B]) => stream[{B with _sent: string}]
    where
    B: Record,
    D: Equatable
