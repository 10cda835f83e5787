// A responder without one of the known prefixes is refused, naming it.
import "contrib/sranka/opsgenie"

x = opsgenie.respondersToJSON(v: ["user:ann", "group:ops"])
