// Package v1 keeps the InfluxDB 1.x-era names: the schema helpers under their old
// package, plus readers for 1.x JSON results and the database/retention-policy mapping.
package v1

import "influxdata/influxdb/schema"

// json reads an InfluxDB 1.x query response (JSON) given inline or from `file` as tables.
builtin json : (?json: string, ?file: string) => stream[A] where A: Record

// databases lists the 1.x database and retention policy mappings of an organization.
builtin databases : (
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
    ) => stream[{
        organizationID: string,
        databaseName: string,
        retentionPolicy: string,
        retentionPeriod: int,
        default: bool,
        bucketID: string,
    }]

// fieldsAsCols is schema.fieldsAsCols under its old name.
fieldsAsCols = schema.fieldsAsCols

// tagValues is schema.tagValues under its old name.
tagValues = schema.tagValues

// measurementTagValues is schema.measurementTagValues under its old name.
measurementTagValues = schema.measurementTagValues

// tagKeys is schema.tagKeys under its old name.
tagKeys = schema.tagKeys

// measurementTagKeys is schema.measurementTagKeys under its old name.
measurementTagKeys = schema.measurementTagKeys

// fieldKeys is schema.fieldKeys under its old name.
fieldKeys = schema.fieldKeys

// measurementFieldKeys is schema.measurementFieldKeys under its old name.
measurementFieldKeys = schema.measurementFieldKeys

// measurements is schema.measurements under its old name.
measurements = schema.measurements
