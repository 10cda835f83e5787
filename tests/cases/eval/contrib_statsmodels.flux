// contrib/anaisdg/statsmodels.linearRegression of y = 2, 4, 7 at x = 1, 2, 3, worked by
// hand: N 3, sx 6, sy 13, sxx 14, sxy 31; slope (31 - 3·2·13/3) / (14 - 3·2·2) = 2.5,
// intercept 13/3 - 2.5·2 = -2/3, so y_hat = 1.8333.., 4.3333.., 6.8333.. and errors
// (y - y_hat)² = 0.02777.., 0.11111.., 0.02777...
import "array"
import "contrib/anaisdg/statsmodels"

array.from(
    rows: [
        {_time: 2024-01-01T00:00:00Z, _value: 2.0},
        {_time: 2024-01-01T00:01:00Z, _value: 4.0},
        {_time: 2024-01-01T00:02:00Z, _value: 7.0},
    ],
)
    |> statsmodels.linearRegression()
