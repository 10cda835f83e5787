// Package json reads JSON into Flux values.
package json

// parse returns the Flux value of the JSON text `data`: an object becomes a record (its
// properties in sorted order), an array an array (whose elements must all have the same
// type), a number a float, a string a string, a boolean a bool and `null` a null.
builtin parse : (data: bytes) => A
