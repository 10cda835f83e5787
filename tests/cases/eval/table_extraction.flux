import "array"

data = array.from(rows: [{k: "a", v: 1}, {k: "b", v: 2}, {k: "b", v: 3}]) |> group(columns: ["k"])

rec = data |> findRecord(fn: (key) => key.k == "b", idx: 1)
col = data |> findColumn(fn: (key) => key.k == "b", column: "v")
none = data |> findColumn(fn: (key) => key.k == "z", column: "v")

array.from(rows: [{v: rec.v, n: length(arr: col), first: col[0], missing: length(arr: none)}])
