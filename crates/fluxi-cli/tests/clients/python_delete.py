"""Deletes points through a running `fluxi serve` with the real Python influxdb-client's
`delete_api` (POST /api/v2/delete).

Environment: FLUXI_URL, FLUXI_TOKEN (all-access), FLUXI_ORG, FLUXI_BUCKET.
Prints `python delete: N checks passed` and exits 0, or raises.
"""
import os
from datetime import datetime, timedelta, timezone

from influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException

URL = os.environ["FLUXI_URL"]
TOKEN = os.environ["FLUXI_TOKEN"]
ORG = os.environ["FLUXI_ORG"]
BUCKET = os.environ["FLUXI_BUCKET"]
checks = 0


def check(cond, what):
    global checks
    if not cond:
        raise AssertionError(what)
    checks += 1


T0 = datetime(2024, 3, 1, 0, 0, 0, tzinfo=timezone.utc)
T0_S = int(T0.timestamp())

with InfluxDBClient(url=URL, token=TOKEN, org=ORG, timeout=30_000) as client:
    client.write_api(write_options=SYNCHRONOUS).write(
        BUCKET, ORG,
        [f"del,host={h} v={i} {T0_S + 10 * i}" for h in ("a", "b") for i in range(3)],
        write_precision="s")

    def counts():
        tables = client.query_api().query(
            f'from(bucket: "{BUCKET}") |> range(start: 2024-03-01T00:00:00Z, stop: 2024-03-02T00:00:00Z)'
            ' |> filter(fn: (r) => r._measurement == "del") |> count()', org=ORG)
        return {t.records[0].values["host"]: t.records[0].get_value() for t in tables}

    check(counts() == {"a": 3, "b": 3}, f"written {counts()}")

    deletes = client.delete_api()
    # datetimes (sent as RFC 3339 with +00:00); both ends are included.
    deletes.delete(T0 + timedelta(seconds=10), T0 + timedelta(seconds=20),
                   '_measurement="del" AND host="a"', bucket=BUCKET, org=ORG)
    check(counts() == {"a": 1, "b": 3}, f"after deleting host a {counts()}")

    # Strings, one instant.
    deletes.delete("2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z", 'host="b"', bucket=BUCKET, org=ORG)
    check(counts() == {"a": 1, "b": 2}, f"after deleting one point of b {counts()}")

    try:
        deletes.delete(T0, T0 + timedelta(hours=1), 'host="a" OR host="b"', bucket=BUCKET, org=ORG)
        check(False, "OR raised")
    except ApiException as e:
        check(e.status == 400 and "OR is not supported" in e.body, f"OR refused: {e.status} {e.body}")
    check(counts() == {"a": 1, "b": 2}, "a refused delete deletes nothing")

print(f"python delete: {checks} checks passed")
