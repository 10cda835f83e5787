// contrib/anaisdg/anomalydetection.mad over three hosts at three times, worked by hand:
// at 00:00 the values 1, 2, 10 have median 2, distances 1, 0, 8, whose median is 1, so
// MAD = 1.4826 and _value = 1, 0, 8: host c (8 >= 3) is the anomaly. At 00:01 all values
// agree (MAD 0), so that time is left out. At 00:02 the values 3, 6, 9 have median 6,
// distances 3, 0, 3 (median 3, MAD 4.4478), so _value = 1, 0, 1: all normal.
import "array"
import "contrib/anaisdg/anomalydetection"

array.from(
    rows: [
        {_time: 2024-01-01T00:00:00Z, host: "a", _value: 1.0},
        {_time: 2024-01-01T00:00:00Z, host: "b", _value: 2.0},
        {_time: 2024-01-01T00:00:00Z, host: "c", _value: 10.0},
        {_time: 2024-01-01T00:01:00Z, host: "a", _value: 5.0},
        {_time: 2024-01-01T00:01:00Z, host: "b", _value: 5.0},
        {_time: 2024-01-01T00:01:00Z, host: "c", _value: 5.0},
        {_time: 2024-01-01T00:02:00Z, host: "a", _value: 3.0},
        {_time: 2024-01-01T00:02:00Z, host: "b", _value: 6.0},
        {_time: 2024-01-01T00:02:00Z, host: "c", _value: 9.0},
    ],
)
    |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T01:00:00Z)
    |> anomalydetection.mad(threshold: 3.0)
