// Package slack sends messages to Slack channels, through the chat.postMessage API or
// an incoming webhook. Requests go only where the engine's egress policy allows (see
// docs/egress.md).
package slack

import "http"
import "json"

// validateColorString returns `color` when it is `good`, `warning`, `danger` or a hex
// color such as `#ff0000`, and fails otherwise.
builtin validateColorString : (color: string) => string

// defaultURL is Slack's chat.postMessage API.
option defaultURL = "https://slack.com/api/chat.postMessage"

// message posts `text` to `channel` as one attachment of `color` and returns the
// answer's status code. `token` goes in a Bearer authorization (a webhook URL needs
// none).
message = (url=defaultURL, token="", channel, text, color) => {
    attachment = {color: validateColorString(color: color), text: string(v: text), mrkdwn_in: ["text"]}
    body = json.encode(v: {channel: channel, attachments: [attachment]})

    return
        http.post(
            url: url,
            headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
            data: body,
        )
}

// endpoint returns a notification endpoint: given `mapFn`, which turns a row into
// `{channel, text, color}`, it returns a function that sends one message per row of its
// input and adds `_status` (the status code) and `_sent` ("true" for a 2xx) to each row.
endpoint = (url=defaultURL, token="") =>
    (mapFn) =>
        (tables=<-) =>
            tables
                |> map(
                    fn: (r) => {
                        m = mapFn(r: r)
                        code =
                            message(
                                url: url,
                                token: token,
                                channel: m.channel,
                                text: m.text,
                                color: m.color,
                            )

                        return {r with _status: string(v: code), _sent: string(v: code / 100 == 2)}
                    },
                )
