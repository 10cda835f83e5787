// Package types tells the type of a value at run time, for scripts that handle columns of
// more than one type (a field written as int by one writer and as float by another).
package types


// isType reports whether `v` is of the basic type named `type`: one of "string",
// "bytes", "int", "uint", "float", "bool", "time", "duration" or "regexp". Any other
// name is false.
builtin isType : (v: A, type: string) => bool where A: Basic

// isNumeric reports whether `v` is an int, a uint or a float.
isNumeric = (v) =>
    isType(v: v, type: "int") or isType(v: v, type: "uint") or isType(v: v, type: "float")
