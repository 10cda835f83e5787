// Attributes before the package clause, imports and statements, with and without parameters.
@edition("2022.1")
package main

@registry("fluxlang.dev")
import "csv"

@feature({vectorization: true})
@deprecated
x = 1

@tag("a", "b")
y = 2
