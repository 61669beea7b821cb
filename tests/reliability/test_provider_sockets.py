"""Faults over real sockets: a server that drips one byte every 0.2 s past the poll deadline, and a
closed port (connection refused). Providers are pointed at them with ``*_API_URL``, as in
production, with no transport injected."""

from __future__ import annotations

import time

import pytest

from pricing import services
from pricing.models import PollRun, ProviderState
from pricing.selectors import provider_freshness

from .payloads import KEY_ENV, LIVE_PROVIDERS, URL_ENV, good_body
from .upstream_server import FakeProvider, closed_port


@pytest.fixture
def fast_deadline(settings):
    settings.PRICING_OFFLINE = False
    settings.PROVIDER_POLL_DEADLINE_SECONDS = 1


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_a_dripping_provider_is_cut_off_at_the_deadline(slug, fast_deadline, monkeypatch):
    with FakeProvider() as server:
        monkeypatch.setenv(URL_ENV[slug], server.url)
        server.body = good_body(slug)
        first = services.poll_provider(slug)
        assert first.status == PollRun.Status.OK, first.error

        server.mode = "drip"  # ~2 KB at 5 bytes a second: minutes, if nothing cut it off
        started = time.monotonic()
        run = services.poll_provider(slug)
        elapsed = time.monotonic() - started

    assert run.status == PollRun.Status.FAILED
    assert "deadline" in run.error or "timed out" in run.error, run.error
    assert elapsed < 2.5, f"poll took {elapsed:.1f}s with a 1 s deadline"
    assert ProviderState.objects.get(provider=slug).current_poll_id == first.pk
    assert provider_freshness()[slug].stale is True


@pytest.mark.django_db
@pytest.mark.parametrize("slug", LIVE_PROVIDERS)
def test_connection_refused_is_a_recorded_failure(slug, fast_deadline, monkeypatch):
    monkeypatch.setenv(URL_ENV[slug], f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv(KEY_ENV[slug], "sk-refused-test")
    started = time.monotonic()
    run = services.poll_provider(slug)
    assert time.monotonic() - started < 2.0
    assert run.status == PollRun.Status.FAILED
    assert "could not connect" in run.error, run.error
    assert provider_freshness()[slug].status == "failing"
