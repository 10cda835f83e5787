// The t-digest behind quantile's default method: small inputs interpolate between the
// sorted values at position q*n - 0.5; a small `compression` merges values into a few
// centroids (1.0 folds everything into the mean), and inputs larger than eight times the
// compression are merged while they arrive.
import "array"

small = array.from(rows: [{_value: 1.0}, {_value: 2.0}, {_value: 3.0}, {_value: 10.0}])

small |> median() |> yield(name: "median")
small |> median(compression: 1.0) |> yield(name: "median_c1")
small |> quantile(q: 0.9, method: "exact_mean") |> yield(name: "exact_mean")

many = array.from(rows: [
    {_value: 32.4},
    {_value: 15.1},
    {_value: 65.1},
    {_value: 7.2},
    {_value: 53.6},
    {_value: 36.6},
    {_value: 5.8},
    {_value: 50.7},
    {_value: 3.7},
    {_value: 43.4},
    {_value: 7.0},
    {_value: 9.1},
    {_value: 42.5},
    {_value: 82.7},
    {_value: 12.4},
    {_value: 22.3},
    {_value: 62.7},
    {_value: 94.8},
    {_value: 57.7},
    {_value: 39.7},
    {_value: 97.6},
    {_value: 4.7},
    {_value: 85.8},
    {_value: 29.0},
    {_value: 14.4},
    {_value: 11.8},
    {_value: 30.8},
    {_value: 81.6},
    {_value: 18.1},
    {_value: 58.2},
    {_value: 63.9},
    {_value: 37.2},
    {_value: 54.8},
    {_value: 6.3},
    {_value: 6.0},
    {_value: 20.6},
    {_value: 68.0},
    {_value: 42.8},
    {_value: 31.4},
    {_value: 58.6},
])

many |> median(compression: 2.0) |> yield(name: "median_c2")
many |> quantile(q: 0.9, compression: 2.0) |> yield(name: "q90_c2")
many |> median(compression: 5.0) |> yield(name: "median_c5")
many |> quantile(q: 0.9, compression: 5.0) |> yield(name: "q90_c5")
many |> median() |> yield(name: "median_default")
many |> quantile(q: 0.9) |> yield(name: "q90_default")
