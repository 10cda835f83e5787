import "array"
import "contrib/tomhollingworth/events"

array.from(rows: [{_time: 2022-03-01T00:00:00Z, state: "ok"}])
    |> events.duration()
