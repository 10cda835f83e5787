// Package requests sends HTTP requests of any method and returns their whole answers.
// Requests go only where the engine's egress policy allows (see docs/egress.md).
package requests

import "array"

// _noBody is the body of a request that has none.
_noBody = bytes(v: "")

// defaultConfig is the configuration of requests that give none: `timeout` 0s means the
// engine's limit on one request (which also caps any longer timeout), and
// `insecureSkipVerify` must stay false (fluxi always checks certificates).
option defaultConfig = {timeout: 0s, insecureSkipVerify: false}

// _do sends one request and returns its status code, body, headers and duration.
builtin _do : (
        method: string,
        url: string,
        ?params: [string:[string]],
        ?headers: [string:string],
        ?body: bytes,
        config: {A with timeout: duration, insecureSkipVerify: bool},
    ) => {statusCode: int, body: bytes, headers: [string:string], duration: duration}

// do sends a request with `method` to `url`, adding `params` to its query.
do = (
        method,
        url,
        params=[:],
        headers=[:],
        body=_noBody,
        config=defaultConfig,
    ) =>
    _do(method: method, url: url, params: params, headers: headers, body: body, config: config)

// post sends a POST request.
post = (url, params=[:], headers=[:], body=_noBody, config=defaultConfig) =>
    do(method: "POST", url: url, params: params, headers: headers, body: body, config: config)

// get sends a GET request.
get = (url, params=[:], headers=[:], body=_noBody, config=defaultConfig) =>
    do(method: "GET", url: url, params: params, headers: headers, body: body, config: config)

// peek turns an answer into a table of one row: status code, body as a string, headers
// as displayed, and duration in nanoseconds.
peek = (response) =>
    array.from(
        rows: [
            {
                statusCode: response.statusCode,
                body: string(v: response.body),
                headers: display(v: response.headers),
                duration: int(v: response.duration),
            },
        ],
    )
