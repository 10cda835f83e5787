import "influxdata/influxdb/v1"

// The golden engine reads no files.
v1.json(file: "/etc/hostname")
