import "influxdata/influxdb/sample"

sample.data(set: "nope")
