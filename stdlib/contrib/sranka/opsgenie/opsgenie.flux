// Package opsgenie sends alerts to Opsgenie (a contributed package). fluxi does not send
// to Opsgenie: `sendAlert` and `endpoint` type-check and fail with `not supported`;
// `respondersToJSON` runs.
package opsgenie

// respondersToJSON writes responders given as `user:NAME`, `team:NAME`,
// `escalation:NAME` or `schedule:NAME` as Opsgenie's JSON array of responders
// (`{"type":"user","username":NAME}`, `{"type":"team","name":NAME}`, ...). Any other form
// is an error.
builtin respondersToJSON : (v: [string]) => string

// sendAlert creates an Opsgenie alert with `message` (and optionally `alias`,
// `description`, `priority`, `responders`, `tags`, `entity`, `actions`, `visibleTo`,
// `details`) through the API at `url` with `apiKey`, returning the HTTP status. Not
// supported: fluxi does not send to Opsgenie.
builtin sendAlert : (
        apiKey: string,
        message: string,
        ?url: string,
        ?alias: string,
        ?description: string,
        ?priority: string,
        ?responders: [string],
        ?tags: C,
        ?entity: string,
        ?actions: A,
        ?visibleTo: [string],
        ?details: B,
    ) => int
    where
    B: Stringable

// endpoint returns a function that creates an alert for each input row, its fields made
// by `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not
// send to Opsgenie.
builtin endpoint : (
        apiKey: string,
        ?url: string,
        ?entity: string,
    ) => (mapFn: (r: A) => {B with actions: C, alias: string, description: string, details: D, message: string, priority: string, responders: [string], tags: E, visibleTo: [string]}) => (<-tables: stream[A]) => stream[{A with _sent: string, _status: string}]
    where
    A: Record,
    D: Stringable
