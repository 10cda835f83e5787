import "influxdata/influxdb"

influxdb.cardinality(start: -1h)
