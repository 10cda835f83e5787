package basics_test

import "array"
import "csv"
import "testing"

option now = () => 2030-01-01T00:00:00Z

inData = "
#datatype,string,long,dateTime:RFC3339,double,string
#group,false,false,false,false,true
#default,_result,,,,
,result,table,_time,_value,host
,,0,2029-12-31T23:00:00Z,1.5,a
,,0,2029-12-31T23:30:00Z,2.5,a
,,1,2029-12-31T23:30:00Z,10.0,b
"

testcase mean_per_host {
    got = csv.from(csv: inData) |> range(start: -2h) |> mean() |> keep(columns: ["host", "_value"])
    want = array.from(rows: [{host: "a", _value: 2.0}, {host: "b", _value: 10.0}]) |> group(columns: ["host"])

    testing.diff(got, want)
}

testcase scalar_equality {
    testing.assertEqualValues(got: 40 + 2, want: 42)
}

testcase error_message {
    testing.shouldError(fn: () => die(msg: "boom"), want: /boom/)
}

testcase tagged_and_skipped {
    option testing.tags = ["slow"]

    testing.assertEqualValues(got: 1, want: 1)
}

testcase base {
    testing.assertEqualValues(got: "a", want: "a")
}

testcase extended extends "fluxi/pass/basics_test.base" {
    super()
}
