"""Reads: the latest prices and how fresh they are. A fixed number of queries, however many offers
and however much history (readers follow ProviderState.current_poll; no scan of history)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import Offer, PollRun, ProviderState, Source
from .providers.registry import PROVIDERS


@dataclass(frozen=True)
class ProviderFreshness:
    provider: str
    name: str
    status: str  # ok | failing | no data | polling
    source: str | None  # live | catalog | None (never polled)
    as_of: dt.datetime | None  # when the served prices were observed (catalog: the list's date)
    stale: bool
    age_seconds: int | None
    last_error: str
    last_attempt_at: dt.datetime | None
    offer_count: int

    def as_dict(self) -> dict:
        return {
            "provider": self.provider, "name": self.name, "status": self.status, "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None, "stale": self.stale,
            "age_seconds": self.age_seconds, "last_error": self.last_error or None,
            "last_attempt_at": self.last_attempt_at.isoformat() if self.last_attempt_at else None,
            "offer_count": self.offer_count,
        }


def stale_after_seconds() -> int:
    return 2 * settings.PRICE_POLL_INTERVAL_SECONDS + 60


def provider_freshness(states: list[ProviderState] | None = None) -> dict[str, ProviderFreshness]:
    """Freshness of each registered provider (2 queries: states with their polls)."""
    if states is None:
        states = list(ProviderState.objects.select_related("current_poll", "last_attempt"))
    by_slug = {s.provider: s for s in states}
    now = timezone.now()
    out = {}
    for slug, adapter in PROVIDERS.items():
        st = by_slug.get(slug)
        cur: PollRun | None = st.current_poll if st else None
        last: PollRun | None = st.last_attempt if st else None
        failing = bool(last and last.status == PollRun.Status.FAILED)
        if cur is None:
            out[slug] = ProviderFreshness(
                slug, adapter.NAME, "failing" if failing else "no data", None, None, True, None,
                last.error if failing else "", last.started_at if last else None, 0)
            continue
        observed = cur.finished_at or cur.started_at
        age = int((now - observed).total_seconds())
        if cur.source == Source.CATALOG and cur.catalog_date:
            as_of = dt.datetime.combine(cur.catalog_date, dt.time(0, 0), tzinfo=dt.timezone.utc)
        else:
            as_of = observed
        stale = failing or age > stale_after_seconds()
        out[slug] = ProviderFreshness(
            slug, adapter.NAME, "failing" if failing else "ok", cur.source, as_of, stale, age,
            last.error if failing else "", last.started_at if last else None, cur.offer_count)
    return out


def offers_latest(*, providers: list[str] | None = None, gpu_slugs: list[str] | None = None) -> list[Offer]:
    """The offers of each provider's latest good poll (2 queries)."""
    poll_ids = ProviderState.objects.filter(current_poll__isnull=False)
    if providers is not None:
        poll_ids = poll_ids.filter(provider__in=providers)
    qs = Offer.objects.filter(poll_id__in=list(poll_ids.values_list("current_poll_id", flat=True)))
    if gpu_slugs is not None:
        qs = qs.filter(gpu__slug__in=gpu_slugs)
    return list(qs.select_related("gpu", "poll").order_by("usd_per_hour", "id"))


def latest_snapshot(*, providers: list[str] | None = None, gpu_slugs: list[str] | None = None):
    """Offers plus the freshness of every provider, read together (3 queries)."""
    states = list(ProviderState.objects.select_related("current_poll", "last_attempt"))
    poll_ids = [s.current_poll_id for s in states if s.current_poll_id and (providers is None or s.provider in providers)]
    qs = Offer.objects.filter(poll_id__in=poll_ids)
    if gpu_slugs is not None:
        qs = qs.filter(gpu__slug__in=gpu_slugs)
    offers = list(qs.select_related("gpu").order_by("usd_per_hour", "id"))
    return offers, provider_freshness(states)
