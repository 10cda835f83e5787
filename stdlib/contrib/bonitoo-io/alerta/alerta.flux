// Package alerta sends alerts to Alerta (a contributed package). fluxi does not send to
// Alerta's API: the functions type-check and fail with `not supported`.
package alerta

// alert sends one alert (`resource`, `event`, `severity`, `attributes`, and optionally
// `environment`, `service`, `group`, `value`, `text`, `tags`, `origin`, `type`,
// `timestamp`) to the Alerta server at `url` with `apiKey`, returning the HTTP status.
// Not supported: fluxi does not send to Alerta.
builtin alert : (
        url: string,
        apiKey: string,
        resource: A,
        event: B,
        severity: D,
        attributes: C,
        ?environment: E,
        ?service: F,
        ?group: G,
        ?value: H,
        ?text: I,
        ?tags: J,
        ?origin: K,
        ?type: L,
        ?timestamp: M,
    ) => int

// endpoint returns a function that sends an alert for each input row, its fields made by
// `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not send
// to Alerta.
builtin endpoint : (
        url: string,
        apiKey: string,
        ?environment: A,
        ?origin: B,
    ) => (mapFn: (r: C) => {D with attributes: E, event: F, group: G, resource: H, service: I, severity: J, tags: K, text: L, timestamp: M, type: N, value: O}) => (<-tables: stream[C]) => stream[{C with _sent: string, _status: string}]
    where
    C: Record
