// experimental/iox.sqlInterval: each unit of the duration as Flux writes it becomes a
// number and a unit word (so 36h is written as 1 day and 12 hours, 90s as 1 minute 30
// seconds); months and years stay apart from the fixed units.
import "array"
import "experimental/iox"

array.from(
    rows: [
        {d: "1h", interval: iox.sqlInterval(d: 1h)},
        {d: "36h", interval: iox.sqlInterval(d: 36h)},
        {d: "90s", interval: iox.sqlInterval(d: 90s)},
        {d: "1y2mo3w", interval: iox.sqlInterval(d: 1y2mo3w)},
        {d: "1500ms", interval: iox.sqlInterval(d: 1500ms)},
        {d: "2us7ns", interval: iox.sqlInterval(d: 2us7ns)},
        {d: "-10m", interval: iox.sqlInterval(d: -10m)},
    ],
)
