// Package zenoss sends events to Zenoss (a contributed package). fluxi does not send to
// Zenoss: the functions type-check and fail with `not supported`.
package zenoss

// event sends one event (`severity`, and optionally `summary`, `device`, `component`,
// `eventClass`, `eventClassKey`, `collector`, `message`) to the Zenoss router at `url`,
// authenticated with `username`/`password` or `apiKey` (`action`, `method`, `type` and
// `tid` shape the router call), returning the HTTP status. Not supported: fluxi does not
// send to Zenoss.
builtin event : (
        url: string,
        severity: A,
        ?username: string,
        ?password: string,
        ?apiKey: C,
        ?action: B,
        ?method: J,
        ?type: M,
        ?tid: L,
        ?summary: K,
        ?device: F,
        ?component: E,
        ?eventClass: G,
        ?eventClassKey: H,
        ?collector: D,
        ?message: I,
    ) => int
    where
    C: Equatable

// endpoint returns a function that sends an event for each input row, its fields made by
// `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not send
// to Zenoss.
builtin endpoint : (
        url: string,
        ?username: string,
        ?password: string,
        ?apiKey: B,
        ?action: A,
        ?method: C,
        ?type: E,
        ?tid: D,
    ) => (mapFn: (r: F) => {G with collector: H, component: I, device: J, eventClass: K, eventClassKey: L, message: M, severity: N, summary: O}) => (<-tables: stream[F]) => stream[{F with _sent: string, _status: string}]
    where
    B: Equatable,
    F: Record
