"""End to end through a real Celery worker and a real Redis broker: the task polls a fake Lambda
(a tiny HTTP server on 127.0.0.1) and the offers land in the database.

Skipped when Redis is unreachable, unless CI_REQUIRE_SERVICES=1 (then it fails: CI must run it)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections

from .conftest import FIXTURES, SECRET

REDIS_URL = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        if os.environ.get("CI_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis at {REDIS_URL} is required (CI_REQUIRE_SERVICES=1) but unreachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable: {exc}")


class FakeLambda(BaseHTTPRequestHandler):
    body = (FIXTURES / "lambda" / "instance_types.json").read_bytes()
    seen: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        FakeLambda.seen.append((self.path, self.headers.get("Authorization", "")))
        if self.path != "/api/v1/instance-types":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_lambda(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLambda)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeLambda.seen = []
    monkeypatch.setenv("LAMBDA_API_URL", f"http://127.0.0.1:{server.server_port}/api/v1")
    monkeypatch.setenv("LAMBDA_API_KEY", SECRET)
    yield FakeLambda
    server.shutdown()
    server.server_close()


@pytest.mark.celery_worker
@pytest.mark.needs_postgres  # the worker thread writes the test database: SQLite in-memory says "locked"
@pytest.mark.django_db(transaction=True)
def test_it_polls_a_provider_through_a_real_worker(fake_lambda, settings):
    _redis_or_skip()
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app
    from pricing.models import Offer, PollRun
    from pricing.tasks import poll_provider

    settings.PRICING_OFFLINE = False
    overrides = {"broker_url": REDIS_URL, "broker_transport_options": {"visibility_timeout": 3600},
                 "task_always_eager": False}
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    queue = f"test-pricing-{uuid.uuid4().hex[:8]}"  # never picks up (or leaves) anyone else's tasks

    def close_worker_connections(**kwargs):
        connections.close_all()  # runs in the worker thread: the test database can be dropped later

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING",
                          shutdown_timeout=20):
            with app.connection_for_write(REDIS_URL) as conn:
                poll_provider.apply_async(args=("lambda",), queue=queue, connection=conn)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                run = PollRun.objects.filter(provider="lambda").exclude(status="running").first()
                if run:
                    break
                time.sleep(0.2)
            else:
                pytest.fail("the worker did not finish the poll within 30 s")
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.update(saved)

    assert run.status == "ok", run.error
    assert run.source == "live" and run.offer_count == 5
    offers = {(o.provider_sku, o.region): o for o in Offer.objects.filter(poll=run)}
    assert str(offers[("gpu_8x_a100_80gb_sxm4", "us-west-2")].usd_per_hour) == "22.3200"
    assert fake_lambda.seen == [("/api/v1/instance-types", f"Bearer {SECRET}")]
