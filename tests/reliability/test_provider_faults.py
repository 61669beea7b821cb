"""Provider fault matrix (reliability.md S9/S10): every live provider x every upstream fault.

For each cell: no exception escapes ``poll_provider``, the PollRun says what happened, the last good
prices stay and are reported stale, and the other providers keep updating. Upstream calls are
counted so a fault never turns into a retry storm.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from pricing import services
from pricing.models import Offer, PollRun, ProviderState
from pricing.providers import http as provider_http
from pricing.providers.http import public_cause
from pricing.selectors import offers_latest, provider_freshness

from .payloads import KEY_ENV, LIVE_PROVIDERS, REQUESTS_PER_POLL, empty, good_body, huge, priced, wrong_shape

SECRET = {slug: f"sk-{slug}-FAULTMATRIX-7f3a9c1e5b" for slug in LIVE_PROVIDERS}
MAX_BYTES = 64 * 1024


class Upstream:
    """An httpx transport answering with ``handler`` and counting requests."""

    def __init__(self, handler):
        self.calls = 0
        self._handler = handler

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.calls += 1
            return self._handler(request)

        return httpx.MockTransport(handle)


def good(slug):
    return Upstream(lambda request: httpx.Response(200, content=good_body(slug, request),
                                                   headers={"Content-Type": "application/json"}))


def _json(status, body, **headers):
    return lambda request: httpx.Response(status, content=json.dumps(body).encode(),
                                          headers={"Content-Type": "application/json", **headers})


def _raise(exc_class):
    def handler(request):
        raise exc_class("simulated", request=request)

    return handler


def _drip(request):
    def body():
        for byte in good_body("runpod"):
            time.sleep(0.2)
            yield bytes([byte])

    return httpx.Response(200, content=body())


FAULTS = {
    "connect-timeout": lambda slug: _raise(httpx.ConnectTimeout),
    "read-timeout": lambda slug: _raise(httpx.ReadTimeout),
    "connection-refused": lambda slug: _raise(httpx.ConnectError),
    "slow-drip": lambda slug: _drip,
    "http-500": lambda slug: _json(500, {"error": "internal"}),
    "http-502": lambda slug: lambda request: httpx.Response(502, content=b"<html>Bad gateway</html>"),
    "http-429-retry-after": lambda slug: _json(429, {"error": "slow down"}, **{"Retry-After": "1"}),
    "http-429-no-retry-after": lambda slug: lambda request: httpx.Response(429, content=b"API requests too frequent"),
    "http-401": lambda slug: _json(401, {"error": "invalid api key"}),
    "malformed-json": lambda slug: lambda request: httpx.Response(200, content=b'{"gpus": [{"id": "H100",'),
    "wrong-shape": lambda slug: _json(200, wrong_shape(slug)),
    "empty-list": lambda slug: _json(200, empty(slug)),
    "negative-prices": lambda slug: _json(200, priced(slug, -1.5)),
    "zero-prices": lambda slug: _json(200, priced(slug, 0)),
    "huge-payload": lambda slug: lambda request: httpx.Response(200, content=huge(slug, MAX_BYTES * 2)),
}
# What the PollRun's error must mention, so whoever reads it knows what went wrong.
ERROR_SAYS = {
    "connect-timeout": "timed out", "read-timeout": "timed out", "connection-refused": "connect",
    "slow-drip": "deadline", "http-500": "500", "http-502": "502", "http-429-retry-after": "429",
    "http-429-no-retry-after": "429", "http-401": "API_KEY", "malformed-json": "malformed",
    "wrong-shape": "", "empty-list": "no usable offers", "negative-prices": "no usable offers",
    "zero-prices": "no usable offers", "huge-payload": "larger than",
}
SUSPECT_FAULTS = {"empty-list", "negative-prices", "zero-prices"}
# Replicate's API lists hardware without prices (prices come from the dated list): no price to corrupt.
NOT_APPLICABLE = {("replicate", "negative-prices"), ("replicate", "zero-prices")}


@pytest.fixture
def live_env(monkeypatch, settings):
    for slug in LIVE_PROVIDERS:
        monkeypatch.setenv(KEY_ENV[slug], SECRET[slug])
    settings.PRICING_OFFLINE = False
    settings.PROVIDER_POLL_DEADLINE_SECONDS = 1
    settings.PROVIDER_MAX_RESPONSE_BYTES = MAX_BYTES
    sleeps: list[float] = []
    monkeypatch.setattr(provider_http, "sleep", sleeps.append)
    return sleeps


def _poll_all_good(except_slug=None) -> dict[str, PollRun]:
    runs = {}
    for slug in LIVE_PROVIDERS:
        if slug != except_slug:
            runs[slug] = services.poll_provider(slug, transport=good(slug).transport())
            assert runs[slug].status == PollRun.Status.OK, runs[slug].error
    return runs


@pytest.mark.django_db
@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_a_failing_provider_keeps_its_last_good_prices_marked_stale(slug, fault, live_env):
    if (slug, fault) in NOT_APPLICABLE:
        pytest.skip("this provider's API carries no prices")
    first = _poll_all_good()
    good_offer_ids = sorted(o.pk for o in offers_latest(providers=[slug]))
    assert good_offer_ids

    upstream = Upstream(FAULTS[fault](slug))
    started = time.monotonic()
    run = services.poll_provider(slug, transport=upstream.transport())  # must not raise
    elapsed = time.monotonic() - started

    # The poll record says what happened.
    run.refresh_from_db()
    # An answer that parses but holds nothing usable, after a good poll, is held back as suspect.
    expected = PollRun.Status.SUSPECT if fault in SUSPECT_FAULTS else PollRun.Status.FAILED
    assert run.status == expected
    assert run.finished_at is not None and run.duration_ms is not None
    assert run.offer_count == 0
    assert ERROR_SAYS[fault].lower() in run.error.lower(), run.error
    assert SECRET[slug] not in run.error
    assert not Offer.objects.filter(poll=run).exists()  # nothing partial stored
    # The last good prices stay, and are served marked stale.
    state = ProviderState.objects.get(provider=slug)
    assert state.current_poll_id == first[slug].pk
    assert state.locked_until is None  # the claim is released
    assert sorted(o.pk for o in offers_latest(providers=[slug])) == good_offer_ids
    # The deadline holds (1 s here) and retries stay bounded.
    assert elapsed < 3.0
    assert upstream.calls <= provider_http.MAX_ATTEMPTS * REQUESTS_PER_POLL[slug]

    # The other providers keep updating.
    again = _poll_all_good(except_slug=slug)
    fresh = provider_freshness()
    assert fresh[slug].stale is True
    assert fresh[slug].status == ("suspect" if fault in SUSPECT_FAULTS else "failing")
    # The cause in our words; the detail stays in the admin.
    assert fresh[slug].last_error == (public_cause(run.error) if fresh[slug].status == "failing"
                                      else "held back as suspect")
    assert fresh[slug].stale_reason
    assert fresh[slug].offer_count == first[slug].offer_count
    for other, other_run in again.items():
        assert ProviderState.objects.get(provider=other).current_poll_id == other_run.pk
        # Fresh polls; only a built-in list older than CATALOG_STALE_DAYS is stale (issue #13).
        assert fresh[other].stale is fresh[other].list_stale and fresh[other].status == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_429_waits_as_long_as_retry_after_says(slug, live_env, settings):
    settings.PROVIDER_POLL_DEADLINE_SECONDS = 30
    upstream = Upstream(_json(429, {"error": "slow down"}, **{"Retry-After": "2"}))
    run = services.poll_provider(slug, transport=upstream.transport())
    assert run.status == PollRun.Status.FAILED
    assert live_env, "no back-off at all"
    assert all(2.0 <= s <= 2.2 for s in live_env), live_env
    assert upstream.calls == provider_http.MAX_ATTEMPTS


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_429_without_retry_after_backs_off_exponentially(slug, live_env, settings):
    settings.PROVIDER_POLL_DEADLINE_SECONDS = 30
    upstream = Upstream(lambda request: httpx.Response(429, content=b"API requests too frequent"))
    services.poll_provider(slug, transport=upstream.transport())
    assert len(live_env) == provider_http.MAX_ATTEMPTS - 1
    if slug == "vast":
        # Vast's search allows 10 requests a minute: wait a whole 6 s window each time instead.
        assert all(6.0 <= s <= 6.2 for s in live_env), live_env
    else:
        assert live_env[0] < live_env[1]  # 0.5 s, then 1 s (+ jitter)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_401_is_not_retried(slug, live_env):
    upstream = Upstream(_json(401, {"error": "invalid api key"}))
    run = services.poll_provider(slug, transport=upstream.transport())
    assert run.status == PollRun.Status.FAILED
    assert upstream.calls == 1
    assert KEY_ENV[slug] in run.error


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_a_provider_that_recovers_is_fresh_again(slug, live_env):
    _poll_all_good()
    services.poll_provider(slug, transport=Upstream(_json(500, {})).transport())
    assert provider_freshness()[slug].stale is True
    run = services.poll_provider(slug, transport=good(slug).transport())
    assert run.status == PollRun.Status.OK
    fresh = provider_freshness()[slug]
    # Replicate's prices are its built-in list even when its API answers: stale only when that list is old.
    assert fresh.stale is fresh.list_stale and fresh.status == "ok" and fresh.last_error == ""
