import "strings"
import "experimental"

from(bucket: "telegraf")
    |> range(start: -1h)
    |> filter(
        fn: (r) => r._measurement == "cpu" and (r._field == "usage_user" or r._field == "usage_system"),
    )
    |> aggregateWindow(every: 1m, fn: mean)
single = data |> sum()
result =
    from(bucket: "b")
        |> range(start: -5m)
        // keep only the host we care about
        |> filter(fn: (r) => r.host == "a") // trailing note
        |> yield(name: "r")
