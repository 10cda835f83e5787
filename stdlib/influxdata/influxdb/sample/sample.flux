// Package sample lists InfluxData's public sample data sets, downloads them, and moves
// data to the present.
package sample

import "array"
import "csv"
import "http/requests"

// The public sample data sets: name, where the annotated CSV is published, what it holds,
// its approximate size, and whether it is "live" (refreshed about every 15 minutes) or
// "static".
_sets = [
    {
        name: "airSensor",
        description: "Simulated air sensors of an office building: temperature, humidity and carbon monoxide.",
        url: "https://influx-testdata.s3.amazonaws.com/air-sensor-data-annotated.csv",
        size: "~600 KB",
        type: "live",
    },
    {
        name: "birdMigration",
        description: "Positions of migrating birds in Africa during 2019 (Movebank animal tracking data).",
        url: "https://influx-testdata.s3.amazonaws.com/bird-migration.csv",
        size: "~1.2 MB",
        type: "static",
    },
    {
        name: "bitcoin",
        description: "Bitcoin prices of the last 30 days (CoinDesk).",
        url: "https://influx-testdata.s3.amazonaws.com/bitcoin-historical-annotated.csv",
        size: "~700 KB",
        type: "live",
    },
    {
        name: "machineProduction",
        description: "States and metrics of four grinding stations on a production line on 2021-08-01.",
        url: "https://influx-testdata.s3.amazonaws.com/machine-production.csv",
        size: "~11.9 MB",
        type: "static",
    },
    {
        name: "noaa",
        description: "The latest observations of the NOAA National Data Buoy Center (no history).",
        url: "https://influx-testdata.s3.amazonaws.com/noaa-ndbc-latest-observations-annotated.csv",
        size: "~1.3 MB",
        type: "live",
    },
    {
        name: "noaaWater",
        description: "Water levels of two NOAA stations from 2019-08-17 to 2019-09-17.",
        url: "https://influx-testdata.s3.amazonaws.com/noaa.csv",
        size: "~10.3 MB",
        type: "static",
    },
    {
        name: "usgs",
        description: "USGS earthquake reports of the last week from seismic sensors around the world.",
        url: "https://influx-testdata.s3.amazonaws.com/usgs-earthquake-all-week-annotated.csv",
        size: "~6 MB",
        type: "live",
    },
]

// list returns one row per sample data set: `name`, `description`, `url`, `size` and
// `type`.
list = () => array.from(rows: _sets)

// data downloads sample data set `set` (a name from `list`) and returns its tables. The
// download is an HTTP request, so the destination must be allowed by the engine's egress
// policy.
data = (set) => {
    found = _sets |> array.filter(fn: (x) => x.name == set)
    url =
        if length(arr: found) == 0 then
            die(msg: "there is no sample data set \"${set}\"; sample.list() names them")
        else
            found[0].url
    response = requests.get(url: url)

    return
        if response.statusCode != 200 then
            die(msg: "downloading sample data set \"${set}\" failed: HTTP ${string(v: response.statusCode)}")
        else
            csv.from(csv: string(v: response.body))
}

// alignToNow shifts every time of the input by the same duration, so that its latest
// `_time` becomes `now()`.
alignToNow = (tables=<-) => {
    latest =
        (tables
            |> keep(columns: ["_time"])
            |> group()
            |> max(column: "_time")
            |> findRecord(fn: (key) => true, idx: 0))._time

    return tables |> timeShift(duration: duration(v: int(v: now()) - int(v: latest)))
}
