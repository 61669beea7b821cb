"""A Redis cache that degrades to "always a miss" when Redis is unreachable.

Redis down must cost latency, not pages: Django's own RedisCache lets ``redis.ConnectionError``
escape into the view (a 500 on every page that touches the cache, and DRF's throttles touch it on
every API call: DRF #7594). This backend catches Redis and socket errors in every operation and
answers as if the key were missing:

- ``get``/``get_many`` -> the default / ``{}``; ``has_key`` -> False;
- ``set``/``set_many``/``delete``/``delete_many``/``touch``/``clear`` -> no-op (False / [] where
  Django returns a value);
- ``add`` -> False (nothing stored; callers using ``add`` as a lock do not get the lock, i.e.
  fail closed for locks);
- ``incr`` -> ``ValueError`` as for a missing key (what Django's contract says for a missing key).

Throttling (the API throttle and the log-in and page limits count with ``hit``, below, which
answers 0 while Redis is down) is
therefore **fail-open** while Redis is down: every request counts as none and is allowed.
That is a deliberate choice: the throttle is a courtesy limit, not a security boundary (DRF's own
docs say so), and refusing every anonymous API call because the cache is down would turn a Redis
outage into an API outage.

A small per-process circuit breaker keeps a Redis that black-holes packets (connect timeouts
rather than a quick "connection refused") from costing a socket timeout on every operation: after
a failure, Redis is skipped for ``BREAKER_SECONDS`` and then tried again. Socket timeouts are set
short in settings (``socket_connect_timeout``/``socket_timeout`` 0.25 s) so one request never waits
more than a fraction of a second on the cache.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# How long to skip Redis after an error (per process, per cache location).
BREAKER_SECONDS = 5.0

try:  # redis is a dependency, but keep the module importable without it (e.g. docs builds)
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[assignment,misc]

CACHE_ERRORS = (RedisError, OSError)

_down_until: dict[str, float] = {}
_lock = threading.Lock()


class _Unavailable(Exception):
    pass


class _ClientPerPool(RedisCacheClient):
    """Django builds a new ``redis.Redis`` for every cache operation: ~0.5 ms of CPU each with
    redis-py 8, twice per throttled API call (the largest fixed cost of a request in
    bench/never_asked.py's profile). A client is thread-safe (each command takes a connection from
    the pool), so one per pool is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class FailSoftRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache whose errors behave like cache misses (and keeps
    one Redis client per pool)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ClientPerPool

    def _breaker_key(self) -> str:
        return ",".join(self._servers)

    def _call(self, op: str, fn, *args, **kwargs):
        key = self._breaker_key()
        if _down_until.get(key, 0.0) > time.monotonic():
            raise _Unavailable
        try:
            return fn(*args, **kwargs)
        except CACHE_ERRORS as exc:
            with _lock:
                first = _down_until.get(key, 0.0) <= time.monotonic()
                _down_until[key] = time.monotonic() + BREAKER_SECONDS
            if first:  # one line per outage window, not one per request
                logger.warning("cache unavailable (%s during %s); serving without cache for %ss",
                               type(exc).__name__, op, BREAKER_SECONDS)
            raise _Unavailable from None

    def add(self, key, value, timeout=..., version=None):
        try:
            return self._call("add", super().add, key, value, *_timeout(timeout), version=version)
        except _Unavailable:
            return False

    def get(self, key, default=None, version=None):
        try:
            return self._call("get", super().get, key, default, version=version)
        except _Unavailable:
            return default

    def set(self, key, value, timeout=..., version=None):
        try:
            self._call("set", super().set, key, value, *_timeout(timeout), version=version)
        except _Unavailable:
            return None

    def touch(self, key, timeout=..., version=None):
        try:
            return self._call("touch", super().touch, key, *_timeout(timeout), version=version)
        except _Unavailable:
            return False

    def delete(self, key, version=None):
        try:
            return self._call("delete", super().delete, key, version=version)
        except _Unavailable:
            return False

    def get_many(self, keys, version=None):
        try:
            return self._call("get_many", super().get_many, keys, version=version)
        except _Unavailable:
            return {}

    def has_key(self, key, version=None):
        try:
            return self._call("has_key", super().has_key, key, version=version)
        except _Unavailable:
            return False

    def hit(self, key, timeout: int, version=None) -> int:
        """Count one more in ``key`` and return the count, in ONE round trip (a pipeline of
        ``SET key 0 EX timeout NX`` and ``INCR key``: the first hit of a window creates the key with
        its expiry; Django's ``add`` + ``incr`` took three: SET NX, EXISTS, INCR). 0 while Redis is
        unavailable (the limits fail open, as above). The value is a plain Redis integer, which
        ``get`` reads back as an int."""
        def run():
            made = self.make_and_validate_key(key, version=version)
            client = self._cache.get_client(made, write=True)
            pipe = client.pipeline(transaction=False)
            pipe.set(made, 0, ex=max(1, int(timeout)), nx=True)
            pipe.incr(made)
            return int(pipe.execute()[1])

        try:
            return self._call("hit", run)
        except _Unavailable:
            return 0

    def incr(self, key, delta=1, version=None):
        try:
            return self._call("incr", super().incr, key, delta, version=version)
        except _Unavailable:
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from None

    def set_many(self, data, timeout=..., version=None):
        try:
            return self._call("set_many", super().set_many, data, *_timeout(timeout), version=version)
        except _Unavailable:
            return list(data)  # Django's contract: the keys that failed to be stored

    def delete_many(self, keys, version=None):
        try:
            self._call("delete_many", super().delete_many, keys, version=version)
        except _Unavailable:
            return None

    def clear(self):
        try:
            return self._call("clear", super().clear)
        except _Unavailable:
            return False


def _timeout(timeout) -> tuple:
    """Pass the caller's timeout through only when one was given (keeps Django's DEFAULT_TIMEOUT)."""
    return () if timeout is ... else (timeout,)


def reset_breaker() -> None:
    """Forget remembered outages (tests; or after Redis is known to be back)."""
    with _lock:
        _down_until.clear()
