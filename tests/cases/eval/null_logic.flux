// Three-valued logic and null propagation over a column the rows do not have.
import "csv"

data = "
#datatype,string,long,boolean
#group,false,false,false
#default,_result,,
,result,table,a
,,0,true
,,0,false
"

csv.from(csv: data)
    |> map(fn: (r) => ({
        a: r.a,
        and_null: r.a and r.missing,
        or_null: r.a or r.missing,
        exists_missing: exists r.missing,
        if_null: if r.missing then "then" else "else",
        plus_null: r.count + 1,
    }))
