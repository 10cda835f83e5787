"""Drives tasks through a running `fluxi serve` with the real Python influxdb-client's
`tasks_api`: create (every and cron), find, run manually, runs and logs, update,
retry, cancel, delete; and a task whose token may not write its target bucket.

Environment: FLUXI_URL, FLUXI_TOKEN (all-access), FLUXI_ORG, FLUXI_BUCKET. The server
runs with a 1 s retry delay so failed runs finish quickly.
Prints `python tasks: N checks passed` and exits 0, or raises.
"""
import os
import time
from datetime import datetime, timedelta, timezone

from influxdb_client import (InfluxDBClient, Permission, PermissionResource,
                             TaskUpdateRequest)
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


def wait_finished(tasks, task_id, run_id, seconds=60):
    """The run once it is success, failed or canceled (polls; bounded)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        run = tasks.get_run(task_id, run_id)
        if run.status in ("success", "failed", "canceled"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {seconds} s")


def expect_status(status, f, what):
    try:
        f()
    except ApiException as e:
        check(e.status == status, f"{what}: status {e.status}, wanted {status}: {e.body}")
        return e
    raise AssertionError(f"{what}: no error, wanted {status}")


NOW = datetime.now(timezone.utc).replace(microsecond=0)
START = NOW - timedelta(minutes=30)

with InfluxDBClient(url=URL, token=TOKEN, org=ORG, timeout=30_000) as client:
    org = client.organizations_api().find_organizations(org=ORG)[0]
    tasks = client.tasks_api()
    buckets = client.buckets_api()
    hourly = buckets.create_bucket(bucket_name="hourly", org=ORG)

    # Points in the last 30 minutes, one per 5 minutes and host.
    points = []
    for h, base in (("a", 10.0), ("b", 20.0)):
        for i in range(6):
            t = int((START + timedelta(minutes=5 * i)).timestamp())
            points.append(f"cpu,host={h} usage={base + i} {t}")
    client.write_api(write_options=SYNCHRONOUS).write(BUCKET, ORG, points, write_precision="s")

    # ---- create_task_every: the options are read from the script ----
    flux = (f'from(bucket: "{BUCKET}")\n'
            '    |> range(start: -1h)\n'
            '    |> filter(fn: (r) => r._measurement == "cpu")\n'
            '    |> mean()\n'
            '    |> map(fn: (r) => ({r with _time: now()}))\n'
            '    |> to(bucket: "hourly")')
    task = tasks.create_task_every("cpu-mean", flux, "1h", org)
    check(task.id and len(task.id) == 16, f"task id {task.id!r}")
    check(task.name == "cpu-mean", f"name {task.name!r}")
    check(task.every == "1h", f"every {task.every!r}")
    check(task.cron is None, f"cron {task.cron!r}")
    check(task.status == "active", f"status {task.status!r}")
    check(task.org_id == org.id, f"orgID {task.org_id!r}")
    check('option task = {name: "cpu-mean", every: 1h}' in task.flux, task.flux)
    check(task.authorization_id, "the task has the authorization that created it")

    found = tasks.find_tasks(name="cpu-mean")
    check([t.id for t in found] == [task.id], f"find_tasks by name: {found}")
    check(tasks.find_task_by_id(task.id).flux == task.flux, "find_task_by_id")
    check(any(t.id == task.id for t in tasks.find_tasks(org_id=org.id)), "find_tasks by org")
    check(tasks.find_tasks(name="no-such-task") == [], "an unknown name finds nothing")
    expect_status(404, lambda: tasks.find_task_by_id("0123456789abcdef"), "unknown task id")

    # ---- a cron task, and a script whose options are invalid ----
    cron = tasks.create_task_cron("nightly", 'from(bucket: "x") |> range(start: -1d)',
                                  "0 2 * * *", org.id)
    check(cron.cron == "0 2 * * *" and cron.every is None, f"cron task: {cron.cron!r}")
    bad = expect_status(400, lambda: tasks.create_task_every("bad", "1 + 1", "500ms", org),
                        "every: 500ms")
    check("every option must be at least 1 second" in bad.body, bad.body)

    # ---- run it now: the means of the last hour land in "hourly" ----
    run = tasks.run_manually(task.id)
    check(run.task_id == task.id and run.status in ("scheduled", "started", "success"),
          f"manual run: {run.status}")
    run = wait_finished(tasks, task.id, run.id)
    check(run.status == "success", f"run status {run.status}: {tasks.get_run_logs(task.id, run.id)}")
    check(run.started_at is not None and run.finished_at is not None, "run times")
    check(run.requested_at is not None, "a manual run has requestedAt")

    tables = client.query_api().query(
        'from(bucket: "hourly") |> range(start: -1d, stop: 1d) |> group(columns: ["host"])'
        ' |> sort(columns: ["host"])', org=ORG)
    got = sorted((r.values["host"], r.get_value()) for t in tables for r in t.records)
    check(got == [("a", 12.5), ("b", 22.5)], f"hourly means: {got}")

    runs = tasks.get_runs(task.id)
    check([r.id for r in runs] == [run.id], f"runs: {[r.id for r in runs]}")
    logs = tasks.get_run_logs(task.id, run.id)
    messages = [e.message for e in logs]
    check(any("Completed(success)" in m for m in messages), f"run logs: {messages}")
    check(all(e.run_id == run.id for e in logs), "every event names its run")
    check(any("Completed(success)" in e.message for e in tasks.get_logs(task.id)), "task logs")
    done = tasks.find_task_by_id(task.id)
    check(done.last_run_status == "success", f"lastRunStatus {done.last_run_status}")
    check(done.latest_completed is not None, "latestCompleted")

    # A manual run for a given time: now() is that time.
    at = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    old = tasks.run_manually(task.id, scheduled_for=at)
    check(old.scheduled_for == at, f"scheduledFor {old.scheduled_for}")
    wait_finished(tasks, task.id, old.id)

    # ---- retry and cancel ----
    again = tasks.retry_run(task.id, run.id)
    check(again.id != run.id and again.scheduled_for == run.scheduled_for, "retry_run")
    again = wait_finished(tasks, task.id, again.id)
    check(again.status == "success", f"retried run {again.status}")
    expect_status(400, lambda: tasks.cancel_run(task.id, run.id), "cancel a finished run")
    check(len(tasks.get_runs(task.id)) == 3, "three runs now")
    check(len(tasks.get_runs(task.id, limit=1)) == 1, "runs limit")

    # ---- update: status, every (written into the script), description ----
    updated = tasks.update_task_request(task.id, TaskUpdateRequest(
        status="inactive", every="30m", description="half-hourly means"))
    check(updated.status == "inactive", f"status {updated.status}")
    check(updated.every == "30m", f"every {updated.every}")
    check('option task = {name: "cpu-mean", every: 30m}' in updated.flux, updated.flux)
    check(updated.description == "half-hourly means", "description")
    check([t.id for t in tasks.find_tasks(status="inactive")] == [task.id], "inactive listed")

    # ---- a token that may read the data but not write "hourly" ----
    auths = client.authorizations_api()
    limited = auths.create_authorization(org_id=org.id, permissions=[
        Permission(action="read", resource=PermissionResource(type="buckets", org_id=org.id)),
        Permission(action="write", resource=PermissionResource(type="tasks", org_id=org.id)),
        Permission(action="read", resource=PermissionResource(type="tasks", org_id=org.id)),
        Permission(action="read", resource=PermissionResource(type="orgs", id=org.id)),
    ])
    with InfluxDBClient(url=URL, token=limited.token, org=ORG, timeout=30_000) as other:
        theirs = other.tasks_api()
        denied = theirs.create_task_every("no-write", flux, "1h", org)
        check(denied.authorization_id == limited.id, "runs with the creating token")
        r = wait_finished(theirs, denied.id, theirs.run_manually(denied.id).id)
        check(r.status == "failed", f"status {r.status}")
        messages = [e.message for e in theirs.get_run_logs(denied.id, r.id)]
        check(any("permission_denied" in m and "hourly" in m for m in messages),
              f"the permission error is logged: {messages}")
        # Retried once (retry: 1; the server's retry delay is 1 s), then failed.
        check(sum("(attempt 1 of 2)" in m for m in messages) == 1
              and sum("(attempt 2 of 2)" in m for m in messages) == 1
              and sum("attempt 1 of 2 failed; retrying in 1s" in m for m in messages) == 1,
              f"retried once after 1 s: {messages}")
        check(theirs.find_task_by_id(denied.id).last_run_error, "lastRunError")

    # A token without task permissions neither sees nor makes tasks.
    reader = auths.create_authorization(org_id=org.id, permissions=[
        Permission(action="read", resource=PermissionResource(type="buckets", org_id=org.id)),
    ])
    with InfluxDBClient(url=URL, token=reader.token, org=ORG, timeout=30_000) as other:
        check(other.tasks_api().find_tasks() == [], "no task is visible without read:tasks")
        e = expect_status(401, lambda: other.tasks_api().find_task_by_id(task.id),
                          "reading a task needs read:tasks")
        check(f"read:orgs/{org.id}/tasks/{task.id} is unauthorized" in e.body, e.body)
        expect_status(401, lambda: other.tasks_api().create_task_every("x", flux, "1h", org),
                      "creating needs write:tasks")

    # ---- delete ----
    tasks.delete_task(task.id)
    expect_status(404, lambda: tasks.find_task_by_id(task.id), "a deleted task")
    expect_status(404, lambda: tasks.get_runs(task.id), "runs of a deleted task")
    check(task.id not in [t.id for t in tasks.find_tasks()], "not listed")

print(f"python tasks: {checks} checks passed")
