"""manage.py refresh_prices: one line per provider, every provider polled, non-zero exit on failure."""

from __future__ import annotations

import io
import re

import httpx
import pytest
import respx
from django.core.management import CommandError, call_command, execute_from_command_line

from pricing.models import PollRun, ProviderState
from pricing.selectors import offers_latest, provider_freshness

from .conftest import LIVE, SECRET, load

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(?P<slug>\w+)\s+(?P<status>ok|failed)\s+offers=(?P<offers>\d+)\s+source=(?P<source>\w+)\s+"
                  r"(?P<secs>\d+\.\d\d)s")


@pytest.fixture
def all_live(live_env):
    for slug in LIVE:
        live_env(slug)


def _mock_providers(mock, *, lambda_down=False, together_slow=False):
    def runpod(request):
        name = "catalog_gpus_secure.json" if request.url.params["cloud"] == "SECURE" else "catalog_gpus_community.json"
        return httpx.Response(200, json=load("runpod", name))

    mock.get(LIVE["runpod"]["url"] + "/catalog/gpus").mock(side_effect=runpod)
    mock.get(LIVE["lambda"]["url"] + "/instance-types").mock(
        return_value=httpx.Response(500, json={"error": {"code": "provider/internal-unavailable"}}) if lambda_down
        else httpx.Response(200, json=load("lambda", "instance_types.json")))
    together = mock.get(LIVE["together"]["url"] + "/hardware")
    if together_slow:
        together.mock(side_effect=httpx.ReadTimeout("timed out"))
    else:
        together.mock(return_value=httpx.Response(200, json=load("together", "hardware.json")))
    mock.post(LIVE["vast"]["url"] + "/bundles/").mock(return_value=httpx.Response(200, json=load("vast", "bundles.json")))
    mock.get(LIVE["replicate"]["url"] + "/hardware").mock(
        return_value=httpx.Response(200, json=load("replicate", "hardware.json")))


def _lines(out: str) -> dict[str, re.Match]:
    matches = [LINE.match(line) for line in out.strip().splitlines()]
    assert all(matches), out
    return {m["slug"]: m for m in matches}


def test_it_polls_every_provider_and_prints_one_line_each(all_live):
    out = io.StringIO()
    with respx.mock(assert_all_called=True) as mock:
        _mock_providers(mock)
        call_command("refresh_prices", stdout=out)
    lines = _lines(out.getvalue())
    assert list(lines) == ["runpod", "lambda", "together", "vast", "modal", "replicate"]
    assert {slug: m["status"] for slug, m in lines.items()} == dict.fromkeys(lines, "ok")
    assert lines["lambda"]["source"] == "live" and lines["lambda"]["offers"] == "5"
    assert lines["modal"]["source"] == "catalog" and lines["replicate"]["source"] == "catalog"
    assert "built-in list prices of 2026-05-07" in out.getvalue()


def test_it_keeps_going_past_failures_and_exits_non_zero(all_live, seed_good_poll):
    good_lambda = seed_good_poll("lambda")
    good_together = seed_good_poll("together")
    out = io.StringIO()
    with respx.mock(assert_all_called=False) as mock:
        _mock_providers(mock, lambda_down=True, together_slow=True)
        with pytest.raises(CommandError) as failure:
            call_command("refresh_prices", stdout=out)
    assert "2 provider(s) failed: lambda, together" in str(failure.value)
    text = out.getvalue()
    lines = _lines(text)
    assert len(lines) == 6  # every provider was polled, after the failures too
    assert lines["lambda"]["status"] == "failed" and lines["together"]["status"] == "failed"
    assert {lines[s]["status"] for s in ("runpod", "vast", "modal", "replicate")} == {"ok"}
    assert "HTTP 500" in text and "timed out" in text and "last good prices kept" in text
    assert SECRET not in text
    # The failed ones keep serving their last good prices, stale; the others moved on.
    assert ProviderState.objects.get(provider="lambda").current_poll_id == good_lambda.pk
    assert ProviderState.objects.get(provider="together").current_poll_id == good_together.pk
    fresh = provider_freshness()
    assert fresh["lambda"].stale and fresh["together"].stale and not fresh["vast"].stale
    providers = {o.provider for o in offers_latest()}
    assert providers == {"runpod", "lambda", "together", "vast", "modal", "replicate"}
    assert PollRun.objects.filter(status="running").count() == 0


def test_it_polls_only_the_named_providers_and_exits_1(all_live, capsys):
    with respx.mock(assert_all_called=False) as mock:
        _mock_providers(mock, lambda_down=True)
        with pytest.raises(SystemExit) as exit_info:
            execute_from_command_line(["manage.py", "refresh_prices", "--provider", "lambda", "--provider", "vast"])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert set(_lines(captured.out)) == {"lambda", "vast"}
    assert "lambda" in captured.err


def test_it_rejects_an_unknown_provider():
    with pytest.raises(CommandError, match="unknown provider nope"):
        call_command("refresh_prices", "--provider", "nope", stdout=io.StringIO())


def test_it_still_polls_the_others_when_recording_one_blows_up(monkeypatch, settings):
    from pricing import services

    settings.PRICING_OFFLINE = True
    real_poll = services.poll_provider

    def poll(slug, **kwargs):
        if slug == "lambda":
            raise RuntimeError("database went away")
        return real_poll(slug, **kwargs)

    monkeypatch.setattr(services, "poll_provider", poll)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 provider\\(s\\) failed: lambda"):
        call_command("refresh_prices", stdout=out)
    text = out.getvalue()
    assert "lambda     failed   could not record the poll (RuntimeError)" in text
    assert len(text.strip().splitlines()) == 6
