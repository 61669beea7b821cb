"""Recorded provider answers: ``manage.py record_fixtures`` saves them (keys scrubbed) and the
adapters read them back through a replaying transport, with no network.

- every recording committed under tests/fixtures/recorded/<provider>/ is replayed;
- the record -> replay round trip is checked against the fake servers of fake_providers.py
  (standing in for the internet), so the command and the replay keep working even where no real
  recording has been committed yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from pricing.providers import http as provider_http
from pricing.providers.http import build_client
from pricing.providers.registry import PROVIDERS
from pricing.recording import ReplayTransport

from .conftest import FIXTURES, SECRET, load
from .fake_providers import REPLICATE_HARDWARE, FakeRunPod, FakeVast, vast_marketplace

pytestmark = pytest.mark.django_db

RECORDED = sorted((FIXTURES / "recorded").glob("*/manifest.json"))


@pytest.mark.skipif(not RECORDED, reason="no real recording committed yet (run manage.py record_fixtures with keys)")
@pytest.mark.parametrize("manifest", RECORDED, ids=lambda p: p.parent.name)
def test_every_committed_recording_replays(manifest: Path, monkeypatch):
    slug = manifest.parent.name
    conf = __import__("django.conf", fromlist=["settings"]).settings.PROVIDER_SETTINGS[slug]
    monkeypatch.setenv(conf["key_env"], "replay-key")
    replay = ReplayTransport(manifest)
    result = PROVIDERS[slug].fetch(build_client(slug, transport=replay))
    assert result.offers and not replay.unmatched


class Internet(httpx.BaseTransport):
    """The providers as fake servers, by host (what record_fixtures would reach with real keys)."""

    def __init__(self):
        self.routes = {
            "api.runpod.io": FakeRunPod(),
            "console.vast.ai": FakeVast(vast_marketplace(300)),
            "api.replicate.com": lambda r: httpx.Response(200, json=REPLICATE_HARDWARE),
            "cloud.lambda.ai": lambda r: httpx.Response(200, json={
                **load("lambda", "instance_types.json"), "account_id": "acct-12345"}),
            "api.together.ai": lambda r: httpx.Response(200, json=load(
                "together", "hardware_for_model.json" if "model" in r.url.params else "hardware.json")),
        }

    def handle_request(self, request):
        return self.routes[request.url.host](request)


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setattr(provider_http, "sleep", lambda s: None)
    for slug in ("runpod", "lambda", "together", "vast"):
        monkeypatch.setenv(f"{slug.upper()}_API_KEY", f"{SECRET}-{slug}")
        monkeypatch.delenv(f"{slug.upper()}_API_URL", raising=False)
    monkeypatch.setenv("REPLICATE_API_TOKEN", f"{SECRET}-replicate")
    monkeypatch.delenv("REPLICATE_API_URL", raising=False)


def test_record_fixtures_saves_scrubbed_answers_that_replay_to_the_same_offers(tmp_path, keys, settings):
    settings.TOGETHER_AVAILABILITY_MODELS = ["Qwen/Qwen3.5-9B-FP8"]
    internet = Internet()
    call_command("record_fixtures", out=str(tmp_path), transport=internet)
    manifests = sorted(tmp_path.glob("*/manifest.json"))
    assert {m.parent.name for m in manifests} == {"runpod", "lambda", "together", "vast", "replicate"}
    for manifest in manifests:
        slug = manifest.parent.name
        text = "".join(p.read_text() for p in manifest.parent.iterdir())
        assert SECRET not in text  # keys never written
        assert "acct-12345" not in text  # account ids scrubbed
        data = json.loads(manifest.read_text())
        assert data["exchanges"] and data["recorded_at"]
        # What the adapter reads from the recording is what it read from the "internet".
        live = PROVIDERS[slug].fetch(build_client(slug, transport=Internet()))
        replay = ReplayTransport(manifest)
        replayed = PROVIDERS[slug].fetch(build_client(slug, transport=replay))
        assert not replay.unmatched and not replay.unused
        assert sorted((o.provider_sku, o.region, o.usd_per_hour, o.availability) for o in replayed.offers) == sorted(
            (o.provider_sku, o.region, o.usd_per_hour, o.availability) for o in live.offers)
    runpod = json.loads((tmp_path / "runpod" / "manifest.json").read_text())
    # The RateLimit headers are kept: the adapter paces itself from them on replay too.
    assert all("ratelimit" in {k.lower() for k in ex["response"]["headers"]} for ex in runpod["exchanges"])


def test_record_fixtures_skips_providers_without_keys(tmp_path, monkeypatch):
    for slug in ("runpod", "lambda", "together", "vast"):
        monkeypatch.delenv(f"{slug.upper()}_API_KEY", raising=False)
        monkeypatch.delenv(f"{slug.upper()}_API_URL", raising=False)
    for name in ("REPLICATE_API_TOKEN", "REPLICATE_API_KEY", "REPLICATE_API_URL"):
        monkeypatch.delenv(name, raising=False)
    call_command("record_fixtures", out=str(tmp_path), transport=Internet())
    assert not list(tmp_path.glob("*/manifest.json"))
