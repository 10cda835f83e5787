// Package webexteams sends messages to Webex Teams rooms (a contributed package). fluxi
// does not send to Webex: the functions type-check and fail with `not supported`.
package webexteams

// message posts `text` and `markdown` to the room `roomId` with `token` (through `url`),
// returning the HTTP status. Not supported: fluxi does not send to Webex.
builtin message : (token: string, roomId: B, text: C, markdown: A, ?url: string) => int

// endpoint returns a function that posts a message for each input row, its fields made by
// `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not send
// to Webex.
builtin endpoint : (
        token: string,
        ?url: string,
    ) => (mapFn: (r: A) => {B with markdown: C, roomId: D, text: E}) => (<-tables: stream[A]) => stream[{A with _sent: string, _status: string}]
    where
    A: Record
