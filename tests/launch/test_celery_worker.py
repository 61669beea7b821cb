"""The whole lifecycle through a real Celery worker on Redis and Postgres: the API's confirmed
launch is queued on commit, the worker launches on the fake RunPod, the tracker task follows it to
running, and the API terminates it. Skipped when Redis is unreachable unless CI_REQUIRE_SERVICES=1."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token

from launch.models import Launch

from ..pricing.test_celery_worker import REDIS_URL, _redis_or_skip
from .conftest import PAYLOAD


def _wait(predicate, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {seconds:g} s")


@pytest.mark.celery_worker
@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_launch_track_terminate_through_a_real_worker(team, owner, connect, polled, fakes, settings):
    _redis_or_skip()
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app

    settings.LAUNCH_TRACK_INTERVAL_SECONDS = 1
    connect("runpod")
    queue = f"test-launch-{uuid.uuid4().hex[:8]}"
    overrides = {"broker_url": REDIS_URL, "broker_transport_options": {"visibility_timeout": 3600},
                 "task_always_eager": False, "task_default_queue": queue}
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)

    def close_worker_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    c = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING",
                          shutdown_timeout=20):
            options = Client().post("/api/cloud/compare-costs", PAYLOAD, content_type="application/json").json()["options"]
            oid = next(o["id"] for o in options if o["provider"] == "runpod")
            r = c.post(f"/api/cloud/jobs?team={team.pk}", {"option_id": oid, "training_hours": 10, "budget_usd": 50,
                                                           "confirm": True}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="worker-1")
            assert r.status_code == 201, r.content
            job_id = r.json()["id"]
            _wait(lambda: Launch.objects.filter(pk=job_id, status="provisioning").exists(), "the worker's launch")
            for _ in range(3):
                app.send_task("launch.tasks.track_launches")
                time.sleep(1.2)
            _wait(lambda: Launch.objects.filter(pk=job_id, status="running").exists(), "tracking to running")
            t = c.post(f"/api/cloud/jobs/{job_id}/terminate", content_type="application/json")
            assert t.status_code == 202 and t.json()["status"] == "terminated"
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.update(saved)
    assert len(fakes.launches("runpod")) == 1 and not fakes.running()
    assert Launch.objects.get(pk=job_id).spend_usd > 0
