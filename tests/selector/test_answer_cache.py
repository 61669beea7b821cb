"""The one answer cache (selector.options.AnswerCache, filled by selector.api.views): rendered
compare-costs / instances answers held on the PricedSnapshot they were computed from, bounded in
bytes (COMPARE_ANSWER_CACHE_MAX_BYTES). Hit, miss, a poll landing in between, two threads, the
byte bound (LRU), and a personalised answer never served for another question."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from rest_framework.test import APIRequestFactory

from pricing import selectors
from selector import compare, instances, options
from selector.api import serializers as api_serializers
from selector.api.views import CompareCostsApi
from tests.selector.conftest import offer, seed_provider

pytestmark = pytest.mark.django_db

QUESTION = {"training_hours": 10, "gpu_type": "RTX 4090"}


@pytest.fixture(autouse=True)
def _nothing_held(monkeypatch):
    monkeypatch.setattr(options, "_priced", None)
    monkeypatch.setattr(selectors, "_held", None)


@pytest.fixture
def prices(db):
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.69", region="US-KS-2"),
                             offer("runpod", "b", "rtx-4090", "0.74", region="EU-RO-1")])
    seed_provider("vast", [offer("vast", "c", "rtx-4090", "0.35", region="Texas, US")])


@pytest.fixture
def computed(monkeypatch):
    """Counts the answers actually computed (cache misses) by the API views."""
    calls = {"compare": 0, "instances": 0}
    real_compare, real_instances = compare.compare_costs, instances.list_instances

    def counting_compare(*args, **kwargs):
        calls["compare"] += 1
        return real_compare(*args, **kwargs)

    def counting_instances(*args, **kwargs):
        calls["instances"] += 1
        return real_instances(*args, **kwargs)

    monkeypatch.setattr(compare, "compare_costs", counting_compare)
    monkeypatch.setattr(instances, "list_instances", counting_instances)
    return calls


def _post(api, path, body, **extra):
    resp = api.post(path, body, format="json", **extra)
    assert resp.status_code == 200, resp.content[:300]
    return resp


# --- AnswerCache itself --------------------------------------------------------------------------

def test_the_byte_bound_evicts_the_least_recently_used():
    c = options.AnswerCache(max_bytes=30)
    c.put("a", b"x" * 10)
    c.put("b", b"y" * 10)
    assert c.get("a") == b"x" * 10  # a is now the most recently used
    c.put("c", b"z" * 10, key_size=5)  # 35 bytes: b, the least recently used, goes
    assert c.get("b") is None and c.get("a") == b"x" * 10 and c.get("c") == b"z" * 10
    assert c.nbytes == 25 <= c.max_bytes and len(c) == 2


def test_a_body_larger_than_the_bound_is_not_kept():
    c = options.AnswerCache(max_bytes=10)
    c.put("a", b"x" * 5)
    c.put("big", b"y" * 11)
    assert c.get("big") is None and c.get("a") == b"x" * 5 and c.nbytes == 5


def test_putting_a_key_again_replaces_it_without_counting_it_twice():
    c = options.AnswerCache(max_bytes=100)
    c.put("a", b"x" * 10)
    c.put("a", b"y" * 20)
    assert c.get("a") == b"y" * 20 and c.nbytes == 20 and len(c) == 1


def test_the_bound_comes_from_the_setting(settings):
    settings.COMPARE_ANSWER_CACHE_MAX_BYTES = 1234
    assert options.AnswerCache(options.answer_cache_max_bytes()).max_bytes == 1234
    del settings.COMPARE_ANSWER_CACHE_MAX_BYTES
    assert options.answer_cache_max_bytes() == 16 * 1024 * 1024


# --- Through the API ----------------------------------------------------------------------------

def test_the_same_question_again_is_a_hit_with_the_same_answer_and_fresh_ages(api, prices, computed, monkeypatch):
    first = _post(api, "/api/cloud/compare-costs", QUESTION)
    assert computed["compare"] == 1
    real_freshness = selectors.provider_freshness

    def a_minute_later(*args, **kwargs):  # only the ages move between the two requests
        from dataclasses import replace

        return {k: replace(f, age_seconds=(f.age_seconds or 0) + 60) for k, f in real_freshness(*args, **kwargs).items()}

    monkeypatch.setattr(selectors, "provider_freshness", a_minute_later)
    again = _post(api, "/api/cloud/compare-costs", QUESTION)
    assert computed["compare"] == 1, "the repeat was computed again"
    a, b = first.json(), again.json()
    assert {k: v for k, v in a.items() if k != "prices"} == {k: v for k, v in b.items() if k != "prices"}
    assert [p["age_seconds"] for p in b["prices"]] == [(p["age_seconds"] or 0) + 60 for p in a["prices"]]
    assert again["Content-Type"] == "application/json"


def test_a_cached_answer_is_the_answer_the_service_gives(api, prices):
    _post(api, "/api/cloud/compare-costs", QUESTION)
    cached = _post(api, "/api/cloud/compare-costs", QUESTION).json()
    ser = api_serializers.CompareCostsInputSerializer(data=QUESTION)
    ser.is_valid(raise_exception=True)
    direct = api_serializers.compare_answer_dict(compare.compare_costs(ser.query()))
    import json

    assert cached == json.loads(json.dumps(direct, default=float))


def test_a_different_question_is_a_miss(api, prices, computed):
    _post(api, "/api/cloud/compare-costs", QUESTION)
    _post(api, "/api/cloud/compare-costs", {**QUESTION, "training_hours": 11})
    _post(api, "/api/cloud/compare-costs", {**QUESTION, "limit": 1})
    _post(api, "/api/cloud/compare-costs", {**QUESTION, "limit": 1, "offset": 1})
    _post(api, "/api/cloud/compare-costs", {**QUESTION, "sort": "speed"})
    assert computed["compare"] == 5
    # The same question spelt differently (an alias, a default given explicitly) is the same question.
    _post(api, "/api/cloud/compare-costs", {**QUESTION, "gpu_type": "RTX 4090", "offset": 0, "sort": "cost"})
    assert computed["compare"] == 5


def test_instances_are_cached_under_their_own_question(api, prices, computed):
    a = _post(api, "/api/cloud/instances", {"gpu_type": "RTX 4090"}).json()
    b = _post(api, "/api/cloud/instances", {"gpu_type": "RTX 4090"}).json()
    c = _post(api, "/api/cloud/instances", {"gpu_type": "RTX 4090", "limit": 1}).json()
    assert computed["instances"] == 2
    assert a["instances"] == b["instances"] and len(c["instances"]) == 1 and c["count"] == a["count"] == 3
    # Never the compare-costs answer for an instances question, nor the other way round.
    assert "options" in _post(api, "/api/cloud/compare-costs", {"training_hours": 10}).json()


def test_a_poll_landing_in_between_is_a_miss_and_the_old_answers_go(api, prices, computed):
    first = _post(api, "/api/cloud/compare-costs", QUESTION).json()
    old = options._priced
    assert len(old.answers) == 1
    seed_provider("vast", [offer("vast", "c", "rtx-4090", "0.30", region="Texas, US")])
    again = _post(api, "/api/cloud/compare-costs", QUESTION).json()
    assert computed["compare"] == 2
    assert first["summary"]["cheapest"]["hourly_rate"] == 0.35
    assert again["summary"]["cheapest"]["hourly_rate"] == 0.30
    new = options._priced
    assert new is not old and new.key != old.key and len(new.answers) == 1
    gone = weakref.ref(old)
    del old
    gc.collect()
    assert gone() is None, "the old snapshot's answers are still held"


def test_a_failing_provider_is_a_miss(api, prices, computed):
    """Freshness flags are part of the snapshot key: an answer saying prices are fresh is not
    served once a provider fails."""
    from tests.selector.conftest import fail_provider

    _post(api, "/api/cloud/compare-costs", QUESTION)
    fail_provider("vast")
    after = _post(api, "/api/cloud/compare-costs", QUESTION).json()
    assert computed["compare"] == 2
    assert next(p for p in after["prices"] if p["provider"] == "vast")["status"] == "failing"


def test_the_byte_bound_holds_through_the_api(api, prices, settings):
    one = len(_post(api, "/api/cloud/compare-costs", QUESTION).content)
    options._priced = None  # a fresh priced snapshot picks the setting up
    settings.COMPARE_ANSWER_CACHE_MAX_BYTES = int(2.5 * one)
    for hours in (1, 2, 3, 4):
        _post(api, "/api/cloud/compare-costs", {**QUESTION, "training_hours": hours})
    cache = options._priced.answers
    assert len(cache) == 2 and cache.nbytes <= cache.max_bytes


def test_two_threads_asking_at_once_get_the_same_answer(prices, monkeypatch):
    # The prices are read here (the test database is this thread's); both threads answer from them.
    read = compare.current_prices()
    read[1].derived("trend_marks", lambda: compare._snapshot_trend_marks(read[1]))
    monkeypatch.setattr(compare, "current_prices", lambda: read)
    view = CompareCostsApi.as_view()
    factory = APIRequestFactory()
    barrier = threading.Barrier(4)
    bodies, errors = [], []

    def ask(i):
        try:
            barrier.wait()
            for _ in range(5):
                q = QUESTION if i % 2 else {**QUESTION, "training_hours": 20}
                resp = view(factory.post("/api/cloud/compare-costs", q, format="json"))
                resp.render() if hasattr(resp, "render") else None
                bodies.append((i % 2, resp.content))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({b for k, b in bodies if k == 0}) == 1 and len({b for k, b in bodies if k == 1}) == 1
    assert len(read[1].answers) == 2


def test_a_personalised_answer_is_never_served_for_another_question(api, prices, computed):
    """What makes an answer one user's (their local GPU and its power, a calibration from their own
    run) is in the question, so it is in the key: another user's question gets its own answer."""
    from tests.selector.test_estimate_api import LORA_7B

    mine = {**QUESTION, "local_gpu_type": "RTX 4090", "local_power_watts": 300}
    theirs = _post(api, "/api/cloud/compare-costs", QUESTION).json()
    own = _post(api, "/api/cloud/compare-costs", mine).json()
    assert theirs["summary"]["local"] is None and own["summary"]["local"]["gpu_type"] == "RTX 4090"
    assert _post(api, "/api/cloud/compare-costs", QUESTION).json()["summary"]["local"] is None
    hungrier = _post(api, "/api/cloud/compare-costs", {**mine, "local_power_watts": 450}).json()
    assert hungrier["summary"]["local"]["total_cost"] > own["summary"]["local"]["total_cost"]
    assert computed["compare"] == 3

    calibrated = {"workload": {**LORA_7B, "measured_tokens_per_second": 2000, "measured_gpu_type": "RTX 4090"},
                  "gpu_type": "RTX 4090"}
    plain = {"workload": LORA_7B, "gpu_type": "RTX 4090"}
    a = _post(api, "/api/cloud/compare-costs", calibrated).json()
    b = _post(api, "/api/cloud/compare-costs", plain).json()
    assert a["options"][0]["training_hours"] != b["options"][0]["training_hours"]
    assert _post(api, "/api/cloud/compare-costs", plain).json() == {**b, "prices": b["prices"]}
    assert computed["compare"] == 5


def test_the_browsable_api_and_indented_json_are_not_cached(api, prices, computed):
    api.post("/api/cloud/compare-costs", QUESTION, format="json", HTTP_ACCEPT="text/html")
    api.post("/api/cloud/compare-costs", QUESTION, format="json", HTTP_ACCEPT="application/json; indent=2")
    assert computed["compare"] == 2 and options._priced is not None and len(options._priced.answers) == 0


def test_the_service_itself_keeps_no_answers(prices, monkeypatch):
    """The pages (a logged-in user's calibration, their local GPU) call the service, which computes
    every time: the cache is the API view's, for the API's anonymous questions."""
    ser = api_serializers.CompareCostsInputSerializer(data=QUESTION)
    ser.is_valid(raise_exception=True)
    a = compare.compare_costs(ser.query())
    b = compare.compare_costs(ser.query())
    assert a is not b and a == b
    assert options._priced is not None and len(options._priced.answers) == 0
