// Package regexp offers functions for building and applying regular expressions.
package regexp

// compile parses the string `v` into a regular expression.
builtin compile : (v: string) => regexp

// quoteMeta escapes every regular-expression metacharacter in `v` so it matches literally.
builtin quoteMeta : (v: string) => string

// findString returns the leftmost match of `r` in `v`, or an empty string.
builtin findString : (r: regexp, v: string) => string

// findStringIndex returns the start and end positions of the leftmost match of `r` in `v`.
builtin findStringIndex : (r: regexp, v: string) => [int]

// matchRegexpString reports whether `r` matches somewhere in `v`.
builtin matchRegexpString : (r: regexp, v: string) => bool

// replaceAllString replaces every match of `r` in `v` with the template `t`.
builtin replaceAllString : (r: regexp, v: string, t: string) => string

// splitRegexp splits `v` around matches of `r` into at most `i` pieces (all pieces when `i` is negative).
builtin splitRegexp : (r: regexp, v: string, i: int) => [string]

// getString returns the source text of the regular expression `r`.
builtin getString : (r: regexp) => string
