// Package teams sends messages to Microsoft Teams incoming webhooks (a contributed
// package). fluxi does not send to Teams: the functions type-check and fail with
// `not supported`.
package teams

// summaryCutoff is the length past which a message's text is cut to make its summary.
option summaryCutoff = 70

// message posts `title` and `text` (and `summary`, by default the start of the text) to
// the webhook `url`, returning the HTTP status. Not supported: fluxi does not send to
// Teams.
builtin message : (url: string, title: A, text: string, ?summary: string) => int

// endpoint returns a function that posts a message for each input row, its fields made by
// `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not send
// to Teams.
builtin endpoint : (
        url: string,
    ) => (mapFn: (r: A) => {B with summary: string, text: string, title: C}) => (<-tables: stream[A]) => stream[{A with _sent: string, _status: string}]
    where
    A: Record
