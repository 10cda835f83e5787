// internal/debug.getOption reads a package option where it is called: a declared
// default, or what the script's `option` statement set (also inside a row function).
import "array"
import "internal/debug"

option debug.vectorize = true

array.from(rows: [{v: 0}])
    |> map(fn: (r) => ({
        vectorize: debug.getOption(pkg: "internal/debug", name: "vectorize"),
        pagerduty: debug.getOption(pkg: "pagerduty", name: "defaultURL"),
    }))
