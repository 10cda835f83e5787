import "influxdata/influxdb/v1"

// An empty `json` counts as not given.
v1.json(json: "")
