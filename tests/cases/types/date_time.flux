import "date"
import "timezone"

h = date.hour(t: now())
t = date.truncate(t: 2020-01-01T12:34:56Z, unit: 1h)
later = date.add(d: 1mo, to: 2020-01-31T00:00:00Z)
loc = timezone.location(name: "Europe/Paris")
