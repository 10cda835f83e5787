// An endpoint of a notification package fails when it is made, before any row is sent.
import "array"
import "contrib/sranka/teams"

array.from(rows: [{_value: 1}]) |> teams.endpoint(url: "https://example.com/webhook")(
    mapFn: (r) => ({title: "value", text: string(v: r._value), summary: ""}),
)()
