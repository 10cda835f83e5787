// One nanosecond before the earliest time an i64 nanosecond count holds.
x = 1677-09-21T00:12:43.145224191Z
