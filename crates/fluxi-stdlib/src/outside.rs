//! Declared functions that need an outside service fluxi does not connect to: each fails
//! with `not supported: PKG.NAME (needs SERVICE)` (`fluxi::eval::not_supported`), so a
//! script that mentions one type-checks and says plainly what is missing when it runs.

use fluxi_eval::Registry;

/// (package, function, the service it needs).
const NEEDS_SERVICE: &[(&str, &str, &str)] = &[
    ("experimental/iox", "from", "an InfluxDB IOx server"),
    ("experimental/iox", "sql", "an InfluxDB IOx server"),
    ("contrib/qxip/clickhouse", "query", "a ClickHouse server"),
    ("contrib/qxip/logql", "query_range", "a Loki server"),
    ("contrib/bonitoo-io/alerta", "alert", ALERTA),
    ("contrib/bonitoo-io/alerta", "endpoint", ALERTA),
    ("contrib/bonitoo-io/servicenow", "event", SERVICENOW),
    ("contrib/bonitoo-io/servicenow", "endpoint", SERVICENOW),
    ("contrib/bonitoo-io/victorops", "alert", VICTOROPS),
    ("contrib/bonitoo-io/victorops", "endpoint", VICTOROPS),
    ("contrib/bonitoo-io/zenoss", "event", ZENOSS),
    ("contrib/bonitoo-io/zenoss", "endpoint", ZENOSS),
    ("contrib/chobbs/discord", "send", DISCORD),
    ("contrib/chobbs/discord", "endpoint", DISCORD),
    ("contrib/rhajek/bigpanda", "sendAlert", BIGPANDA),
    ("contrib/rhajek/bigpanda", "endpoint", BIGPANDA),
    ("contrib/sranka/opsgenie", "sendAlert", OPSGENIE),
    ("contrib/sranka/opsgenie", "endpoint", OPSGENIE),
    ("contrib/sranka/sensu", "event", SENSU),
    ("contrib/sranka/sensu", "endpoint", SENSU),
    ("contrib/sranka/teams", "message", TEAMS),
    ("contrib/sranka/teams", "endpoint", TEAMS),
    ("contrib/sranka/telegram", "message", TELEGRAM),
    ("contrib/sranka/telegram", "endpoint", TELEGRAM),
    ("contrib/sranka/webexteams", "message", WEBEX),
    ("contrib/sranka/webexteams", "endpoint", WEBEX),
];

// Notification services: fluxi has no sender for their APIs (`http.post` can reach them).
const ALERTA: &str = "Alerta's alert API";
const SERVICENOW: &str = "ServiceNow's event API";
const VICTOROPS: &str = "VictorOps' REST integration";
const ZENOSS: &str = "Zenoss' events router";
const DISCORD: &str = "Discord's webhook API";
const BIGPANDA: &str = "BigPanda's alerts API";
const OPSGENIE: &str = "Opsgenie's alert API";
const SENSU: &str = "Sensu's events API";
const TEAMS: &str = "a Microsoft Teams webhook";
const TELEGRAM: &str = "Telegram's bot API";
const WEBEX: &str = "Webex Teams' messages API";

pub fn register(r: &mut Registry) {
    for (package, name, needs) in NEEDS_SERVICE {
        r.unsupported(*package, *name, needs);
    }
}
