// A bucket that does not exist is named in the error.
from(bucket: "metricz")
    |> range(start: 2026-01-01T00:00:00Z)
