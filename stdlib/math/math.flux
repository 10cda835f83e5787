// Package math provides mathematical constants and floating-point functions.
package math

// pi is the ratio of a circle's circumference to its diameter.
builtin pi : float

// e is the base of natural logarithms.
builtin e : float

// phi is the golden ratio.
builtin phi : float

// sqrt2 is the square root of 2.
builtin sqrt2 : float

// sqrte is the square root of e.
builtin sqrte : float

// sqrtpi is the square root of pi.
builtin sqrtpi : float

// sqrtphi is the square root of phi.
builtin sqrtphi : float

// ln2 is the natural logarithm of 2.
builtin ln2 : float

// log2e is the base-2 logarithm of e.
builtin log2e : float

// ln10 is the natural logarithm of 10.
builtin ln10 : float

// log10e is the base-10 logarithm of e.
builtin log10e : float

// maxfloat is the largest finite float value.
builtin maxfloat : float

// smallestNonzeroFloat is the smallest positive float value.
builtin smallestNonzeroFloat : float

// maxint is the largest int value.
builtin maxint : int

// minint is the smallest int value.
builtin minint : int

// maxuint is the largest uint value.
builtin maxuint : uint

// abs gives the absolute value of `x`.
builtin abs : (x: float) => float

// acos gives the arccosine of `x` in radians.
builtin acos : (x: float) => float

// acosh gives the inverse hyperbolic cosine of `x`.
builtin acosh : (x: float) => float

// asin gives the arcsine of `x` in radians.
builtin asin : (x: float) => float

// asinh gives the inverse hyperbolic sine of `x`.
builtin asinh : (x: float) => float

// atan gives the arctangent of `x` in radians.
builtin atan : (x: float) => float

// atan2 gives the arctangent of `y`/`x`, using both signs to pick the quadrant.
builtin atan2 : (y: float, x: float) => float

// atanh gives the inverse hyperbolic tangent of `x`.
builtin atanh : (x: float) => float

// cbrt gives the cube root of `x`.
builtin cbrt : (x: float) => float

// ceil rounds `x` up to the nearest integral float.
builtin ceil : (x: float) => float

// copysign gives a float with the magnitude of `x` and the sign of `y`.
builtin copysign : (x: float, y: float) => float

// cos gives the cosine of the angle `x` in radians.
builtin cos : (x: float) => float

// cosh gives the hyperbolic cosine of `x`.
builtin cosh : (x: float) => float

// dim gives `x` - `y` when that is positive and 0 otherwise.
builtin dim : (x: float, y: float) => float

// erf gives the error function of `x`.
builtin erf : (x: float) => float

// erfc gives the complementary error function of `x`.
builtin erfc : (x: float) => float

// erfcinv gives the inverse of the complementary error function at `x`.
builtin erfcinv : (x: float) => float

// erfinv gives the inverse of the error function at `x`.
builtin erfinv : (x: float) => float

// exp raises e to the power `x`.
builtin exp : (x: float) => float

// exp2 raises 2 to the power `x`.
builtin exp2 : (x: float) => float

// expm1 gives e to the power `x`, minus one, accurately for small `x`.
builtin expm1 : (x: float) => float

// float64bits exposes the IEEE 754 bit pattern of `f` as a uint.
builtin float64bits : (f: float) => uint

// float64frombits reinterprets the IEEE 754 bit pattern `b` as a float.
builtin float64frombits : (b: uint) => float

// floor rounds `x` down to the nearest integral float.
builtin floor : (x: float) => float

// frexp splits `f` into a fraction in [0.5, 1) and a power-of-two exponent.
builtin frexp : (f: float) => {frac: float, exp: int}

// gamma gives the Gamma function of `x`.
builtin gamma : (x: float) => float

// hypot gives the square root of `p`*`p` + `q`*`q` without needless overflow.
builtin hypot : (p: float, q: float) => float

// ilogb gives the binary exponent of `x` as an int.
builtin ilogb : (x: float) => int

// mInf gives positive infinity when `sign` is zero or positive, negative infinity otherwise.
builtin mInf : (sign: int) => float

// isInf reports whether `f` is an infinity whose sign matches `sign` (either sign when `sign` is 0).
builtin isInf : (f: float, sign: int) => bool

// isNaN reports whether `f` is a not-a-number value.
builtin isNaN : (f: float) => bool

// j0 gives the order-zero Bessel function of the first kind at `x`.
builtin j0 : (x: float) => float

// j1 gives the order-one Bessel function of the first kind at `x`.
builtin j1 : (x: float) => float

// jn gives the order-`n` Bessel function of the first kind at `x`.
builtin jn : (n: int, x: float) => float

// ldexp multiplies `frac` by 2 raised to `exp`.
builtin ldexp : (frac: float, exp: int) => float

// lgamma gives the natural logarithm of the absolute Gamma function of `x`, with the sign of Gamma.
builtin lgamma : (x: float) => {lgamma: float, sign: int}

// log gives the natural logarithm of `x`.
builtin log : (x: float) => float

// log10 gives the base-10 logarithm of `x`.
builtin log10 : (x: float) => float

// log1p gives the natural logarithm of 1 + `x`, accurately for small `x`.
builtin log1p : (x: float) => float

// log2 gives the base-2 logarithm of `x`.
builtin log2 : (x: float) => float

// logb gives the binary exponent of `x` as a float.
builtin logb : (x: float) => float

// mMax gives the larger of `x` and `y`.
builtin mMax : (x: float, y: float) => float

// mMin gives the smaller of `x` and `y`.
builtin mMin : (x: float, y: float) => float

// mod gives the floating-point remainder of `x`/`y`, with the sign of `x`.
builtin mod : (x: float, y: float) => float

// modf splits `f` into its integer and fractional parts, both with the sign of `f`.
builtin modf : (f: float) => {int: float, frac: float}

// NaN produces a not-a-number float.
builtin NaN : () => float

// nextafter gives the next representable float after `x` in the direction of `y`.
builtin nextafter : (x: float, y: float) => float

// pow raises `x` to the power `y`.
builtin pow : (x: float, y: float) => float

// pow10 raises 10 to the integer power `n`.
builtin pow10 : (n: int) => float

// remainder gives the IEEE 754 remainder of `x`/`y`.
builtin remainder : (x: float, y: float) => float

// round rounds `x` to the nearest integral float, with halves going away from zero.
builtin round : (x: float) => float

// roundtoeven rounds `x` to the nearest integral float, with halves going to the even neighbour.
builtin roundtoeven : (x: float) => float

// signbit is true when the sign bit of `x` is set, as for negative numbers and -0.0.
builtin signbit : (x: float) => bool

// sin gives the sine of the angle `x` in radians.
builtin sin : (x: float) => float

// sincos gives both the sine and the cosine of `x`.
builtin sincos : (x: float) => {sin: float, cos: float}

// sinh gives the hyperbolic sine of `x`.
builtin sinh : (x: float) => float

// sqrt gives the square root of `x`.
builtin sqrt : (x: float) => float

// tan gives the tangent of the angle `x` in radians.
builtin tan : (x: float) => float

// tanh gives the hyperbolic tangent of `x`.
builtin tanh : (x: float) => float

// trunc drops the fractional part of `x`.
builtin trunc : (x: float) => float

// y0 gives the order-zero Bessel function of the second kind at `x`.
builtin y0 : (x: float) => float

// y1 gives the order-one Bessel function of the second kind at `x`.
builtin y1 : (x: float) => float

// yn gives the order-`n` Bessel function of the second kind at `x`.
builtin yn : (n: int, x: float) => float
