"""latest_snapshot: one frozen Snapshot; the current offers are held per process (the module's one
cache) keyed by the pointers they were read for: hit, miss, a poll landing in between, two
threads, and the byte bound."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from pricing import selectors
from tests.selector.conftest import fail_provider, offer, seed_provider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_held(monkeypatch):
    monkeypatch.setattr(selectors, "_held", None)


def test_it_is_frozen_and_carries_key_offers_and_freshness():
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    snap = selectors.latest_snapshot()
    assert [o.provider_sku for o in snap.offers] == ["a"]
    assert snap.freshness["runpod"].status == "ok" and snap.freshness["lambda"].status == "no data"
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.key = ()
    with pytest.raises(TypeError):
        snap.freshness["runpod"] = None


def test_a_hit_costs_one_query_for_the_pointers(django_assert_num_queries):
    seed_provider("lambda", [offer("lambda", "x", "a10", "0.75")])
    first = selectors.latest_snapshot()
    with django_assert_num_queries(1):
        again = selectors.latest_snapshot()
    assert again.offers is first.offers and again.key == first.key


def test_a_miss_reads_the_new_polls_offers(django_assert_num_queries):
    seed_provider("lambda", [offer("lambda", "x", "a10", "0.75")])
    old = selectors.latest_snapshot()
    seed_provider("lambda", [offer("lambda", "y", "a10", "0.70")])
    with django_assert_num_queries(2):  # pointers, then the new poll's offers
        new = selectors.latest_snapshot()
    assert [o.provider_sku for o in new.offers] == ["y"] and new.key != old.key


def test_a_failed_poll_changes_the_key_but_keeps_the_offers():
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    before = selectors.latest_snapshot()
    fail_provider("runpod")
    after = selectors.latest_snapshot()
    assert after.key != before.key  # freshness flags moved: anything derived is recomputed
    assert after.offers is before.offers and after.freshness["runpod"].status == "failing"


def test_a_poll_landing_between_read_and_hold_never_files_offers_under_the_new_key(monkeypatch):
    seed_provider("runpod", [offer("runpod", "old", "rtx-4090", "0.69")])
    real_read = selectors._read_offers
    landed = []

    def read_then_a_poll_lands(poll_ids):
        rows = real_read(poll_ids)
        if not landed:
            landed.append(seed_provider("runpod", [offer("runpod", "new", "rtx-4090", "0.59")]))
        return rows

    monkeypatch.setattr(selectors, "_read_offers", read_then_a_poll_lands)
    first = selectors.latest_snapshot()
    assert [o.provider_sku for o in first.offers] == ["old"]
    monkeypatch.setattr(selectors, "_read_offers", real_read)
    second = selectors.latest_snapshot()
    assert [o.provider_sku for o in second.offers] == ["new"]


def test_two_threads_with_different_pointers_each_get_their_own_offers(monkeypatch):
    # No database here: _read_offers is faked, so the threads need no connection of their own.
    def fake_read(poll_ids):
        return tuple(f"offers of poll {p}" for p in poll_ids)

    monkeypatch.setattr(selectors, "_read_offers", fake_read)
    monkeypatch.setattr(selectors, "approx_bytes", lambda offers: 100)
    keys = [((1, "t1", 1),), ((2, "t2", 1),)]
    results: list[tuple] = []
    barrier = threading.Barrier(8)

    def reader(i):
        key = keys[i % 2]
        barrier.wait()
        for _ in range(200):
            results.append((key, selectors._current_offers(key)))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(offers == (f"offers of poll {key[0][0]}",) for key, offers in results)
    held = selectors._held
    assert held.offers == (f"offers of poll {held.key[0][0]}",)


def test_offers_over_the_byte_bound_are_not_held(settings, django_assert_num_queries):
    seed_provider("runpod", [offer("runpod", f"s{i}", "rtx-4090", "0.69") for i in range(50)])
    snap = selectors.latest_snapshot()
    assert 0 < selectors.held_snapshot_bytes() < 200_000
    assert selectors.approx_bytes(snap.offers) == selectors.held_snapshot_bytes()
    settings.PRICE_SNAPSHOT_MAX_BYTES = 1000
    selectors._held = None
    selectors.latest_snapshot()
    assert selectors.held_snapshot_bytes() == 0
    with django_assert_num_queries(2):  # nothing held: the offers are read again
        assert len(selectors.latest_snapshot().offers) == 50
