"""The fixed-window counter behind the API throttle and the log-in and page limits
(``config.ratelimit.hit``): one Redis round trip per request, an expiry on the first hit, fail-open
while Redis is down; the API throttle counts with it (O(1), not DRF's sliding log of N times)."""

from __future__ import annotations

import os
import uuid

import pytest

from config import cache as fail_soft

from .upstream_server import closed_port

REDIS_URL = os.environ.get("REDIS_URL", "")


def _redis_cache():
    if not REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL; CI sets it)")
    fail_soft.reset_breaker()
    return fail_soft.FailSoftRedisCache(REDIS_URL, {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}})


def test_hit_counts_in_one_round_trip_and_sets_the_expiry_once():
    c = _redis_cache()
    key = f"test-hit-{uuid.uuid4().hex}"
    client = c._cache.get_client(key, write=True)
    calls = []
    real = client.pipeline

    def counting_pipeline(*args, **kwargs):
        pipe = real(*args, **kwargs)
        execute = pipe.execute

        def once():
            calls.append(len(pipe.command_stack))
            return execute()
        pipe.execute = once
        return pipe

    client.pipeline = counting_pipeline
    try:
        assert [c.hit(key, 60) for _ in range(3)] == [1, 2, 3]
    finally:
        del client.pipeline
    assert calls == [2, 2, 2]  # one pipelined round trip (SET NX EX + INCR) per hit
    made = c.make_and_validate_key(key)
    assert 0 < client.ttl(made) <= 60
    assert c.get(key) == 3  # a plain integer that the cache reads back
    c.delete(key)


def test_hit_fails_open_while_redis_is_down():
    fail_soft.reset_breaker()
    down = fail_soft.FailSoftRedisCache(f"redis://127.0.0.1:{closed_port()}/0",
                                        {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}})
    assert down.hit("k", 60) == 0
    fail_soft.reset_breaker()


def test_without_redis_the_counter_still_counts(settings, tmp_path):
    from django.core.cache import caches

    from config import ratelimit

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}}
    try:  # the settings change resets the cache handlers: caches["default"] is the file cache
        key = f"test-hit-{uuid.uuid4().hex}"
        ratelimit.cache = caches["default"]
        assert not hasattr(ratelimit.cache, "hit")
        assert [ratelimit.hit(key, 60) for _ in range(3)] == [1, 2, 3]
    finally:
        from django.core.cache import cache as default_cache
        ratelimit.cache = default_cache


@pytest.mark.django_db
def test_the_api_throttle_keeps_one_counter_not_a_list_of_request_times(client, settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000/min"}}
    cache.clear()
    for _ in range(5):
        assert client.get("/api/cloud/gpus").status_code == 200
    throttle_values = [cache.get(k) for k in _keys(cache) if ":api:" in k]
    assert throttle_values == [5]


def _keys(cache):
    inner = getattr(cache, "_cache", None)
    if hasattr(cache, "_dir"):  # FileBasedCache: no key listing; read what the counter wrote
        pytest.skip("file cache has no key listing")
    if inner is not None and hasattr(inner, "get_client"):
        client = inner.get_client(None)
        prefix = cache.make_key("")
        return [k.decode()[len(prefix):] for k in client.keys(prefix + "*")]
    return [k.split(":", 2)[-1] for k in getattr(cache, "_cache", {})]
