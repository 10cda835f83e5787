import "influxdata/influxdb/v1"

v1.json(json: "{\"results\": [{\"series\": [{\"name\": \"m\", \"columns\": [\"time\", \"v\"], \"values\": [[\"yesterday\", 1]]}]}]}")
