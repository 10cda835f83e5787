// holtWinters puts the rows on an `interval` grid (a second row in the same slot is
// dropped, an empty slot is a null the fit skips) and forecasts `n` slots past the last
// row; `withFit` also returns the fitted values from the first row on, `withMinSSE` the
// error of the fit, and `seasonality` adds multiplicative seasons. A table with fewer
// than two values gives no rows.
import "array"

level = array.from(rows: [
    {_time: 2023-05-01T00:00:00Z, _value: 3.0, site: "n1"},
    {_time: 2023-05-01T00:10:00Z, _value: 4.5, site: "n1"},
    {_time: 2023-05-01T00:12:00Z, _value: 100.0, site: "n1"},
    {_time: 2023-05-01T00:20:00Z, _value: 5.8, site: "n1"},
    {_time: 2023-05-01T00:40:00Z, _value: 8.1, site: "n1"},
    {_time: 2023-05-01T00:50:00Z, _value: 9.0, site: "n1"},
    {_time: 2023-05-01T01:00:00Z, _value: 10.4, site: "n1"},
])
    |> group(columns: ["site"])

level |> holtWinters(n: 3, interval: 10m) |> yield(name: "forecast")
level
    |> holtWinters(n: 2, interval: 10m, withFit: true, withMinSSE: true)
    |> yield(name: "fit")

array.from(rows: [
    {t: 2023-05-02T00:00:00Z, load: 10},
    {t: 2023-05-02T01:00:00Z, load: 20},
    {t: 2023-05-02T02:00:00Z, load: 15},
    {t: 2023-05-02T03:00:00Z, load: 5},
    {t: 2023-05-02T04:00:00Z, load: 12},
    {t: 2023-05-02T05:00:00Z, load: 22},
    {t: 2023-05-02T06:00:00Z, load: 17},
    {t: 2023-05-02T07:00:00Z, load: 7},
    {t: 2023-05-02T08:00:00Z, load: 14},
    {t: 2023-05-02T09:00:00Z, load: 24},
    {t: 2023-05-02T10:00:00Z, load: 19},
    {t: 2023-05-02T11:00:00Z, load: 9},
])
    |> holtWinters(n: 4, interval: 1h, seasonality: 4, column: "load", timeColumn: "t")
    |> yield(name: "seasonal")

array.from(rows: [{_time: 2023-05-01T00:00:00Z, _value: 1.0}])
    |> holtWinters(n: 3, interval: 1m)
    |> yield(name: "too_short")
