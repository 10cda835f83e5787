// Package influxql holds the time bounds InfluxQL works with, for Flux written to
// reproduce InfluxQL queries.
package influxql

// epoch is the zero of InfluxQL's time and duration values: the Unix epoch.
epoch = 1970-01-01T00:00:00Z

// minTime is the earliest timestamp InfluxQL accepts, two nanoseconds above the least
// signed 64-bit nanosecond count (-9223372036854775806 ns from the epoch).
minTime = 1677-09-21T00:12:43.145224194Z

// maxTime is the latest timestamp InfluxQL accepts, one nanosecond below the greatest
// signed 64-bit nanosecond count (9223372036854775806 ns from the epoch).
maxTime = 2262-04-11T23:47:16.854775806Z
