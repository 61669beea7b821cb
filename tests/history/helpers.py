"""Polls for tests: a PollRun + ProviderState, stored through pricing.services.snapshot_record
(the real write path, so the rollup receiver runs too)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pricing.models import PollRun, ProviderState
from pricing.providers.base import FetchResult, ProviderOffer
from pricing.services import snapshot_record


def offer(provider: str, gpu_slug: str, usd_per_hour: str, *, count: int = 1, region: str = "US-TX-1",
          availability: str = "high", sku: str = "", interruptible: bool = False) -> ProviderOffer:
    return ProviderOffer(provider=provider, provider_sku=sku or f"{gpu_slug}-{count}x-{region}",
                         gpu_slug=gpu_slug, gpu_count=count, gpu_memory_gb=80,
                         usd_per_hour=Decimal(usd_per_hour), region=region, availability=availability,
                         interruptible=interruptible)


def poll(provider: str, offers: list[ProviderOffer], *, at: dt.datetime | None = None) -> PollRun:
    """Store one successful poll; with ``at``, back-date it (and its offers and rollup)."""
    from pricing.models import Offer, PriceHistoryPoint

    ProviderState.objects.get_or_create(provider=provider)
    run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source="live")
    snapshot_record(run, FetchResult(offers=offers, source="live"))
    if at is not None:
        PollRun.objects.filter(pk=run.pk).update(started_at=at, finished_at=at)
        Offer.objects.filter(poll=run).update(observed_at=at)
        PriceHistoryPoint.objects.filter(poll=run).update(observed_at=at)
        run.refresh_from_db()
    return run
