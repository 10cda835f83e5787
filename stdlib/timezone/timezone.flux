// Package timezone builds location records used to set the time zone of date operations.
package timezone

// utc is the UTC location, with no offset and no daylight-saving shifts.
builtin utc : {zone: string, offset: duration}

// fixed returns a location named UTC that is shifted by the constant `offset`.
builtin fixed : (offset: A) => {zone: string, offset: A}

// location looks up the time-zone database entry called `name` and returns its location record.
builtin location : (name: string) => {zone: string, offset: duration}
