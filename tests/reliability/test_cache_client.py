"""config.cache keeps one Redis client per connection pool (Django builds one per operation, the
largest fixed cost of a throttled API call); a client is shared by threads and still fails soft."""

from __future__ import annotations

import threading

from config import cache as fail_soft

from .upstream_server import closed_port

DOWN = f"redis://127.0.0.1:{closed_port()}/0"


def _cache():
    return fail_soft.FailSoftRedisCache(DOWN, {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}})


def test_one_client_per_pool_for_reads_and_writes():
    c = _cache()
    client = c._cache.get_client("k")
    assert c._cache.get_client("other") is client and c._cache.get_client("k", write=True) is client
    assert client.connection_pool is c._cache._get_connection_pool(False)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(c._cache.get_client("k"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s is client for s in seen)


def test_a_shared_client_still_fails_soft():
    fail_soft.reset_breaker()
    c = _cache()
    assert c.get("k", "missing") == "missing" and c.set("k", 1) is None
    fail_soft.reset_breaker()
