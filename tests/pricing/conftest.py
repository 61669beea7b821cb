"""Shared helpers for the pricing tests: captured-shape payloads and a seeded "last good" poll."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pricing.providers.base import FetchResult, ProviderOffer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Live providers: where tests point them, which env vars they read, and how they are asked.
LIVE = {
    "runpod": {"url": "http://fake-runpod.test/v2", "key_env": "RUNPOD_API_KEY", "url_env": "RUNPOD_API_URL",
               "method": "GET", "path": "/v2/catalog/gpus"},
    "lambda": {"url": "http://fake-lambda.test/api/v1", "key_env": "LAMBDA_API_KEY", "url_env": "LAMBDA_API_URL",
               "method": "GET", "path": "/api/v1/instance-types"},
    "together": {"url": "http://fake-together.test/v1", "key_env": "TOGETHER_API_KEY", "url_env": "TOGETHER_API_URL",
                 "method": "GET", "path": "/v1/hardware"},
    "vast": {"url": "http://fake-vast.test/api/v0", "key_env": "VAST_API_KEY", "url_env": "VAST_API_URL",
             "method": "POST", "path": "/api/v0/bundles/"},
    "replicate": {"url": "http://fake-replicate.test/v1", "key_env": "REPLICATE_API_KEY",
                  "url_env": "REPLICATE_API_URL", "method": "GET", "path": "/v1/hardware"},
}
SECRET = "sk-live-SECRET-0123456789"


def load(provider: str, name: str):
    return json.loads((FIXTURES / provider / name).read_text())


def good_payload(provider: str):
    """The provider's composed example payload (provider-apis.md)."""
    return {
        "runpod": lambda: load("runpod", "catalog_gpus_secure.json"),
        "lambda": lambda: load("lambda", "instance_types.json"),
        "together": lambda: load("together", "hardware.json"),
        "vast": lambda: load("vast", "bundles.json"),
        "replicate": lambda: load("replicate", "hardware.json"),
    }[provider]()


@pytest.fixture
def live_env(monkeypatch):
    """Point a provider at its fake host with a key; returns the provider's LIVE entry."""

    def _live(provider: str, *, key: str = SECRET) -> dict:
        conf = LIVE[provider]
        monkeypatch.setenv(conf["url_env"], conf["url"])
        monkeypatch.setenv(conf["key_env"], key)
        return conf

    return _live


def make_offers(provider: str, n: int, *, usd: str = "1.0000", gpu_slug: str = "h100-sxm") -> FetchResult:
    return FetchResult(offers=[
        ProviderOffer(provider=provider, provider_sku=f"sku-{i}", gpu_slug=gpu_slug, gpu_count=1, gpu_memory_gb=80,
                      usd_per_hour=Decimal(usd) + Decimal(i) / 1000, region="r", availability="high")
        for i in range(n)
    ])


@pytest.fixture
def seed_good_poll():
    """Store one good poll for a provider (the "last good prices" a failing poll must keep)."""
    from django.utils import timezone

    from pricing.models import PollRun, ProviderState
    from pricing.services import snapshot_record

    def _seed(provider: str, n: int = 2, usd: str = "9.9900") -> PollRun:
        ProviderState.objects.get_or_create(provider=provider)
        run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source="live")
        return snapshot_record(run, make_offers(provider, n, usd=usd))

    return _seed
