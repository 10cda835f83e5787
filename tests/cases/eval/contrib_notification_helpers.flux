// The parts of contributed notification packages that need no service: BigPanda statuses
// from levels (any case; unknown levels are critical), Opsgenie responders as JSON (with
// `<` escaped as Go's encoder does), Sensu names (each other character becomes `_`, the
// empty name `_`), and the packages' option defaults.
import "array"
import "contrib/rhajek/bigpanda"
import "contrib/sranka/opsgenie"
import "contrib/sranka/sensu"
import "contrib/sranka/teams"
import "contrib/sranka/telegram"
import "contrib/chobbs/discord"
import "contrib/qxip/clickhouse"
import "contrib/qxip/logql"

array.from(
    rows: [
        {level: "ok", status: bigpanda.statusFromLevel(level: "ok")},
        {level: "INFO", status: bigpanda.statusFromLevel(level: "INFO")},
        {level: "Warn", status: bigpanda.statusFromLevel(level: "Warn")},
        {level: "crit", status: bigpanda.statusFromLevel(level: "crit")},
        {level: "unknown", status: bigpanda.statusFromLevel(level: "unknown")},
    ],
) |> yield(name: "bigpanda")

array.from(
    rows: [
        {
            responders: opsgenie.respondersToJSON(
                v: ["user:ann@example.com", "team:ops", "escalation:night", "schedule:<rota>"],
            ),
            none: opsgenie.respondersToJSON(v: []),
        },
    ],
) |> yield(name: "opsgenie")

array.from(
    rows: [
        {name: sensu.toSensuName(v: "cpu check: host=a,b")},
        {name: sensu.toSensuName(v: "ok_name-1.2")},
        {name: sensu.toSensuName(v: "ünï")},
        {name: sensu.toSensuName(v: "")},
    ],
) |> yield(name: "sensu")

array.from(
    rows: [
        {name: "bigpanda.defaultUrl", value: bigpanda.defaultUrl},
        {name: "bigpanda.defaultTokenPrefix", value: bigpanda.defaultTokenPrefix},
        {name: "teams.summaryCutoff", value: string(v: teams.summaryCutoff)},
        {name: "telegram.defaultURL", value: telegram.defaultURL},
        {name: "telegram.defaultParseMode", value: telegram.defaultParseMode},
        {name: "telegram.defaultSilent", value: string(v: telegram.defaultSilent)},
        {
            name: "telegram.defaultDisableWebPagePreview",
            value: string(v: telegram.defaultDisableWebPagePreview),
        },
        {name: "discord.discordURL", value: discord.discordURL},
        {name: "clickhouse.defaultURL", value: clickhouse.defaultURL},
        {name: "logql.defaultURL", value: logql.defaultURL},
        {name: "logql.defaultAPI", value: logql.defaultAPI},
    ],
) |> yield(name: "options")
