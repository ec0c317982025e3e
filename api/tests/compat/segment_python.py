"""Segment's own Python library (segment-analytics-python, unmodified, from PyPI), configured
only with our host and a write key, against the real server started by
scripts/lib/segment-compat.sh. Prints "N passed, M failed"."""

import os
import sys
import time
import unittest
from datetime import datetime, timezone

import requests
from segment.analytics import Client

BASE = os.environ["SHOPTRAIL_URL"]
WRITE_KEY = os.environ["SHOPTRAIL_WRITE_KEY"]
ADMIN = (os.environ["SHOPTRAIL_ADMIN_EMAIL"], os.environ["SHOPTRAIL_ADMIN_PASSWORD"])

reader = requests.Session()


def read(path):
    if "shoptrail_session" not in reader.cookies:
        r = reader.post(f"{BASE}/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        r.raise_for_status()
    r = reader.get(f"{BASE}{path}")
    return r.status_code, r.json()


def journey(user):
    status, body = read(f"/v1/users/{user}/journey?limit=1000")
    assert status == 200, body
    return body["items"]


def eventually(fn, what, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def client(errors):
    return Client(WRITE_KEY, host=BASE, on_error=lambda e, batch: errors.append(e), max_retries=3)


class SegmentPython(unittest.TestCase):
    def test_track_identify_page_and_alias_reach_the_users_journey(self):
        errors = []
        c = client(errors)
        c.page(anonymous_id="py-anon", category="Shop", name="Home", properties={"path": "/"})
        c.track(anonymous_id="py-anon", event="product_view", properties={"sku": "SKU-2"})
        c.identify(user_id="py-user", anonymous_id="py-anon", traits={"email": "py@example.com"})
        c.track(user_id="py-user", event="purchase", properties={"total": 129})
        c.alias(previous_id="py-user", user_id="py-user-2")
        c.flush()
        c.join()
        self.assertEqual(errors, [])
        events = eventually(lambda: len(journey("py-user-2")) >= 5 and journey("py-user-2"), "5 events")
        self.assertEqual(
            sorted(e["type"] for e in events),
            ["alias", "identify", "page_view", "product_view", "purchase"],
        )
        page = next(e for e in events if e["type"] == "page_view")
        self.assertEqual((page["properties"]["name"], page["properties"]["category"]), ("Home", "Shop"))
        self.assertEqual(page["context"]["library"]["name"], "analytics-python")
        _, profile = read("/v1/users/py-user-2")
        self.assertEqual(profile["traits"]["email"], "py@example.com")
        self.assertEqual(profile["eventCount"], 5)
        # The anonymous id reads the same (merged) journey; no separate profile is left.
        self.assertEqual(len(journey("py-anon")), 5)
        _, found = read("/v1/users?q=py-anon")
        self.assertEqual(found["items"], [])

    def test_a_retried_batch_leaves_every_count_unchanged(self):
        when = datetime(2026, 10, 30, 12, 0, tzinfo=timezone.utc)

        def send():
            errors = []
            c = client(errors)
            for i in range(3):
                c.track(user_id="py-retry", event="add_to_cart", message_id=f"py-retry-{i}", timestamp=when)
            c.identify(user_id="py-retry", anonymous_id="py-retry-anon", message_id="py-retry-id", timestamp=when)
            c.flush()
            c.join()
            self.assertEqual(errors, [])

        send()
        before = eventually(lambda: read("/v1/users/py-retry")[1].get("eventCount") == 4 and read("/v1/users/py-retry")[1], "4 events")
        stats_before = read("/v1/stats?from=2026-10-30&to=2026-10-30")[1]
        send()
        self.assertEqual(read("/v1/users/py-retry")[1], before)
        self.assertEqual(read("/v1/stats?from=2026-10-30&to=2026-10-30")[1], stats_before)
        self.assertEqual(stats_before["totalEvents"], 4)
        self.assertEqual(stats_before["totalUsers"], 1)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
