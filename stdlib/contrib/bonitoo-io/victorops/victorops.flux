// Package victorops sends events to VictorOps (Splunk On-Call) (a contributed package).
// fluxi does not send to VictorOps: the functions type-check and fail with
// `not supported`.
package victorops

// alert sends one event (`messageType`, and optionally `entityID`, `entityDisplayName`,
// `stateMessage`, `timestamp`, `monitoringTool`) to the VictorOps REST integration at
// `url`, returning the HTTP status. Not supported: fluxi does not send to VictorOps.
builtin alert : (
        url: string,
        messageType: A,
        ?entityID: C,
        ?entityDisplayName: B,
        ?stateMessage: E,
        ?timestamp: F,
        ?monitoringTool: D,
    ) => int

// endpoint returns a function that sends an event for each input row, its fields made by
// `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not send
// to VictorOps.
builtin endpoint : (
        url: string,
        ?monitoringTool: A,
    ) => (mapFn: (r: B) => {C with entityDisplayName: D, entityID: E, messageType: F, stateMessage: G, timestamp: H}) => (<-tables: stream[B]) => stream[{B with _sent: string, _status: string}]
    where
    B: Record
