// Package dynamic works with values whose type is known only when the program runs, such
// as parsed JSON. A `dynamic` value passes type checking anywhere a dynamic is expected;
// what is done with it is checked when it is done.
//
// Reading a property of a dynamic value (`d.name`) gives a dynamic value: the property of
// a dynamic record, or a dynamic null when the record has no such property; reading a
// property of anything else is an error. Indexing a dynamic array gives a dynamic
// element. The conversion functions (`int`, `string`, `bool`, ...) accept a dynamic value
// and convert what it holds.
package dynamic


// dynamic wraps `v` as a dynamic value. The elements of an array and the properties of a
// record are wrapped too; a value that is already dynamic is returned as it is.
builtin dynamic : (v: A) => dynamic

// asArray gives the elements of the dynamic array `v`; it fails when `v` holds anything
// else (or is null).
builtin asArray : (<-v: dynamic) => [dynamic]

// _isNotDistinct says whether two values display the same (nulls included); used by
// tests to compare dynamic values.
_isNotDistinct = (a, b) => display(v: a) == display(v: b)

// jsonParse reads the JSON text `data` as a dynamic value: objects become dynamic records,
// arrays dynamic arrays (their elements may differ in type), numbers floats, and `null`
// a dynamic null.
builtin jsonParse : (data: bytes) => dynamic

// jsonEncode writes the dynamic value `v` as JSON text (object keys sorted).
builtin jsonEncode : (v: dynamic) => bytes

// isType says whether the dynamic value `v` holds a value of `type`: one of "string",
// "bytes", "int", "uint", "float", "bool", "time", "duration", "regexp", "array",
// "object", "function", "dictionary" or "stream". A null holds no type: the answer is
// false (test for null with `exists`).
builtin isType : (v: dynamic, type: string) => bool
