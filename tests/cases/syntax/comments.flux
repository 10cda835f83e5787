// Comments anywhere: leading, trailing, between tokens, at end of file.
x = 1 // trailing
// between statements
y = [
    1, // after an element
    // on its own line
    2,
]
z = f(
    // before an argument
    a: 1,
)
s = "// not a comment"
r = /\/\/ not a comment either/
// last
