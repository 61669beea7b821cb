"""The shared provider HTTP client: headers, Retry-After, deadline, size cap, pacing."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from pricing.providers import http as provider_http
from pricing.providers.base import AuthError, PayloadError, TransientProviderError
from pricing.providers.http import ProviderClient, build_client


def client(handler, **kwargs) -> ProviderClient:
    defaults = dict(slug="fake", base_url="http://fake.test/v1", api_key="", key_env="FAKE_API_KEY", deadline_s=30,
                    max_bytes=1000, transport=httpx.MockTransport(handler))
    return ProviderClient(**{**defaults, **kwargs})


@pytest.fixture
def slept(monkeypatch):
    calls = []
    monkeypatch.setattr(provider_http, "sleep", calls.append)
    return calls


def test_it_sends_a_user_agent_and_the_key_only_when_there_is_one():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    assert client(handler, api_key="k-123").request_json("GET", "/things") == {"ok": True}
    client(handler).request_json("GET", "things")
    assert str(seen[0].url) == "http://fake.test/v1/things"
    assert seen[0].headers["Authorization"] == "Bearer k-123"
    assert seen[0].headers["User-Agent"].startswith("compute-provider-selector/")
    assert "Authorization" not in seen[1].headers


def test_it_honours_retry_after_given_as_an_http_date(slept):
    answers = iter([
        httpx.Response(429, headers={"Retry-After": email.utils.formatdate(time.time() + 5, usegmt=True)}),
        httpx.Response(200, json=[]),
    ])
    assert client(lambda r: next(answers)).request_json("GET", "x") == []
    assert 3 <= slept[0] <= 6.2


def test_it_gives_up_instead_of_waiting_past_the_deadline(slept):
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(429, headers={"Retry-After": "30"})

    with pytest.raises(TransientProviderError, match="HTTP 429"):
        client(handler, deadline_s=5).request_json("GET", "x")
    assert calls == [1] and slept == []


def test_it_refuses_an_oversized_answer():
    with pytest.raises(PayloadError, match="larger than 1000 bytes"):
        client(lambda r: httpx.Response(200, content=b"[" + b"1," * 2000 + b"1]")).request_json("GET", "x")


def test_it_paces_requests_of_one_client(slept):
    paced = client(lambda r: httpx.Response(200, json={}), min_interval_s=1.0)
    paced.request_json("GET", "a")
    paced.request_json("GET", "b")
    assert len(slept) == 1 and 0.5 < slept[0] <= 1.0


def test_it_points_at_the_credentials_without_a_key_env():
    with pytest.raises(AuthError, match="check the provider credentials"):
        client(lambda r: httpx.Response(403), key_env=None).request_json("GET", "x")


def test_it_builds_clients_from_the_environment(monkeypatch, settings):
    settings.PROVIDER_POLL_DEADLINE_SECONDS = 12
    built = build_client("lambda")
    assert (built.base_url, built.api_key, built.key_env, built.deadline_s) == (
        "https://cloud.lambda.ai/api/v1", "", "LAMBDA_API_KEY", 12.0)
    monkeypatch.setenv("LAMBDA_API_URL", " http://proxy.test/api/v1 ")
    monkeypatch.setenv("LAMBDA_API_KEY", " secret ")
    built = build_client("lambda")
    assert (built.base_url, built.api_key) == ("http://proxy.test/api/v1", "secret")
    assert "secret" not in repr(built)  # a logged client never shows the key
