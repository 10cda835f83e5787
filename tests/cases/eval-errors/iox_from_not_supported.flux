// experimental/iox.from type-checks but needs an IOx server fluxi does not connect to.
import "experimental/iox"

iox.from(bucket: "telegraf", measurement: "cpu") |> range(start: -1h)
