import "influxdata/influxdb/v1"

v1.json(json: "{\"results\": [{\"statement_id\": 0, \"error\": \"database not found: db0\"}]}")
