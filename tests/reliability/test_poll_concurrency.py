"""Overlapping and interrupted polls (reliability.md S13/S14), on the real database.

- Two polls of one provider started together: one stores a snapshot, the other stands aside.
- A worker killed mid-poll: nothing partial is served, and once the claim expires
  (``pricing.services.LOCK_SECONDS``) the next poll succeeds.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection, connections
from django.utils import timezone

from pricing import services
from pricing.models import Offer, PollRun, ProviderState

from .payloads import KEY_ENV, URL_ENV, good_body
from .upstream_server import FakeProvider

ROOT = Path(__file__).resolve().parents[2]


def _slow_good(slug, delay=0.3):
    def handler(request):
        time.sleep(delay)
        return httpx.Response(200, content=good_body(slug, request))

    return httpx.MockTransport(handler)


def _run_together(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


@pytest.fixture
def live(monkeypatch, settings):
    settings.PRICING_OFFLINE = False
    monkeypatch.setenv("RUNPOD_API_KEY", "sk-concurrency-test")


# Threads racing on one database: SQLite's in-memory test database answers "table is locked"
# instead of waiting, so this runs on Postgres (as CI does).
@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_ever_poll", [True, False])
def test_two_polls_started_together_store_one_snapshot(live, first_ever_poll):
    if not first_ever_poll:
        services.poll_provider("runpod", transport=_slow_good("runpod", 0))
    polls_before = PollRun.objects.filter(provider="runpod").count()

    results = _run_together(2, lambda: services.poll_provider("runpod", transport=_slow_good("runpod")))

    ran = [r for r in results if r is not None]
    assert len(ran) == 1, results  # the other saw the claim and stood aside
    assert ran[0].status == PollRun.Status.OK
    assert PollRun.objects.filter(provider="runpod").count() == polls_before + 1
    assert Offer.objects.filter(poll=ran[0]).count() == ran[0].offer_count
    assert ProviderState.objects.filter(provider="runpod").count() == 1
    assert ProviderState.objects.get(provider="runpod").current_poll_id == ran[0].pk


# Threads racing on one database: SQLite's in-memory test database answers "table is locked"
# instead of waiting, so this runs on Postgres (as CI does).
@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_ten_polls_at_once_never_duplicate(live):
    results = _run_together(10, lambda: services.poll_provider("runpod", transport=_slow_good("runpod")))
    assert sum(r is not None for r in results) == 1
    assert PollRun.objects.filter(provider="runpod").count() == 1


@pytest.mark.django_db
def test_an_abandoned_claim_blocks_until_it_expires(live):
    good = services.poll_provider("runpod", transport=_slow_good("runpod", 0))
    # What a worker killed mid-poll leaves behind: a running PollRun and a held claim.
    ProviderState.objects.filter(provider="runpod").update(
        locked_until=timezone.now() + dt.timedelta(seconds=services.LOCK_SECONDS), lock_token="dead-worker")
    PollRun.objects.create(provider="runpod", started_at=timezone.now(), source="live")

    assert services.poll_provider("runpod", transport=_slow_good("runpod", 0)) is None
    assert ProviderState.objects.get(provider="runpod").current_poll_id == good.pk

    # As expiry would: the claim's time runs out.
    ProviderState.objects.filter(provider="runpod").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    run = services.poll_provider("runpod", transport=_slow_good("runpod", 0))
    assert run is not None and run.status == PollRun.Status.OK
    assert ProviderState.objects.get(provider="runpod").current_poll_id == run.pk


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_fetch_leaves_nothing_partial(live, monkeypatch):
    slug = "runpod"
    good = services.poll_provider(slug, transport=_slow_good(slug, 0))
    good_offers = Offer.objects.filter(poll=good).count()
    db_name = connection.settings_dict["NAME"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}", "PRICING_OFFLINE": "0",
           KEY_ENV[slug]: "sk-killed-worker"}
    with FakeProvider() as server:
        server.mode = "drip"
        server.body = good_body(slug)
        env[URL_ENV[slug]] = server.url
        proc = subprocess.Popen([sys.executable, "manage.py", "refresh_prices", "--provider", slug], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while server.requests == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.requests, "the poll never reached the provider"
            time.sleep(0.3)  # mid-fetch: some bytes sent, most not
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()

    killed = PollRun.objects.filter(provider=slug).exclude(pk=good.pk).get()
    assert killed.status == PollRun.Status.RUNNING  # it never finished
    assert not Offer.objects.filter(poll=killed).exists()  # nothing partial
    state = ProviderState.objects.get(provider=slug)
    assert state.current_poll_id == good.pk  # readers still get the last good poll
    assert Offer.objects.filter(poll=state.current_poll_id).count() == good_offers
    assert state.locked_until and state.locked_until > timezone.now()  # the claim is still held

    assert services.poll_provider(slug, transport=_slow_good(slug, 0)) is None  # blocked until expiry
    ProviderState.objects.filter(provider=slug).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    run = services.poll_provider(slug, transport=_slow_good(slug, 0))
    assert run.status == PollRun.Status.OK
    assert ProviderState.objects.get(provider=slug).current_poll_id == run.pk


@pytest.mark.django_db
def test_the_next_poll_closes_an_abandoned_poll_record(live):
    abandoned = PollRun.objects.create(provider="runpod", started_at=timezone.now() - dt.timedelta(hours=1),
                                       source="live")
    services.poll_provider("runpod", transport=_slow_good("runpod", 0))
    abandoned.refresh_from_db()
    assert abandoned.status == PollRun.Status.FAILED
