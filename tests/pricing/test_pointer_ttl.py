"""The providers' price pointers are held for PRICE_POINTERS_CACHE_SECONDS per process (monotonic
clock): a burst of requests costs no query, a poll that lands is seen at most that late, and the
ages are still computed at every read."""

from __future__ import annotations

import datetime as dt

import pytest

from pricing import selectors
from tests.selector.conftest import offer, seed_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch, settings):
    settings.PRICE_POINTERS_CACHE_SECONDS = 1
    now = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(selectors, "_pointers", None)
    monkeypatch.setattr(selectors, "_held", None)
    return now


def _skus(snapshot):
    return [o.provider_sku for o in snapshot.offers]


def test_within_the_hold_no_query_and_after_it_the_new_poll(clock, django_assert_num_queries):
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    first = selectors.latest_snapshot()
    assert _skus(first) == ["a"]

    seed_provider("runpod", [offer("runpod", "b", "rtx-4090", "0.59")])
    clock[0] += 0.9
    with django_assert_num_queries(0):
        held = selectors.latest_snapshot()  # within the second: the held pointers, the held offers
    assert _skus(held) == ["a"] and held.key == first.key

    clock[0] += 0.2  # 1.1 s after the read
    landed = selectors.latest_snapshot()
    assert _skus(landed) == ["b"] and landed.key != first.key


def test_ages_are_computed_at_every_read_while_the_pointers_are_held(clock, monkeypatch):
    from django.utils import timezone

    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    age = selectors.latest_snapshot().freshness["runpod"].age_seconds
    later = timezone.now() + dt.timedelta(seconds=42)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    again = selectors.latest_snapshot().freshness["runpod"]
    assert again.age_seconds >= age + 42


def test_zero_reads_the_pointers_every_time(clock, settings, django_assert_num_queries):
    settings.PRICE_POINTERS_CACHE_SECONDS = 0
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    selectors.latest_snapshot()
    with django_assert_num_queries(1):  # the pointers
        selectors.latest_snapshot()
    seed_provider("runpod", [offer("runpod", "b", "rtx-4090", "0.59")])
    assert _skus(selectors.latest_snapshot()) == ["b"]


def test_a_clock_going_backwards_or_forget_pointers_reads_again(clock, django_assert_num_queries):
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    selectors.latest_snapshot()
    seed_provider("runpod", [offer("runpod", "b", "rtx-4090", "0.59")])
    clock[0] -= 5
    assert _skus(selectors.latest_snapshot()) == ["b"]
    seed_provider("runpod", [offer("runpod", "c", "rtx-4090", "0.49")])
    selectors.forget_pointers()
    assert _skus(selectors.latest_snapshot()) == ["c"]
