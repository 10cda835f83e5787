// Package oee computes overall equipment effectiveness (OEE): availability × performance ×
// quality, per group of production and part events.
package oee

import "contrib/tomhollingworth/events"
import "experimental"

// computeAPQ returns, for every group key the two streams share, one row at the group's
// `_stop` with
// - `runTime`: nanoseconds spent in `runningState` (each production event lasts until the
//   next one, the last until `_stop`),
// - `availability`: `runTime` / `plannedTime`,
// - `performance`: parts made × `idealCycleTime` / `runTime`,
// - `quality`: (parts made − bad parts) / parts made,
// - `oee`: the product of the three.
// `productionEvents` rows have `_time`, `_stop` and `state`; `partEvents` rows have
// `_time`, `_stop` and the running totals `partCount` and `badCount` (counted by their
// increases, so a counter reset is not a loss).
computeAPQ = (
        productionEvents,
        partEvents,
        runningState,
        plannedTime,
        idealCycleTime,
    ) =>
    {
        planned = float(v: int(v: plannedTime))
        ideal = float(v: int(v: idealCycleTime))
        running =
            productionEvents
                |> events.duration(unit: 1ns, columnName: "runTime")
                |> filter(fn: (r) => r.state == runningState)
                |> sum(column: "runTime")
                |> map(
                    fn: (r) =>
                        ({r with _time: r._stop, availability: float(v: r.runTime) / planned}),
                )
        made =
            partEvents
                |> difference(columns: ["partCount"], nonNegative: true)
                |> sum(column: "partCount")
                |> duplicate(column: "_stop", as: "_time")
        bad =
            partEvents
                |> difference(columns: ["badCount"], nonNegative: true)
                |> sum(column: "badCount")
                |> duplicate(column: "_stop", as: "_time")
        counts =
            experimental.join(
                left: made,
                right: bad,
                fn: (left, right) => ({left with badCount: right.badCount}),
            )

        return
            experimental.join(
                left: running,
                right: counts,
                fn: (left, right) => {
                    parts = float(v: right.partCount)
                    performance = parts * ideal / float(v: left.runTime)
                    quality = (parts - float(v: right.badCount)) / parts

                    return {left with
                        performance: performance,
                        quality: quality,
                        oee: left.availability * performance * quality,
                    }
                },
            )
    }

// APQ is `computeAPQ` over one stream that holds both the production events and the
// part counts.
APQ = (tables=<-, runningState, plannedTime, idealCycleTime) =>
    computeAPQ(
        productionEvents: tables,
        partEvents: tables,
        runningState: runningState,
        plannedTime: plannedTime,
        idealCycleTime: idealCycleTime,
    )
