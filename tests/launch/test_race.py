"""A double click, a retried task and a second worker at once: four threads execute the same
launch and four requests submit the same idempotency key; the fake provider sees one create."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from launch import services
from launch.models import Launch

from .conftest import quote_for, submit


def _in_threads(n, fn):
    barrier = threading.Barrier(n)
    out, errors = [], []

    def run():
        try:
            barrier.wait()
            out.append(fn())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return out


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_launch_once(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = submit(team, owner, "runpod")
    results = _in_threads(4, lambda: services.launch_execute(job_id=launch.pk))
    assert sum(r is not None for r in results) == 1
    assert len(fakes.launches("runpod")) == 1


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_submits_with_one_key_make_one_launch(team, owner, connect, polled, fakes):
    connect("runpod")
    q = quote_for(team, "runpod")
    results = _in_threads(4, lambda: services.launch_submit(team=team, user=owner, quote=q, budget_usd=40, confirm=True,
                                                            idempotency_key="same-click")[0].pk)
    assert len(set(results)) == 1 and Launch.objects.count() == 1
