// Package record works with records whose properties are known only at run time.
package record

// any is an empty record that stands for a record of any type (a default value).
builtin any : A where A: Record

// get returns the property `key` of `r`, or `default` when `r` has no such property.
builtin get : (r: A, key: string, default: B) => B where A: Record
