"""Seed the price tables for page tests: one poll per provider, through the real write path
(pricing.services.snapshot_record), so pages read exactly what a poll would leave."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pricing.models import PollRun, ProviderState, Source
from pricing.providers.base import FetchResult, ProviderOffer
from pricing.services import snapshot_record

# (provider, sku, gpu slug, count, memory, usd/h, region, availability, interruptible)
DEFAULT_OFFERS = [
    ("runpod", "NVIDIA GeForce RTX 4090", "rtx-4090", 1, 24, "0.69", "EU-RO-1", "high", False),
    ("runpod", "NVIDIA GeForce RTX 4090", "rtx-4090", 1, 24, "0.74", "US-KS-2", "medium", False),
    ("runpod", "NVIDIA A100 80GB PCIe", "a100-80gb-pcie", 1, 80, "1.64", "US-KS-2", "high", False),
    ("runpod", "NVIDIA H100 80GB HBM3", "h100-sxm", 1, 80, "2.99", "US-GA-1", "low", False),
    ("lambda", "gpu_1x_a100_sxm4", "a100-80gb-sxm", 1, 80, "1.29", "us-east-1", "medium", False),
    ("lambda", "gpu_1x_h100_sxm5", "h100-sxm", 1, 80, "2.49", "us-west-1", "unavailable", False),
    ("together", "h100-80gb", "h100-sxm", 1, 80, "3.36", "", "high", False),
    ("vast", "RTX 3090", "rtx-3090", 1, 24, "0.22", "US", "high", True),
]


def seed_prices(offers=None, *, providers=("runpod", "lambda", "together", "vast"), source=Source.LIVE,
                price_factor: Decimal = Decimal(1)) -> dict[str, PollRun]:
    offers = DEFAULT_OFFERS if offers is None else offers
    runs = {}
    for slug in providers:
        ProviderState.objects.get_or_create(provider=slug)
        run = PollRun.objects.create(provider=slug, started_at=timezone.now() - dt.timedelta(seconds=5), source=source)
        ProviderState.objects.filter(provider=slug).update(last_attempt=run)
        rows = [
            ProviderOffer(provider=p, provider_sku=sku, gpu_slug=gpu, gpu_count=n, gpu_memory_gb=mem,
                          usd_per_hour=(Decimal(usd) * price_factor).quantize(Decimal("0.0001")), region=region,
                          availability=avail, interruptible=intr)
            for (p, sku, gpu, n, mem, usd, region, avail, intr) in offers if p == slug
        ]
        runs[slug] = snapshot_record(run, FetchResult(offers=rows, source=source))
    return runs


def fail_provider(slug: str, error: str = "runpod: HTTP 503 from the API (transient)") -> PollRun:
    ProviderState.objects.get_or_create(provider=slug)
    run = PollRun.objects.create(provider=slug, started_at=timezone.now(), source=Source.LIVE,
                                 status=PollRun.Status.FAILED, error=error, finished_at=timezone.now())
    ProviderState.objects.filter(provider=slug).update(last_attempt=run)
    return run
