"""Anonymous API rate limit (reliability.md S16): past the limit, 429 with Retry-After, in JSON."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

ENDPOINTS = [
    ("post", "/api/cloud/compare-costs", {"training_hours": 10}),
    ("post", "/api/cloud/instances", {}),
    ("post", "/api/cloud/estimate", {"workload": {"model_params_b": 7, "dataset_tokens": 100_000_000}}),
    ("get", "/api/cloud/providers", None),
    ("get", "/api/cloud/gpus", None),
    ("get", "/api/cloud/setup-instructions/runpod", None),
    ("get", "/api/cloud/history?gpu_type=H100", None),
]


@pytest.fixture
def three_per_minute(settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}
    # Views on DRF's stock AnonRateThrottle (estimate, history) read THROTTLE_RATES, a class
    # attribute frozen at import; the selector API's PublicApiThrottle reads the setting per request.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("method,path,body", ENDPOINTS)
def test_the_fourth_request_in_a_minute_is_429_with_retry_after(method, path, body, three_per_minute):
    c = Client(HTTP_ACCEPT="application/json")

    def call():
        if body is None:
            return c.get(path)
        return c.post(path, body, content_type="application/json")

    statuses = [call().status_code for _ in range(3)]
    assert all(s != 429 for s in statuses), statuses
    resp = call()
    assert resp.status_code == 429, resp.status_code
    assert 1 <= int(resp["Retry-After"]) <= 60
    assert resp["Content-Type"].startswith("application/json")
    assert "throttled" in resp.json()["detail"].lower() or "too many" in resp.json()["detail"].lower()


@pytest.mark.django_db
def test_another_client_is_not_throttled(three_per_minute):
    a = Client(REMOTE_ADDR="10.0.0.1")
    b = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(4):
        a.get("/api/cloud/gpus")
    assert a.get("/api/cloud/gpus").status_code == 429
    assert b.get("/api/cloud/gpus").status_code == 200


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_does_not_reset_the_limit(three_per_minute):
    """Without a configured proxy (NUM_PROXIES), X-Forwarded-For must not mint new identities."""
    c = Client(REMOTE_ADDR="10.0.0.3")
    codes = [c.get("/api/cloud/gpus", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code for i in range(5)]
    assert codes[-1] == 429, codes


# --- Issue 12 point 8: counts across workers without Redis; expensive pages limited -------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

WORKER = r"""
import os, sys, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.core.cache import cache
print("BACKEND", settings.CACHES["default"]["BACKEND"])
codes = [Client(HTTP_ACCEPT="application/json").get("/api/cloud/gpus").status_code for _ in range(3)]
print("CODES", " ".join(map(str, codes)))
"""


def _worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "API_THROTTLE"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY="x" * 60, DJANGO_DEBUG="0",
               DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_ALLOWED_HOSTS="testserver", API_THROTTLE_ANON="4/min",
               FILE_CACHE_DIR=str(tmp_path / "cache"), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    out = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("BACKEND", "CODES")))
    return lines["BACKEND"], [int(c) for c in lines["CODES"].split()]


def test_without_redis_the_api_throttle_counts_across_worker_processes(tmp_path):
    """Two separate processes (two gunicorn workers) with the embedded default settings share one
    budget of 4 a minute: the second process is refused after the first used three."""
    backend, first = _worker(tmp_path)
    assert "locmem" not in backend.lower()
    _, second = _worker(tmp_path)
    assert first == [200, 200, 200]
    assert second == [200, 429, 429]


@pytest.fixture
def page_limit(settings):
    settings.PAGE_THROTTLE_ANON = "3/min"
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_anonymous_clients_are_limited_on_the_compare_page(page_limit):
    c = Client()
    codes = [c.get("/compare/", {"training_hours": str(i + 1)}).status_code for i in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    r = c.get("/compare/")
    assert 0 < int(r["Retry-After"]) <= 60 and "Too many requests" in r.content.decode()
    # Another address, and cheap pages, are not affected.
    assert Client(REMOTE_ADDR="192.0.2.77").get("/compare/").status_code == 200
    assert c.get("/tips/").status_code == 200


@pytest.mark.django_db
def test_signed_in_users_are_not_limited_by_the_page_limit(page_limit):
    from django.contrib.auth.models import User

    c = Client()
    c.force_login(User.objects.create_user("pages", password="pw-pages-123"))
    assert all(c.get("/compare/").status_code == 200 for _ in range(5))
