// Package schema answers questions about the measurements, tags and fields stored in a bucket.
package schema

// _from is the source function the schema helpers read through; tests replace it.
option _from = from

// fieldsAsCols pivots rows so that each `_field` becomes its own column, keyed on `_time`.
builtin fieldsAsCols : (<-tables: stream[A]) => stream[B] where A: Record, B: Record

// tagValues returns the distinct values of tag `tag` in `bucket`, limited to rows
// matching `predicate` between `start` and `stop`.
builtin tagValues : (
        bucket: string,
        tag: string,
        ?predicate: (
            r: {
                A with
                _value: B,
                _time: time,
                _stop: time,
                _start: time,
                _measurement: string,
                _field: string,
            },
        ) => bool,
        ?start: C,
        ?stop: D,
    ) => stream[E]
    where
    E: Record

// tagKeys returns the tag keys present in `bucket` for rows matching `predicate`
// between `start` and `stop`.
builtin tagKeys : (
        bucket: string,
        ?predicate: (
            r: {
                A with
                _value: B,
                _time: time,
                _stop: time,
                _start: time,
                _measurement: string,
                _field: string,
            },
        ) => bool,
        ?start: C,
        ?stop: D,
    ) => stream[E]
    where
    E: Record

// measurementTagValues returns the distinct values of tag `tag` within one measurement.
builtin measurementTagValues : (
        bucket: string,
        measurement: A,
        tag: string,
        ?start: B,
        ?stop: C,
    ) => stream[D]
    where
    A: Equatable,
    D: Record

// measurementTagKeys returns the tag keys used by one measurement in `bucket`.
builtin measurementTagKeys : (bucket: string, measurement: A, ?start: B, ?stop: C) => stream[D]
    where
    A: Equatable,
    D: Record

// fieldKeys returns the field keys in `bucket` for rows matching `predicate`
// between `start` and `stop`.
builtin fieldKeys : (
        bucket: string,
        ?predicate: (
            r: {
                A with
                _value: B,
                _time: time,
                _stop: time,
                _start: time,
                _measurement: string,
                _field: string,
            },
        ) => bool,
        ?start: C,
        ?stop: D,
    ) => stream[E]
    where
    E: Record

// measurementFieldKeys returns the field keys used by one measurement in `bucket`.
builtin measurementFieldKeys : (bucket: string, measurement: A, ?start: B, ?stop: C) => stream[D]
    where
    A: Equatable,
    D: Record

// measurements returns the names of the measurements stored in `bucket`.
builtin measurements : (bucket: string, ?start: A, ?stop: B) => stream[C] where C: Record
