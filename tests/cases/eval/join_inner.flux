// universe join: inner join on the listed columns; shared columns get _<table> suffixes.
import "array"

cpu = array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, host: "a", _value: 10.0},
    {_time: 2021-01-01T00:01:00Z, host: "a", _value: 20.0},
    {_time: 2021-01-01T00:02:00Z, host: "a", _value: 30.0},
])
mem = array.from(rows: [
    {_time: 2021-01-01T00:01:00Z, host: "a", _value: 512.0},
    {_time: 2021-01-01T00:00:00Z, host: "a", _value: 256.0},
])

join(tables: {cpu: cpu, mem: mem}, on: ["_time", "host"])
