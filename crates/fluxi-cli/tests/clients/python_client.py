"""Drives a running `fluxi serve` with the real Python influxdb-client.

Environment: FLUXI_URL, FLUXI_TOKEN (all-access), FLUXI_ORG, FLUXI_BUCKET.
Prints `python client: N checks passed` and exits 0, or raises.
"""
import gzip
import os
from datetime import datetime, timezone

from influxdb_client import InfluxDBClient, Point, WritePrecision, BucketRetentionRules
from influxdb_client.client.write_api import SYNCHRONOUS, WriteOptions
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.rest import ApiException
from influxdb_client.domain.authorization import Authorization
from influxdb_client.domain.permission import Permission
from influxdb_client.domain.permission_resource import PermissionResource

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


T0 = datetime(2024, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
T0_NS = 1704067200 * 10**9

with InfluxDBClient(url=URL, token=TOKEN, org=ORG, timeout=30_000) as client:
    check(client.ping(), "ping")
    check(client.health().status == "pass", "health")
    check(client.version() != "unknown", "version header")

    # Points, synchronously.
    write = client.write_api(write_options=SYNCHRONOUS)
    write.write(BUCKET, ORG, [
        Point("cpu").tag("host", "a").field("usage", 10.0).time(T0, WritePrecision.NS),
        Point("cpu").tag("host", "a").field("usage", 20.0).time(T0_NS + 10 * 10**9, WritePrecision.NS),
        Point("cpu").tag("host", "b").field("usage", 5.0).time(T0_NS, WritePrecision.NS),
    ])
    # Raw line protocol, seconds.
    write.write(BUCKET, ORG, "cpu,host=b usage=7 1704067210", write_precision=WritePrecision.S)

    # Batching mode: flushed on close.
    with client.write_api(write_options=WriteOptions(batch_size=2, flush_interval=200)) as batch:
        for i in range(5):
            batch.write(BUCKET, ORG, Point("mem").tag("host", "a").field("used", i).time(T0_NS + i, WritePrecision.NS))

    query = f'''
from(bucket: "{BUCKET}")
    |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T01:00:00Z)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage")
    |> mean()
    |> yield(name: "avg_cpu_usage")
'''
    tables = client.query_api().query(query, org=ORG)
    check(len(tables) == 2, f"two tables, got {len(tables)}")
    means = {}
    for table in tables:
        keys = [c.label for c in table.get_group_key()]
        check("host" in keys and "_field" in keys, f"group key {keys}")
        for rec in table.records:
            check(rec["result"] == "avg_cpu_usage", "result name")
            check(rec.get_field() == "usage" and rec.get_measurement() == "cpu", "accessors")
            check(rec.get_start() == T0, f"start {rec.get_start()}")
            means[rec.values["host"]] = rec.get_value()
    check(means == {"a": 15.0, "b": 6.0}, f"means {means}")

    # params travel in `extern`.
    p = client.query_api().query(
        'from(bucket: bkt) |> range(start: start) |> filter(fn: (r) => r._measurement == "mem") |> count()',
        org=ORG, params={"bkt": BUCKET, "start": T0})
    check(p[0].records[0].get_value() == 5, "batched points and params")

    stream = list(client.query_api().query_stream(query, org=ORG))
    check(sorted(r.get_value() for r in stream) == [6.0, 15.0], "query_stream")
    rows = list(client.query_api().query_csv(query, org=ORG))
    check(rows[0][0] == "#datatype" and rows[3][:3] == ["", "result", "table"], f"query_csv {rows[:4]}")
    try:
        import pandas  # noqa: F401
        df = client.query_api().query_data_frame(query, org=ORG)
        check(sorted(df["_value"].tolist()) == [6.0, 15.0], "data frame")
    except ImportError:
        pass

    # Errors.
    try:
        client.query_api().query('from(bucket: "no-such-bucket") |> range(start: -1h)', org=ORG)
        check(False, "missing bucket raised")
    except ApiException as e:
        check(e.status == 404, f"404 for a missing bucket, got {e.status}")

    # Buckets, orgs, authorizations.
    orgs = client.organizations_api().find_organizations()
    org = [o for o in orgs if o.name == ORG][0]
    buckets = client.buckets_api()
    other = buckets.create_bucket(bucket_name="py-other", org=ORG,
                                  retention_rules=BucketRetentionRules(type="expire", every_seconds=3600))
    check(other.retention_rules[0].every_seconds == 3600, "retention rule")
    check(buckets.find_bucket_by_name("py-other").id == other.id, "find by name")
    mine = buckets.find_bucket_by_name(BUCKET)
    auths = client.authorizations_api()
    scoped = auths.create_authorization(org_id=org.id, permissions=[
        Permission(action="read", resource=PermissionResource(type="buckets", id=mine.id, org_id=org.id)),
        Permission(action="write", resource=PermissionResource(type="buckets", id=mine.id, org_id=org.id)),
    ])
    check(scoped.token, "a new token is returned")
    check(any(a.id == scoped.id for a in auths.find_authorizations()), "listed")

    with InfluxDBClient(url=URL, token=scoped.token, org=ORG) as limited:
        ok = limited.query_api().query(query, org=ORG)
        check(len(ok) == 2, "the scoped token reads its bucket")
        try:
            limited.query_api().query('from(bucket: "py-other") |> range(start: -1h)', org=ORG)
            check(False, "reading another bucket raised")
        except ApiException as e:
            check(e.status in (403, 404), f"refused with {e.status}")
        try:
            limited.write_api(write_options=SYNCHRONOUS).write("py-other", ORG, "m v=1")
            check(False, "writing another bucket raised")
        except ApiException as e:
            check(e.status == 403, f"write refused with {e.status}")
        names = [b.name for b in limited.buckets_api().find_buckets().buckets]
        check(names == [BUCKET], f"scoped bucket list {names}")

    auths.delete_authorization(scoped)
    with InfluxDBClient(url=URL, token=scoped.token, org=ORG) as gone:
        try:
            gone.query_api().query(query, org=ORG)
            check(False, "a deleted token raised")
        except ApiException as e:
            check(e.status == 401, f"deleted token gets {e.status}")

    buckets.delete_bucket(other)
    check(buckets.find_bucket_by_name("py-other") is None, "deleted bucket")

    # gzip writes.
    with InfluxDBClient(url=URL, token=TOKEN, org=ORG, enable_gzip=True) as zipped:
        zipped.write_api(write_options=SYNCHRONOUS).write(
            BUCKET, ORG, [f"gz,i={i} v={i} {T0_NS}" for i in range(300)])
        n = zipped.query_api().query(
            f'from(bucket: "{BUCKET}") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) '
            '|> filter(fn: (r) => r._measurement == "gz") |> group() |> count()', org=ORG)
        check(n[0].records[0].get_value() == 300, "gzip write and query")

print(f"python client: {checks} checks passed")
