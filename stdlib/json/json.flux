// Package json converts Flux values to JSON.
package json

// encode returns `v` as JSON text: records and dictionaries become objects (keys
// sorted), arrays arrays, times RFC 3339 strings, durations their literal, bytes base64.
builtin encode : (v: A) => bytes
