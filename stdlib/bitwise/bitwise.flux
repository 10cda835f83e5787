// Package bitwise operates on the bits of integers: the functions starting with `u` take
// and return unsigned integers, those starting with `s` signed ones.
package bitwise


// uand returns the bits set in both `a` and `b`.
builtin uand : (a: uint, b: uint) => uint
// uor returns the bits set in `a` or in `b`.
builtin uor : (a: uint, b: uint) => uint
// unot returns `a` with every bit flipped.
builtin unot : (a: uint) => uint
// uxor returns the bits set in exactly one of `a` and `b`.
builtin uxor : (a: uint, b: uint) => uint
// uclear returns `a` with the bits set in `b` cleared (and-not).
builtin uclear : (a: uint, b: uint) => uint
// ulshift shifts `a` left by `b` bits (0 once `b` is 64 or more).
builtin ulshift : (a: uint, b: uint) => uint
// urshift shifts `a` right by `b` bits (0 once `b` is 64 or more).
builtin urshift : (a: uint, b: uint) => uint

// sand returns the bits set in both `a` and `b` (two's complement).
builtin sand : (a: int, b: int) => int
// sor returns the bits set in `a` or in `b`.
builtin sor : (a: int, b: int) => int
// snot returns `a` with every bit flipped.
builtin snot : (a: int) => int
// sxor returns the bits set in exactly one of `a` and `b`.
builtin sxor : (a: int, b: int) => int
// sclear returns `a` with the bits set in `b` cleared (and-not).
builtin sclear : (a: int, b: int) => int
// slshift shifts `a` left by `b` bits (0 once `b` is 64 or more); a negative `b` is an
// error.
builtin slshift : (a: int, b: int) => int
// srshift shifts `a` right by `b` bits, keeping its sign (0 or -1 once `b` is 64 or
// more); a negative `b` is an error.
builtin srshift : (a: int, b: int) => int
