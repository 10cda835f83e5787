import "strings"
x = strings
