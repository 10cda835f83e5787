import "influxdata/influxdb/v1"

v1.json(json: "{\"results\": [{\"series\": [{\"name\": \"m\", \"columns\": [\"v\"], \"values\": [[1], [\"x\"]]}]}]}")
