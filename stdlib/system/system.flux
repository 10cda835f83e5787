// Package system exposes values read from the host system, such as its clock.
package system

// time returns the host's current wall-clock time each time it is called.
builtin time : () => time
