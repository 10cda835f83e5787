// Package secrets reads secrets from the engine's secret store (the server's, or the
// environment with `fluxi run --secrets-from-env PREFIX`). fluxi never prints a secret's
// value in an error, a log line or a plan.
package secrets

// get returns the value of the secret `key`; a key the store lacks is an error.
builtin get : (key: string) => string
