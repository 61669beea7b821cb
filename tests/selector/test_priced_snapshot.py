"""The priced snapshot (selector.options.priced_snapshot): a snapshot's offers as engine inputs,
computed once per snapshot key and held per process (one entry, bounded in bytes): hit, miss, a
poll landing in between, two threads. Derived values (the trend marks) live on it."""

from __future__ import annotations

import threading
from types import MappingProxyType

import pytest

from pricing import selectors
from pricing.gpus import GPUS_BY_SLUG
from selector import options
from tests.selector.conftest import offer, seed_provider


@pytest.fixture(autouse=True)
def _nothing_held(monkeypatch):
    monkeypatch.setattr(options, "_priced", None)
    monkeypatch.setattr(selectors, "_held", None)


def _snapshot(key, price="0.69", n=3):
    import datetime as dt
    from decimal import Decimal

    offers = tuple(selectors.CurrentOffer(
        pk=i, poll_id=1, provider="runpod", provider_sku=f"s{i}", gpu=GPUS_BY_SLUG["rtx-4090"], gpu_count=1,
        gpu_memory_gb=24, usd_per_hour=Decimal(price), usd_per_gpu_hour=Decimal(price), region="US-TX-1",
        availability="high", interruptible=False, tier="", observed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        for i in range(n))
    return selectors.Snapshot(key=key, offers=offers, freshness=MappingProxyType({}))


def test_a_hit_returns_the_held_pricing_and_a_miss_prices_again():
    a = options.priced_snapshot(_snapshot(("a",)))
    assert options.priced_snapshot(_snapshot(("a",))) is a
    b = options.priced_snapshot(_snapshot(("b",), price="0.59"))
    assert b is not a and b.key == ("b",)
    assert str(b.rows[0].input.hourly_rate) == "0.59"


@pytest.mark.django_db
def test_a_poll_landing_in_between_is_priced_under_its_own_key(monkeypatch):
    seed_provider("runpod", [offer("runpod", "old", "rtx-4090", "0.69")])
    old = selectors.latest_snapshot()
    real = options.price_snapshot

    def price_while_a_poll_lands(snapshot):
        priced = real(snapshot)
        seed_provider("runpod", [offer("runpod", "new", "rtx-4090", "0.59")])
        return priced

    monkeypatch.setattr(options, "price_snapshot", price_while_a_poll_lands)
    priced = options.priced_snapshot(old)
    monkeypatch.setattr(options, "price_snapshot", real)
    assert priced.key == old.key and [r.input.provider_sku for r in priced.rows] == ["old"]
    new = selectors.latest_snapshot()
    assert new.key != old.key
    assert [r.input.provider_sku for r in options.priced_snapshot(new).rows] == ["new"]


def test_two_threads_never_see_pricing_of_another_snapshot():
    snaps = [_snapshot(("a",), "0.69"), _snapshot(("b",), "0.59")]
    seen = []
    barrier = threading.Barrier(6)

    def ask(i):
        snap = snaps[i % 2]
        barrier.wait()
        for _ in range(100):
            p = options.priced_snapshot(snap)
            seen.append((snap.key, p.key, str(p.rows[0].input.hourly_rate)))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(asked == got for asked, got, _ in seen)
    assert {price for key, _, price in seen if key == ("a",)} == {"0.69"}


def test_derived_values_are_built_once_per_snapshot():
    p = options.priced_snapshot(_snapshot(("a",)))
    calls = []
    assert p.derived("x", lambda: calls.append(1) or {"v": 1}) == {"v": 1}
    assert p.derived("x", lambda: calls.append(1) or {"v": 2}) == {"v": 1}
    assert calls == [1]


def test_pricing_over_the_byte_bound_is_not_held(settings):
    p = options.priced_snapshot(_snapshot(("a",), n=50))
    assert 0 < options.held_priced_bytes() == p.nbytes
    settings.PRICE_SNAPSHOT_MAX_BYTES = 100
    q = options.priced_snapshot(_snapshot(("b",), n=50))
    assert options.held_priced_bytes() == 0 and options.priced_snapshot(_snapshot(("b",), n=50)) is not q
