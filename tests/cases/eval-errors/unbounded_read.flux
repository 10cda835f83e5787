// A read must be bounded by range before anything else consumes it.
from(bucket: "metrics")
    |> filter(fn: (r) => r._value > 1.0)
