// Package http sends HTTP requests from Flux. Requests go only where the engine's egress
// policy allows (none by default; see docs/egress.md).
package http

import "experimental"

// post sends `data` to `url` in a POST request with the string properties of `headers`
// as header lines, and returns the answer's status code. Redirects are not followed.
builtin post : (url: string, ?headers: A, ?data: bytes) => int where A: Record

// basicAuth returns the value of an `Authorization` header for HTTP Basic authentication
// with user `u` and password `p`.
builtin basicAuth : (u: string, p: string) => string

// pathEscape escapes `inputString` so that it can stand as one segment of a URL path.
builtin pathEscape : (inputString: string) => string

// endpoint returns a notification endpoint for `url`: given `mapFn`, which turns a row
// into `{headers, data}`, it returns a function that posts one request per row of its
// input and adds `_status` (the status code) and `_sent` ("true" when it was 200) to each
// row, `_sent` joining the group key.
endpoint = (url) =>
    (mapFn) =>
        (tables=<-) =>
            tables
                |> map(
                    fn: (r) => {
                        request = mapFn(r: r)
                        code = post(url: url, headers: request.headers, data: request.data)

                        return {r with _status: string(v: code), _sent: string(v: code == 200)}
                    },
                )
                |> experimental.group(mode: "extend", columns: ["_sent"])
