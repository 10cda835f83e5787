// Package telegram sends messages to Telegram chats through a bot (a contributed
// package). fluxi does not send to Telegram: the functions type-check and fail with
// `not supported`.
package telegram

// defaultURL is the base of the bot API's URLs.
option defaultURL = "https://api.telegram.org/bot"

// defaultParseMode is how Telegram reads message text by default.
option defaultParseMode = "MarkdownV2"

// defaultDisableWebPagePreview says whether link previews are off by default.
option defaultDisableWebPagePreview = false

// defaultSilent says whether messages are sent without a notification by default.
option defaultSilent = true

// message sends `text` to `channel` with the bot `token` (through `url`, with
// `parseMode`, `disableWebPagePreview` and `silent`), returning the HTTP status. Not
// supported: fluxi does not send to Telegram.
builtin message : (
        token: string,
        channel: A,
        text: B,
        ?url: string,
        ?parseMode: D,
        ?disableWebPagePreview: C,
        ?silent: E,
    ) => int

// endpoint returns a function that sends a message for each input row, its fields made
// by `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does not
// send to Telegram.
builtin endpoint : (
        token: string,
        ?url: string,
        ?parseMode: B,
        ?disableWebPagePreview: A,
    ) => (mapFn: (r: C) => {D with channel: E, silent: F, text: G}) => (<-tables: stream[C]) => stream[{C with _sent: string, _status: string}]
    where
    C: Record
