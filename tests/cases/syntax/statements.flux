// Package clause, imports (with alias), options (plain and qualified), variables,
// expression statements, builtin and testcase statements, return in blocks.
package universe_test

import "testing"
import "csv"
import ex "experimental"
import "influxdata/influxdb/schema"

option now = () => 2030-01-01T00:00:00Z
option location = timezone.fixed(offset: -5h)
option testing.tags = ["skip"]
option v.timeRangeStart = -1h

inData = "
#datatype,string,long
"
builtin count : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

testcase count_basic {
    got = csv.from(csv: inData) |> count()
    want = csv.from(csv: outData)

    testing.diff(got, want)
}

testcase count_extended extends "flux/universe/count_test.count_basic" {
    option now = () => 2020-01-01T00:00:00Z
    super()
}

f = () => {
    return 1
}
