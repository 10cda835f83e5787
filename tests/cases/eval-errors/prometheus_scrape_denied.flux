import "experimental/prometheus"

// The golden engine allows no egress: the request is refused before any connection.
prometheus.scrape(url: "http://127.0.0.1:9/metrics")
