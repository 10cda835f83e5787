// Package boolean names the two boolean values as package-level constants.
package boolean

// true holds the boolean value true.
builtin true : bool

// false holds the boolean value false.
builtin false : bool
