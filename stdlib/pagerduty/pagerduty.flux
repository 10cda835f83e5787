// Package pagerduty sends events to PagerDuty's Events API v2. Requests go only where
// the engine's egress policy allows (see docs/egress.md).
package pagerduty

import "experimental/record"
import "http/requests"
import "json"
import "strings"

// dedupKey adds `_pagerdutyDedupKey` to every row: the hex SHA-256 of the table's group
// key (columns sorted by name, `exclude` left out; by default `_start`, `_stop` and
// `_level`), so that every event of one series has the same key.
builtin dedupKey : (<-tables: stream[A], ?exclude: [string]) => stream[{A with _pagerdutyDedupKey: string}]

// defaultURL is PagerDuty's Events API v2.
option defaultURL = "https://events.pagerduty.com/v2/enqueue"

// severityFromLevel maps a check level to a PagerDuty severity: crit is critical, warn
// is warning, info and ok are info, anything else is error.
severityFromLevel = (level) => {
    l = strings.toLower(v: level)

    return
        if l == "crit" then
            "critical"
        else if l == "warn" then
            "warning"
        else if l == "info" or l == "ok" then
            "info"
        else
            "error"
}

// actionFromSeverity returns "resolve" for the severity ok and "trigger" otherwise.
actionFromSeverity = (severity) => if strings.toLower(v: severity) == "ok" then "resolve" else "trigger"

// actionFromLevel returns "resolve" for the level ok and "trigger" otherwise.
actionFromLevel = (level) => if strings.toLower(v: level) == "ok" then "resolve" else "trigger"

// _sendEvent sends one event and returns the whole answer.
_sendEvent = (
        pagerdutyURL=defaultURL,
        routingKey,
        client,
        clientURL,
        dedupKey,
        class,
        group,
        severity,
        eventAction,
        source,
        component="",
        summary,
        timestamp,
        customDetails=record.any,
    ) =>
    {
        payload = {
            summary: strings.substring(v: summary, start: 0, end: 1023),
            timestamp: timestamp,
            source: source,
            component: component,
            severity: severity,
            group: group,
            class: class,
        }
        event = {
            payload: payload,
            routing_key: routingKey,
            dedup_key: dedupKey,
            event_action: eventAction,
            client: client,
            client_url: clientURL,
        }
        body =
            if customDetails == record.any then
                json.encode(v: event)
            else
                json.encode(v: {event with payload: {payload with custom_details: customDetails}})

        return
            requests.do(
                method: "POST",
                url: pagerdutyURL,
                body: body,
                headers: [
                    "Accept": "application/vnd.pagerduty+json;version=2",
                    "Content-Type": "application/json",
                ],
            )
    }

// sendEvent sends one event and returns the answer's status code.
sendEvent = (
        pagerdutyURL=defaultURL,
        routingKey,
        client,
        clientURL,
        dedupKey,
        class,
        group,
        severity,
        eventAction,
        source,
        component="",
        summary,
        timestamp,
        customDetails=record.any,
    ) =>
    _sendEvent(
        pagerdutyURL: pagerdutyURL,
        routingKey: routingKey,
        client: client,
        clientURL: clientURL,
        dedupKey: dedupKey,
        class: class,
        group: group,
        severity: severity,
        eventAction: eventAction,
        source: source,
        component: component,
        summary: summary,
        timestamp: timestamp,
        customDetails: customDetails,
    ).statusCode

// endpoint returns a notification endpoint: given `mapFn`, which turns a row into the
// event's fields (`routingKey`, `client`, `clientURL`, `class`, `group`, `severity`,
// `eventAction`, `source`, `summary`, `timestamp`, and optionally `component` and
// `customDetails`), it returns a function that sends one event per row of its input,
// keyed by `dedupKey()`, and adds `_sent`, `_status` and `_body` to each row.
endpoint = (url=defaultURL) =>
    (mapFn) =>
        (tables=<-) =>
            tables
                |> dedupKey()
                |> map(
                    fn: (r) => {
                        e = mapFn(r: r)
                        answer =
                            _sendEvent(
                                pagerdutyURL: url,
                                routingKey: e.routingKey,
                                client: e.client,
                                clientURL: e.clientURL,
                                dedupKey: r._pagerdutyDedupKey,
                                class: e.class,
                                group: e.group,
                                severity: e.severity,
                                eventAction: e.eventAction,
                                source: e.source,
                                component: record.get(r: e, key: "component", default: ""),
                                summary: e.summary,
                                timestamp: e.timestamp,
                                customDetails:
                                    record.get(r: e, key: "customDetails", default: record.any),
                            )

                        return {r with
                            _sent: string(v: answer.statusCode / 100 == 2),
                            _status: string(v: answer.statusCode),
                            _body: string(v: answer.body),
                        }
                    },
                )
