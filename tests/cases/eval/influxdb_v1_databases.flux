// v1.databases: each bucket as the 1.x database it stands for (InfluxDB 2's virtual
// DBRP mappings: bucket NAME is database NAME with retention policy autogen); its
// bucketId is the id buckets() gives.
import "influxdata/influxdb/v1"

v1.databases()
    |> yield(name: "databases")

buckets()
    |> keep(columns: ["name", "id"])
    |> yield(name: "buckets")
