// Package hex converts values to and from hexadecimal text (a contributed package). A
// null argument gives null.
package hex

// int reads hexadecimal text as an int: digits with an optional sign (`-1f` is -31), or
// after a `0x` prefix (`0xff`), or after `-0x`/`+0x` (where `_` may separate digits).
builtin int : (v: string) => int

// string writes `v` as text: an int or uint in lower-case hexadecimal (`-1f`, `ff`),
// bytes as two hex digits each, a string as it is, and other values in decimal or their
// usual text (floats in full decimal, times as `2021-01-01 00:00:00 +0000 UTC`, durations
// as Flux writes them).
builtin string : (v: A) => string

// uint reads hexadecimal digits, with an optional `0x` prefix, as a uint.
builtin uint : (v: string) => uint

// bytes reads pairs of hexadecimal digits (either case) as bytes; odd-length text or a
// character that is not a hex digit is an error.
builtin bytes : (v: string) => bytes
