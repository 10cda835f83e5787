// sampledata: two series (t1, t2) of six rows 10 s apart from sampledata.start; with
// includeNull, rows 2 and 5 of t1 and rows 1 and 4 of t2 are null. int truncates the
// floats, uint takes their magnitudes, numericBool is bool as 1/0.
import "sampledata"

sampledata.float() |> range(start: sampledata.start, stop: sampledata.stop) |> yield(name: "float")
sampledata.int(includeNull: true) |> yield(name: "int_null")
sampledata.uint() |> yield(name: "uint")
sampledata.string(includeNull: true) |> yield(name: "string_null")
sampledata.bool() |> yield(name: "bool")
sampledata.numericBool() |> yield(name: "numeric_bool")
