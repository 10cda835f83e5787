// estimate_tdigest interpolates at q·n − 0.5; exact_mean at q·(n−1); exact_selector keeps a row.
import "array"

data = array.from(rows: [{_value: 1.0}, {_value: 2.0}, {_value: 3.0}, {_value: 4.0}, {_value: 5.0}, {_value: 6.0}])

data |> quantile(q: 0.75) |> yield(name: "tdigest")
data |> quantile(q: 0.75, method: "exact_mean") |> yield(name: "exact_mean")
data |> quantile(q: 0.75, method: "exact_selector") |> yield(name: "exact_selector")
data |> median() |> yield(name: "median")
