"""Seeding helpers for selector tests: offers go in through the real write path
(``pricing.services.snapshot_record``) so the API reads what a poll would have stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from pricing.models import PollRun, ProviderState
from pricing.providers.base import FetchResult, ProviderOffer
from pricing.services import snapshot_record


def offer(provider: str, sku: str, gpu_slug: str, usd_per_hour: str, *, count: int = 1, memory: int | None = None,
          region: str = "", availability: str = "high", interruptible: bool = False, tier: str = "") -> ProviderOffer:
    from pricing.gpus import GPUS_BY_SLUG

    return ProviderOffer(
        provider=provider, provider_sku=sku, gpu_slug=gpu_slug, gpu_count=count,
        gpu_memory_gb=memory if memory is not None else GPUS_BY_SLUG[gpu_slug].memory_gb,
        usd_per_hour=Decimal(usd_per_hour), region=region, availability=availability,
        interruptible=interruptible, tier=tier,
    )


def seed_provider(provider: str, offers: list[ProviderOffer], *, source: str = "live",
                  catalog_date: dt.date | None = None) -> PollRun:
    """Record a successful poll of ``provider`` holding ``offers``; it becomes the current prices."""
    ProviderState.objects.get_or_create(provider=provider)
    run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source=source)
    ProviderState.objects.filter(provider=provider).update(last_attempt=run)
    return snapshot_record(run, FetchResult(offers=offers, source=source, catalog_date=catalog_date))


def fail_provider(provider: str, error: str = "runpod: 503 from the API") -> PollRun:
    ProviderState.objects.get_or_create(provider=provider)
    run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source="live",
                                 status=PollRun.Status.FAILED, error=error, finished_at=timezone.now())
    ProviderState.objects.filter(provider=provider).update(last_attempt=run)
    return run


STANDARD = {
    "runpod": [
        offer("runpod", "rtx4090-community", "rtx-4090", "0.69", region="US-KS-2", tier="community"),
        offer("runpod", "rtx3090-community", "rtx-3090", "0.43", region="US-KS-2", tier="community"),
        offer("runpod", "a100-80gb-sxm-secure", "a100-80gb-sxm", "1.89", region="EU-RO-1", availability="medium",
              tier="secure"),
        offer("runpod", "h100-sxm-secure", "h100-sxm", "2.99", region="US-TX-3", tier="secure"),
        offer("runpod", "h100-sxm-secure-8x", "h100-sxm", "23.92", count=8, region="US-TX-3", tier="secure"),
    ],
    "lambda": [
        offer("lambda", "gpu_1x_a100_sxm4", "a100-40gb", "1.29", region="us-east-1", availability="unavailable"),
        offer("lambda", "gpu_1x_h100_sxm5", "h100-sxm", "2.49", region="us-west-1", availability="low"),
        offer("lambda", "gpu_1x_a10", "a10", "0.75", region="us-east-1"),
    ],
    "vast": [
        offer("vast", "m1-4090", "rtx-4090", "0.35", region="Texas, US", tier="on-demand"),
        offer("vast", "m1-4090-bid", "rtx-4090", "0.20", region="SE", interruptible=True, tier="interruptible"),
        offer("vast", "m2-a100", "a100-80gb-pcie", "1.10", region="SE", availability="medium", tier="on-demand"),
    ],
}
TOGETHER_CATALOG = [
    offer("together", "1x_nvidia_a100_80gb_sxm", "a100-80gb-sxm", "2.40", availability="unknown"),
    offer("together", "1x_nvidia_h100_80gb_sxm", "h100-sxm", "3.36", availability="unknown"),
]


@pytest.fixture
def seeded(db):
    """Live prices for RunPod, Lambda and Vast; Together from its dated catalog."""
    for provider, offers in STANDARD.items():
        seed_provider(provider, offers)
    seed_provider("together", TOGETHER_CATALOG, source="catalog", catalog_date=dt.date(2026, 8, 1))
    return STANDARD


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters live in the cache."""
    cache.clear()
    yield
    cache.clear()
