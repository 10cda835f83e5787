// Package discord sends messages to Discord webhooks (a contributed package). fluxi does
// not send to Discord: the functions type-check and fail with `not supported`.
package discord

// discordURL is the base of Discord webhook URLs.
option discordURL = "https://discordapp.com/api/webhooks/"

// send posts `content` as `username` (with `avatar_url`, if given) to the webhook
// `webhookID` with `webhookToken`, returning the HTTP status. Not supported: fluxi does
// not send to Discord.
builtin send : (
        webhookToken: string,
        webhookID: string,
        username: B,
        content: A,
        ?avatar_url: C,
    ) => int

// endpoint returns a function that posts a message for each input row, its `content`
// made by `mapFn`, and adds `_sent` and `_status` to the row. Not supported: fluxi does
// not send to Discord.
builtin endpoint : (
        webhookToken: string,
        webhookID: string,
        username: A,
        ?avatar_url: B,
    ) => (mapFn: (r: C) => {D with content: E}) => (<-tables: stream[C]) => stream[{C with _sent: string, _status: string}]
    where
    C: Record
