// Package log adds lines to the log of the script's run: a task's run log on the server
// (`GET /api/v2/tasks/{id}/runs/{id}/logs`), standard error under `fluxi run`. Secret
// values are blotted out of every line.
package log

// info adds `message` to the run's log at level info and returns it.
builtin info : (message: string) => string

// warn adds `message` to the run's log at level warn and returns it.
builtin warn : (message: string) => string

// error adds `message` to the run's log at level error and returns it.
builtin error : (message: string) => string
