"""Redis down and Postgres down (reliability.md S11/S12).

Redis down must cost latency, not pages: the cache (config.cache.FailSoftRedisCache) behaves like
a miss and the throttle fails open; publishing a task never blocks a request for more than a
second. Postgres down: a 503, JSON for the API and a short page otherwise, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client

from config import cache as fail_soft

from .upstream_server import closed_port

ROOT = Path(__file__).resolve().parents[2]
DOWN_REDIS = f"redis://127.0.0.1:{closed_port()}/0"
FAIL_SOFT = {"default": {"BACKEND": "config.cache.FailSoftRedisCache", "LOCATION": DOWN_REDIS,
                         "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}}
PAGES = ["/", "/compare/", "/prices/", "/wizard/"]
COMPARE = {"training_hours": 10, "min_memory_gb": 24}


@pytest.fixture
def redis_down(settings):
    fail_soft.reset_breaker()
    settings.CACHES = FAIL_SOFT  # Django's setting_changed handler rebuilds the cache handler
    yield
    fail_soft.reset_breaker()


@pytest.fixture
def prices(db, settings):
    from pricing import services
    from pricing.providers.registry import PROVIDERS

    settings.PRICING_OFFLINE = True
    for slug in PROVIDERS:
        services.poll_provider(slug)


def _timed(fn):
    started = time.monotonic()
    resp = fn()
    return resp, time.monotonic() - started


def test_the_cache_answers_like_a_miss_when_redis_is_down(redis_down):
    cache = caches["default"]
    assert isinstance(cache, fail_soft.FailSoftRedisCache)
    started = time.monotonic()
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete_many(["a"])
    cache.touch("k")
    cache.clear()
    assert time.monotonic() - started < 1.0


def test_a_blackholed_redis_costs_one_timeout_then_the_breaker_opens(settings):
    """A Redis that accepts TCP but never answers: one socket timeout, then no more waiting."""
    import socket

    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(64)
    try:
        settings.CACHES = {"default": {**FAIL_SOFT["default"],
                                       "LOCATION": f"redis://127.0.0.1:{sink.getsockname()[1]}/0"}}
        fail_soft.reset_breaker()
        cache = caches["default"]
        started = time.monotonic()
        for _ in range(20):
            assert cache.get("k") is None
        assert time.monotonic() - started < 1.0
    finally:
        sink.close()
        fail_soft.reset_breaker()


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_fast_with_redis_down(path, redis_down, prices):
    resp, took = _timed(lambda: Client().get(path))
    assert resp.status_code in (200, 302), resp.status_code
    assert took < 1.0, f"{path} took {took:.2f}s"


@pytest.mark.django_db
def test_the_json_api_answers_fast_with_redis_down(redis_down, prices):
    c = Client()
    resp, took = _timed(lambda: c.get("/api/cloud/providers"))
    assert resp.status_code == 200 and took < 1.0, (resp.status_code, took)
    resp, took = _timed(lambda: c.post("/api/cloud/compare-costs", COMPARE, content_type="application/json"))
    assert resp.status_code == 200 and took < 1.0, (resp.status_code, took)
    resp, took = _timed(lambda: c.get("/api/cloud/gpus"))
    assert resp.status_code == 200 and took < 1.0, (resp.status_code, took)


@pytest.mark.django_db
def test_the_throttle_fails_open_while_redis_is_down(redis_down, prices, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min"}}
    c = Client()
    statuses = [c.get("/api/cloud/providers").status_code for _ in range(5)]
    assert statuses == [200] * 5  # documented in config/cache.py: a courtesy limit, not a boundary


@pytest.mark.parametrize("broker", ["closed-port", "black-hole"])
def test_publishing_a_task_with_the_broker_down_never_blocks_over_a_second(broker):
    """With the production settings (REDIS_URL -> broker) and nothing answering, ``.delay()``
    fails fast; run in a subprocess so the real settings and a fresh Celery app are used.
    black-hole: a socket that accepts connections and never answers (a hung Redis)."""
    import socket

    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(64)
    url = DOWN_REDIS if broker == "closed-port" else f"redis://127.0.0.1:{sink.getsockname()[1]}/0"
    try:
        _publish_within_a_second(url)
    finally:
        sink.close()


def _publish_within_a_second(url):
    code = (
        "import time, django; django.setup()\n"
        "from pricing.tasks import poll_provider\n"
        "t = time.monotonic()\n"
        "try:\n    poll_provider.delay('runpod')\nexcept Exception as exc:\n    print(type(exc).__name__)\n"
        "print('took', time.monotonic() - t)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", "REDIS_URL": url}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    took = float(out.stdout.strip().splitlines()[-1].split()[-1])
    assert took < 1.0, out.stdout + out.stderr


# --- Postgres down ------------------------------------------------------------------------------

@contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with connection.execute_wrapper(refuse):
        yield


TRACE_MARKERS = ("Traceback", "OperationalError", "psycopg", "5432", 'File "/', "SELECT ")


@pytest.mark.django_db
@pytest.mark.parametrize("method,path,body", [
    ("get", "/api/cloud/providers", None),
    ("post", "/api/cloud/compare-costs", COMPARE),
    ("post", "/api/cloud/instances", {}),
    ("get", "/api/cloud/history?gpu_type=H100", None),
])
def test_the_api_answers_503_json_when_the_database_is_down(method, path, body, prices):
    c = Client()
    with database_down():
        if body is None:
            resp = c.get(path)
        else:
            resp = c.post(path, body, content_type="application/json")
    text = resp.content.decode()
    assert resp.status_code == 503, (resp.status_code, text[:300])
    assert resp["Content-Type"].startswith("application/json")
    assert resp.json()["detail"]
    assert resp["Retry-After"]
    for marker in TRACE_MARKERS:
        assert marker not in text


# Pages that read prices; "/" and "/wizard/" (a redirect) need no database for an anonymous visitor.
DB_PAGES = ["/compare/", "/prices/", "/healthz"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES + ["/healthz"])
def test_pages_answer_503_when_the_database_is_down(path, prices):
    with database_down():
        resp = Client().get(path)
    text = resp.content.decode()
    if path in DB_PAGES:
        assert resp.status_code == 503, (resp.status_code, text[:300])
    else:
        assert resp.status_code in (200, 302, 503), (resp.status_code, text[:300])
    for marker in TRACE_MARKERS:
        assert marker not in text


def test_a_closed_database_port_gives_a_503_not_a_traceback():
    """A real refused connection (no wrapper): the whole app pointed at a closed port, in a subprocess."""
    code = (
        "import django, logging; django.setup(); logging.disable(logging.CRITICAL)\n"
        "from django.test import Client\n"
        "for path in ('/compare/', '/api/cloud/providers', '/healthz'):\n"
        "    r = Client(HTTP_HOST='localhost').get(path)\n"
        "    print('RESULT', path, r.status_code, r['Content-Type'].split(';')[0], b'Traceback' in r.content)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/nothing"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 3, out.stdout + out.stderr[-2000:]
    for line in lines:
        _, path, status, ctype, traceback = line.split()
        assert status == "503", line
        assert traceback == "False", line
        if path.startswith("/api/"):
            assert ctype.startswith("application/json"), line


POLL_WITH_BROKER_DOWN = (
    "import time, django, logging; django.setup(); logging.disable(logging.CRITICAL)\n"
    "from pricing import services\n"
    "services.gpu_catalog_sync()\n"
    "t = time.monotonic()\n"
    "run = services.poll_provider('runpod')\n"
    "print('RESULT', run.status, time.monotonic() - t)\n"
)


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["closed-port", "black-hole"])
def test_a_poll_succeeds_quickly_when_the_broker_is_down(broker):
    """After a poll commits, alert evaluation is queued on Celery; with the broker down the poll
    must still finish (alerts evaluated inline) and not hang on the publish."""
    import socket

    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(64)
    url = DOWN_REDIS if broker == "closed-port" else f"redis://127.0.0.1:{sink.getsockname()[1]}/0"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "REDIS_URL": url,
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
           "PRICING_OFFLINE": "1"}
    try:
        out = subprocess.run([sys.executable, "-c", POLL_WITH_BROKER_DOWN], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    finally:
        sink.close()
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, out.stdout + out.stderr[-2000:]
    _, status, took = line[0].split()
    assert status == "ok"
    assert float(took) < 2.0, f"poll took {float(took):.2f}s with the broker {broker}"
