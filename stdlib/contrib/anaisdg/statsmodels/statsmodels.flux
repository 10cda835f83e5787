// Package statsmodels fits statistical models to time series (a contributed package).
package statsmodels

// linearRegression fits a least-squares line to `_value` against the row number (1.0,
// 2.0, ... within each table, as `x`: the rows are taken to be evenly spaced). The line is
// fitted to the first table of the input and applied to every table. `_value` is renamed `y`, and every row gets `x`, the fitted
// value `y_hat`, the line's `slope`, the sums `sx`, `sy`, `sxx` (of x²), `sxy` (of x·y),
// the number of rows `N` (a float) and its squared residual `errors` ((y - y_hat)²).
linearRegression = (tables=<-) => {
    numbered =
        tables
            |> rename(columns: {_value: "y"})
            |> map(fn: (r) => ({r with x: 1.0}))
            |> cumulativeSum(columns: ["x"])
    sums =
        numbered
            |> reduce(
                identity: {N: 0.0, sx: 0.0, sy: 0.0, sxx: 0.0, sxy: 0.0},
                fn: (r, accumulator) =>
                    ({
                        N: accumulator.N + 1.0,
                        sx: accumulator.sx + r.x,
                        sy: accumulator.sy + r.y,
                        sxx: accumulator.sxx + r.x * r.x,
                        sxy: accumulator.sxy + r.x * r.y,
                    }),
            )
            |> tableFind(fn: (key) => true)
            |> getRecord(idx: 0)
    meanX = sums.sx / sums.N
    meanY = sums.sy / sums.N
    slope = (sums.sxy - sums.N * meanX * meanY) / (sums.sxx - sums.N * meanX * meanX)
    intercept = meanY - slope * meanX

    return
        numbered
            |> map(
                fn: (r) =>
                    ({r with
                        y_hat: slope * r.x + intercept,
                        slope: slope,
                        sx: sums.sx,
                        sxy: sums.sxy,
                        sxx: sums.sxx,
                        N: sums.N,
                        sy: sums.sy,
                    }),
            )
            |> map(fn: (r) => ({r with errors: (r.y - r.y_hat) ^ 2.0}))
}
