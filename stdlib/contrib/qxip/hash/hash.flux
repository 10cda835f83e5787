// Package hash hashes strings (a contributed package). Each function takes a string (any
// other type is an error) and gives null for null.
package hash

// sha256 is the SHA-256 digest of `v` in lower-case hexadecimal.
builtin sha256 : (v: A) => string

// sha1 is the SHA-1 digest of `v` in lower-case hexadecimal.
builtin sha1 : (v: A) => string

// xxhash64 is the 64-bit xxHash (seed 0) of `v`, as a decimal string.
builtin xxhash64 : (v: A) => string

// cityhash64 is the 64-bit CityHash (version 1.0.2, as ClickHouse's `cityHash64`) of
// `v`, as a decimal string.
builtin cityhash64 : (v: A) => string

// b64 is `v` in URL-safe base64 (`-` and `_` for `+` and `/`), with `=` padding.
builtin b64 : (v: A) => string

// md5 is the MD5 digest of `v` in lower-case hexadecimal.
builtin md5 : (v: A) => string

// hmac is the HMAC-SHA1 of `v` keyed with `k`, in standard base64.
builtin hmac : (v: A, k: A) => string
