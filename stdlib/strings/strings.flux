// Package strings offers functions for inspecting and transforming string values.
package strings

// title upper-cases the first letter of every word in `v`.
builtin title : (v: string) => string

// toUpper converts every letter of `v` to upper case.
builtin toUpper : (v: string) => string

// toLower converts every letter of `v` to lower case.
builtin toLower : (v: string) => string

// trim strips every leading and trailing character of `v` that appears in `cutset`.
builtin trim : (v: string, cutset: string) => string

// trimPrefix removes `prefix` from the start of `v` when present.
builtin trimPrefix : (v: string, prefix: string) => string

// trimSpace strips leading and trailing whitespace from `v`.
builtin trimSpace : (v: string) => string

// trimSuffix removes `suffix` from the end of `v` when present.
builtin trimSuffix : (v: string, suffix: string) => string

// trimRight strips every trailing character of `v` that appears in `cutset`.
builtin trimRight : (v: string, cutset: string) => string

// trimLeft strips every leading character of `v` that appears in `cutset`.
builtin trimLeft : (v: string, cutset: string) => string

// toTitle maps every letter of `v` to its title-case form.
builtin toTitle : (v: string) => string

// hasPrefix reports whether `v` starts with `prefix`.
builtin hasPrefix : (v: string, prefix: string) => bool

// hasSuffix reports whether `v` ends with `suffix`.
builtin hasSuffix : (v: string, suffix: string) => bool

// containsStr reports whether `substr` occurs anywhere in `v`.
builtin containsStr : (v: string, substr: string) => bool

// containsAny reports whether any character of `chars` occurs in `v`.
builtin containsAny : (v: string, chars: string) => bool

// equalFold reports whether `v` and `t` are equal when case is ignored.
builtin equalFold : (v: string, t: string) => bool

// compare orders `v` and `t` lexically, giving -1, 0 or 1.
builtin compare : (v: string, t: string) => int

// countStr counts the non-overlapping occurrences of `substr` in `v`.
builtin countStr : (v: string, substr: string) => int

// index gives the position of the first occurrence of `substr` in `v`, or -1.
builtin index : (v: string, substr: string) => int

// indexAny gives the position of the first character of `v` found in `chars`, or -1.
builtin indexAny : (v: string, chars: string) => int

// lastIndex gives the position of the last occurrence of `substr` in `v`, or -1.
builtin lastIndex : (v: string, substr: string) => int

// lastIndexAny gives the position of the last character of `v` found in `chars`, or -1.
builtin lastIndexAny : (v: string, chars: string) => int

// isDigit reports whether the single character `v` is a decimal digit.
builtin isDigit : (v: string) => bool

// isLetter reports whether the single character `v` is a letter.
builtin isLetter : (v: string) => bool

// isLower reports whether the single character `v` is a lower-case letter.
builtin isLower : (v: string) => bool

// isUpper reports whether the single character `v` is an upper-case letter.
builtin isUpper : (v: string) => bool

// repeat concatenates `i` copies of `v`.
builtin repeat : (v: string, i: int) => string

// replace substitutes `u` for the first `i` occurrences of `t` in `v`.
builtin replace : (v: string, t: string, u: string, i: int) => string

// replaceAll substitutes `u` for every occurrence of `t` in `v`.
builtin replaceAll : (v: string, t: string, u: string) => string

// split breaks `v` at each occurrence of the separator `t`, dropping the separators.
builtin split : (v: string, t: string) => [string]

// splitAfter breaks `v` after each occurrence of `t`, keeping the separator at the end of each piece.
builtin splitAfter : (v: string, t: string) => [string]

// splitN breaks `v` at occurrences of `t` into at most `i` pieces.
builtin splitN : (v: string, t: string, i: int) => [string]

// splitAfterN breaks `v` after occurrences of `t` into at most `i` pieces, keeping the separators.
builtin splitAfterN : (v: string, t: string, i: int) => [string]

// joinStr glues the elements of `arr` together with `v` between each pair.
builtin joinStr : (arr: [string], v: string) => string

// strlen counts the Unicode characters in `v`.
builtin strlen : (v: string) => int

// substring returns the characters of `v` from index `start` up to, but not including, `end`.
builtin substring : (v: string, start: int, end: int) => string
