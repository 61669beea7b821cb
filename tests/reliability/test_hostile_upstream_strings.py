"""Strings PostgreSQL refuses, in provider data (issue 12 point 6). One NUL byte used to fail the
whole poll on Postgres, and in an unknown GPU name it left the poll "running" while the API said
"ok". Such rows are skipped and counted like other bad rows; names kept for diagnosis are cleaned;
recording a failure cannot fail silently. Runs on SQLite (default) and on Postgres (CI)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from django.db import OperationalError, connection

from pricing import services
from pricing.models import PollRun, ProviderState
from pricing.selectors import provider_freshness

pytestmark = pytest.mark.django_db

GOOD = [
    {"id": 101, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 0.5, "gpu_ram": 24564,
     "geolocation": "Sweden, SE", "rentable": True, "verification": "verified"},
    {"id": 102, "gpu_name": "H100 SXM", "num_gpus": 2, "dph_total": 5.0, "gpu_ram": 81559,
     "geolocation": "Texas, US", "rentable": True, "verification": "verified"},
]
NUL_REGION = {**GOOD[0], "id": 103, "geolocation": "Sweden, S\x00E"}
SURROGATE_REGION = {**GOOD[0], "id": 104}  # geolocation set as a raw JSON escape below
NUL_UNKNOWN_GPU = {**GOOD[0], "id": 105, "gpu_name": "Mystery\x00GPU 9000"}


def _vast(offers, *, raw_surrogate=False):
    body = json.dumps({"offers": offers})
    if raw_surrogate:
        body = body.replace('"id": 104, ', '"id": 104, "geolocation": "Oslo, N\\ud800O", ', 1)
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body.encode()))


@pytest.fixture
def vast_live(monkeypatch, settings):
    settings.PRICING_OFFLINE = False
    monkeypatch.setenv("VAST_API_KEY", "vast-test-key-123456789")


def test_rows_with_nul_or_surrogates_are_skipped_and_counted_and_the_poll_lands(vast_live):
    offers = [*GOOD, NUL_REGION, {k: v for k, v in SURROGATE_REGION.items() if k != "geolocation"}, NUL_UNKNOWN_GPU]
    run = services.poll_provider("vast", transport=_vast(offers, raw_surrogate=True))
    run.refresh_from_db()
    assert run.status == PollRun.Status.OK, run.error
    assert run.offer_count == 2
    assert run.skipped_count >= 3
    assert all("\x00" not in name for name in run.unknown_gpus)
    assert any("Mystery" in name for name in run.unknown_gpus)
    assert ProviderState.objects.get(provider="vast").current_poll_id == run.pk
    assert provider_freshness()["vast"].status == "ok"


def test_a_nul_in_an_unknown_gpu_name_of_an_unusable_poll_is_recorded_as_failed(vast_live):
    """The case that stayed "running": no usable row, and the unknown name kept for diagnosis."""
    run = services.poll_provider("vast", transport=_vast([NUL_UNKNOWN_GPU]))
    run.refresh_from_db()
    assert run.status == PollRun.Status.FAILED and "no usable offers" in run.error
    assert all("\x00" not in name for name in run.unknown_gpus)
    assert not PollRun.objects.filter(status=PollRun.Status.RUNNING).exists()
    fresh = provider_freshness()["vast"]
    assert fresh.status == "failing" and fresh.last_error == "no usable offers"


def test_recording_a_failure_survives_one_dropped_connection(vast_live, monkeypatch, caplog):
    real_save = PollRun.save
    calls = {"n": 0}

    def flaky_save(self, *args, **kwargs):
        if kwargs.get("update_fields") and self.status == PollRun.Status.FAILED and calls["n"] == 0:
            calls["n"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(PollRun, "save", flaky_save)
    run = services.poll_provider("vast", transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    assert calls["n"] == 1
    run.refresh_from_db()
    assert run.status == PollRun.Status.FAILED
    assert ProviderState.objects.get(provider="vast").lock_token == ""  # the claim was released


def test_a_failure_that_cannot_be_recorded_is_loud_and_the_next_attempt_closes_it(vast_live, monkeypatch, caplog):
    real_save = PollRun.save

    def dead_save(self, *args, **kwargs):
        if kwargs.get("update_fields"):
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(PollRun, "save", dead_save)
    caplog.set_level(logging.ERROR)
    with pytest.raises(OperationalError):
        services.poll_provider("vast", transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    assert "failed again" in caplog.text
    left = PollRun.objects.get(status=PollRun.Status.RUNNING)
    # The database is back: the next attempt (its claim) closes the poll left "running".
    monkeypatch.setattr(PollRun, "save", real_save)
    nxt = services.poll_provider("vast", transport=_vast(GOOD))
    assert nxt is not None and nxt.status == PollRun.Status.OK
    left.refresh_from_db()
    assert left.status == PollRun.Status.FAILED and "abandoned" in left.error


def test_a_poll_left_running_past_the_time_limit_is_not_reported_ok(vast_live):
    import datetime as dt

    from django.utils import timezone

    good = services.poll_provider("vast", transport=_vast(GOOD))
    stuck = PollRun.objects.create(provider="vast", source="live",
                                   started_at=timezone.now() - dt.timedelta(seconds=services.LOCK_SECONDS + 5))
    ProviderState.objects.filter(provider="vast").update(last_attempt=stuck)
    fresh = provider_freshness()["vast"]
    assert good.status == "ok"
    assert fresh.status == "failing" and fresh.last_error == "poll interrupted"


@pytest.mark.needs_postgres
def test_postgres_really_refuses_nul_in_text_and_jsonb():
    """The premise of the cleaning above, checked on the real server."""
    from django.db import DataError, transaction

    for value in ("a\x00b",):
        with pytest.raises((DataError, ValueError)), transaction.atomic():
            PollRun.objects.create(provider="vast", source="live", started_at="2026-01-01T00:00Z", error=value)
        with pytest.raises((DataError, ValueError)), transaction.atomic():
            PollRun.objects.create(provider="vast", source="live", started_at="2026-01-01T00:00Z",
                                   unknown_gpus=[value])
    assert connection.vendor == "postgresql"
