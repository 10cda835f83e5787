// cardinality type-checks but fluxi does not run it yet.
import "influxdata/influxdb"

influxdb.cardinality(bucket: "b", start: -1h)
