// contrib/qxip/clickhouse.query needs a ClickHouse server, which fluxi does not connect to.
import "contrib/qxip/clickhouse"

clickhouse.query(query: "SELECT 1")
