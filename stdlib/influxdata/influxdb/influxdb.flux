// Package influxdb reads from, writes to and inspects InfluxDB buckets.
package influxdb

// cardinality counts the series stored in a bucket between `start` and `stop`,
// optionally restricted to the series that satisfy `predicate`.
builtin cardinality : (
        ?bucket: string,
        ?bucketID: string,
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
        start: A,
        ?stop: B,
        ?predicate: (r: {T with _measurement: string, _field: string, _value: S}) => bool,
    ) => stream[{_start: time, _stop: time, _value: int}]
    where
    A: Timeable,
    B: Timeable

// from reads all data from the bucket named by `bucket` or `bucketID`, on the
// given `host` and organization.
builtin from : (
        ?bucket: string,
        ?bucketID: string,
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
    ) => stream[{B with _measurement: string, _field: string, _time: time, _value: A}]

// to writes its input tables to a bucket and passes them through; `tagColumns`
// and `fieldFn` control how rows become tags and fields.
builtin to : (
        <-tables: stream[A],
        ?bucket: string,
        ?bucketID: string,
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
        ?timeColumn: string,
        ?measurementColumn: string,
        ?tagColumns: [string],
        ?fieldFn: (r: A) => B,
    ) => stream[A]
    where
    A: Record,
    B: Record

// buckets lists the buckets of an organization with their ids and retention settings.
builtin buckets : (
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
    ) => stream[{
        name: string,
        id: string,
        organizationID: string,
        retentionPolicy: string,
        retentionPeriod: int,
    }]

// wideTo writes already pivoted rows (one column per field) to a bucket and
// passes its input through.
builtin wideTo : (
        <-tables: stream[A],
        ?bucket: string,
        ?bucketID: string,
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
    ) => stream[A]
    where
    A: Record
