"""The Python influxdb-client over HTTPS: onboarding, a write and a query against a
`fluxi serve --tls-cert --tls-key`, trusting only the test's certificate (FLUXI_CA)."""

import os
import sys

from influxdb_client import InfluxDBClient, Point
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.onboarding_request import OnboardingRequest
from influxdb_client.service.setup_service import SetupService

url = os.environ["FLUXI_URL"]
ca = os.environ["FLUXI_CA"]
checks = 0


def check(ok, what):
    global checks
    if not ok:
        print("FAILED:", what)
        sys.exit(1)
    checks += 1


with InfluxDBClient(url=url, token="none-yet", ssl_ca_cert=ca) as anonymous:
    check(anonymous.ping(), "ping over https")
    done = SetupService(anonymous.api_client).post_setup(
        onboarding_request=OnboardingRequest(
            username="ann", password="password123", org="acme", bucket="secure"
        )
    )
    token = done.auth.token
    check(bool(token), "setup over https returns a token")

with InfluxDBClient(url=url, token=token, org="acme", ssl_ca_cert=ca) as client:
    client.write_api(write_options=SYNCHRONOUS).write(
        bucket="secure", record=Point("tls").field("v", 42.5).time(1_000_000_000)
    )
    tables = client.query_api().query(
        'from(bucket: "secure") |> range(start: 0) |> filter(fn: (r) => r._measurement == "tls")'
    )
    values = [r.get_value() for t in tables for r in t.records]
    check(values == [42.5], f"the point written over https reads back: {values}")

# A client that does not trust the certificate is refused.
try:
    with InfluxDBClient(url=url, token=token, org="acme", retries=0) as untrusting:
        untrusting.buckets_api().find_buckets()
    check(False, "an untrusted certificate must fail verification")
except Exception as e:  # urllib3 raises its SSL error (wrapped)
    check("CERTIFICATE_VERIFY_FAILED" in str(e) or "certificate" in str(e).lower(), f"verification error: {e}")

print(f"{checks} checks passed")
