// Package doc comment.
package example

// The strings package.
import "strings" // trailing on import

// A constant.
a = 1 // one
// dangling between statements

b = 2
c = f(
    // the first argument
    x: 1, // trailing on x
    y: 2,
    // before the close
)
// moved before the statement
d = 1 + 2
// at the end of the file
