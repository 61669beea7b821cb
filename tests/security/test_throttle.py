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
