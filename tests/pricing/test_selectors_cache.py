"""Per-process caches of the latest prices: the offers until a poll lands, the pointers for
PRICE_POINTERS_CACHE_SECONDS."""

import pytest

from pricing import selectors
from tests.selector.conftest import offer, seed_provider

pytestmark = pytest.mark.django_db


def test_pointers_are_reread_after_the_cache_time(settings, django_assert_num_queries, monkeypatch):
    settings.PRICE_POINTERS_CACHE_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    monkeypatch.setitem(selectors._pointers, "at", -1.0)
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69")])
    offers, _ = selectors.latest_snapshot()
    assert [o.provider_sku for o in offers] == ["a"]

    seed_provider("runpod", [offer("runpod", "b", "rtx-4090", "0.59")])
    with django_assert_num_queries(0):
        offers, fresh = selectors.latest_snapshot()  # within the second: the cached pointers
    assert [o.provider_sku for o in offers] == ["a"]
    assert fresh["runpod"].age_seconds is not None

    clock[0] += 1.5
    offers, _ = selectors.latest_snapshot()
    assert [o.provider_sku for o in offers] == ["b"]


def test_offers_are_reloaded_only_when_a_poll_lands(django_assert_num_queries):
    seed_provider("lambda", [offer("lambda", "x", "a10", "0.75")])
    selectors.latest_snapshot()
    with django_assert_num_queries(1):  # the pointers only
        offers, _ = selectors.latest_snapshot()
    assert [o.provider_sku for o in offers] == ["x"]
    seed_provider("lambda", [offer("lambda", "y", "a10", "0.70")])
    with django_assert_num_queries(2):  # pointers, then the new poll's offers
        offers, _ = selectors.latest_snapshot()
    assert [o.provider_sku for o in offers] == ["y"]
