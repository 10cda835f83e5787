// v1.json: the first result of an InfluxDB 1.x response as tables, one per series and
// column: the series' name as _measurement, its tags (sorted), the column as _field;
// null cells are left out and an all-null column makes no table; numbers are floats.
import "influxdata/influxdb/v1"

response =
    "{\"results\": [
        {\"statement_id\": 0, \"series\": [
            {\"name\": \"cpu\", \"tags\": {\"region\": \"eu\", \"host\": \"a\"},
             \"columns\": [\"time\", \"usage\", \"state\", \"up\", \"gone\"],
             \"values\": [
                [\"2026-01-01T00:00:00Z\", 1, \"idle\", true, null],
                [\"2026-01-01T00:00:10.5Z\", 2.5, null, false, null],
                [\"2026-01-01T01:00:20+01:00\", null, \"busy\", true, null]
             ]},
            {\"columns\": [\"count\"], \"values\": [[7], [8]]}
        ]},
        {\"statement_id\": 1, \"series\": [{\"name\": \"ignored\", \"columns\": [\"v\"], \"values\": [[1]]}]}
    ]}"

v1.json(json: response)

v1.json(json: "{\"results\": [{\"statement_id\": 0}]}")
    |> yield(name: "no_series")
