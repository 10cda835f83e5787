// internal/promql's holtWinters and linearRegression.
// holtWinters(smoothingFactor: 0.5, trendFactor: 0.5) of 1, 2, 4: level 1, trend 2 - 1
// = 1; at 2 the level is 0.5 × 2 + 0.5 × (1 + 1) = 2; at 4 the trend is 0.5 × (2 - 1) +
// 0.5 × 1 = 1 and the level 0.5 × 4 + 0.5 × (2 + 1) = 3.5.
// linearRegression of 1, 3, 5 at 10 s, 20 s, 30 s: the slope (deriv) is 0.2 per second;
// predict_linear 30 s after _stop (60 s) is 1 + 0.2 × (90 - 10) = 17. A table with one
// sample gives no output.
import "array"
import "internal/promql"

data =
    array.from(
        rows: [
            {_time: 2021-01-01T00:00:10Z, s: "a", _value: 1.0},
            {_time: 2021-01-01T00:00:20Z, s: "a", _value: 3.0},
            {_time: 2021-01-01T00:00:30Z, s: "a", _value: 5.0},
            {_time: 2021-01-01T00:00:30Z, s: "one", _value: 5.0},
        ],
    )
        |> group(columns: ["s"])
        |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:01:00Z)

array.from(
    rows: [
        {_time: 2021-01-01T00:00:10Z, _value: 1.0},
        {_time: 2021-01-01T00:00:20Z, _value: 2.0},
        {_time: 2021-01-01T00:00:30Z, _value: 4.0},
    ],
)
    |> promql.holtWinters(smoothingFactor: 0.5, trendFactor: 0.5)
    |> yield(name: "holt_winters")

data |> promql.linearRegression() |> yield(name: "deriv")
data |> promql.linearRegression(predict: true, fromNow: 30.0) |> yield(name: "predict_linear")
