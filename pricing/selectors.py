"""Reads: the latest prices and how fresh they are, as one frozen ``Snapshot``. A fixed number of
queries, however many offers and however much history (readers follow ProviderState.current_poll;
no scan of history).

The current offers are held per process until a provider's pointer moves (gpuhunt keeps its
catalog in memory the same way): reading the latest prices then costs one small query for the
pointers, whatever the number of offers or the size of the history. Offers are never updated in
place, so held offers cannot go stale without the pointers (the key) changing. One snapshot is
held, bounded by ``PRICE_SNAPSHOT_MAX_BYTES``, keyed by the pointers it was read for
(tests/pricing/test_snapshot.py: hit, miss, a poll landing in between, two threads).

The pointers themselves are re-read at most every ``PRICE_POINTERS_CACHE_SECONDS`` (default 1 s,
monotonic clock; 0: every read) per process, so a burst of API requests costs no query: a poll
that lands (or fails) is seen at most that late. Ages and stale flags are still computed from the
current time on every read (tests/pricing/test_pointer_ttl.py).
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from django.conf import settings
from django.utils import timezone

from .gpus import GPUS_BY_SLUG
from .models import Offer, PollRun, ProviderState, Source
from .providers.http import public_cause
from .providers.registry import PROVIDERS


@dataclass(frozen=True)
class ProviderFreshness:
    provider: str
    name: str
    status: str  # ok | failing | suspect | no data | polling
    source: str | None  # live | catalog | None (never polled)
    as_of: dt.datetime | None  # when the served prices were observed (catalog: the list's date)
    stale: bool
    age_seconds: int | None
    last_error: str  # the cause in our words (pricing.providers.http.public_cause); the admin has the detail
    last_attempt_at: dt.datetime | None
    offer_count: int
    # Built-in lists only: how old the list's figures are (days since its date), and whether that is
    # older than settings.CATALOG_STALE_DAYS. None for live prices.
    list_age_days: int | None = None
    list_stale: bool = False
    # Why the served prices are stale ("" when they are not): the failed or suspect poll's reason,
    # the list's age, or the poll's age.
    stale_reason: str = ""
    last_poll: dict | None = None  # the latest attempt: status, requests, coverage, dropped rows

    @property
    def state(self) -> str:
        """One word for the panel: live | list | stale | failed | none."""
        if self.status == "failing":
            return "failed"
        if self.source is None:
            return "none"
        if self.stale:
            return "stale"
        return "live" if self.source == "live" else "list"

    def as_dict(self) -> dict:
        return {
            "provider": self.provider, "name": self.name, "status": self.status, "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None, "stale": self.stale,
            "stale_reason": self.stale_reason or None,
            "age_seconds": self.age_seconds, "last_error": self.last_error or None,
            "last_attempt_at": self.last_attempt_at.isoformat() if self.last_attempt_at else None,
            "offer_count": self.offer_count, "state": self.state,
            "list_age_days": self.list_age_days, "list_stale": self.list_stale,
        }


# GET /api/cloud/providers lists at most this many dropped rows per provider (the admin has all).
DROPPED_SHOWN = 50


def poll_record(run: PollRun | None) -> dict | None:
    """What a poll record says about itself, for GET /api/cloud/providers."""
    if run is None:
        return None
    dropped = list(run.dropped or [])
    by_reason: dict[str, int] = {}
    for d in dropped:
        by_reason[d.get("reason", "")] = by_reason.get(d.get("reason", ""), 0) + 1
    return {
        "id": run.pk, "status": run.status, "source": run.source,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "request_count": run.request_count, "offer_count": run.offer_count,
        "complete": run.complete, "coverage_note": run.coverage_note or None,
        "suspect_reason": run.suspect_reason or None,
        "accepted_at": run.accepted_at.isoformat() if run.accepted_at else None,
        "dropped_count": run.skipped_count, "dropped_by_reason": by_reason,
        "dropped": dropped[:DROPPED_SHOWN], "unknown_gpus": list(run.unknown_gpus or []),
    }


def stale_after_seconds() -> int:
    return 2 * settings.PRICE_POLL_INTERVAL_SECONDS + 60


def catalog_stale_days() -> int:
    return int(getattr(settings, "CATALOG_STALE_DAYS", 30))


def provider_freshness(states: list[ProviderState] | None = None) -> dict[str, ProviderFreshness]:
    """Freshness of each registered provider (2 queries: states with their polls)."""
    if states is None:
        states = _provider_states()
    by_slug = {s.provider: s for s in states}
    now = timezone.now()
    out = {}
    for slug, adapter in PROVIDERS.items():
        st = by_slug.get(slug)
        cur: PollRun | None = st.current_poll if st else None
        last: PollRun | None = st.last_attempt if st else None
        failing = bool(last and last.status == PollRun.Status.FAILED)
        # A last attempt still "running" past any poll's time limit was cut off before it could
        # record its end (its worker died, or its database connection dropped): not "ok".
        interrupted = bool(last and last.status == PollRun.Status.RUNNING and last.started_at
                           < now - dt.timedelta(seconds=settings.PROVIDER_POLL_DEADLINE_SECONDS + 60))
        failing = failing or interrupted
        suspect = bool(last and last.status == PollRun.Status.SUSPECT)
        bad = "failing" if failing else "suspect" if suspect else ""
        reason = ""
        if failing:
            reason = f"the last poll failed: {public_cause(last.error) or 'poll interrupted'}"
        elif suspect:
            reason = f"the last poll was held back as suspect: {last.suspect_reason}"
        record = poll_record(last)
        if cur is None:
            out[slug] = ProviderFreshness(
                slug, adapter.NAME, bad or "no data", None, None, True, None,
                (public_cause(last.error) or "poll interrupted") if failing else "held back as suspect" if suspect else "",
                last.started_at if last else None, 0,
                stale_reason=reason or "no prices yet", last_poll=record)
            continue
        observed = cur.finished_at or cur.started_at
        age = int((now - observed).total_seconds())
        list_age = None
        list_stale = False
        if cur.source == Source.CATALOG and cur.catalog_date:
            as_of = dt.datetime.combine(cur.catalog_date, dt.time(0, 0), tzinfo=dt.UTC)
            # A months-old list is not made fresh by having been loaded a minute ago.
            list_age = max(0, (now.date() - cur.catalog_date).days)
            list_stale = list_age > catalog_stale_days()
        else:
            as_of = observed
        too_old = age > stale_after_seconds()
        stale = bool(bad) or too_old or list_stale
        if not reason and list_stale:
            reason = f"the built-in price list is {list_age} days old"
        elif not reason and too_old:
            reason = f"no successful poll for {age // 60} minutes"
        out[slug] = ProviderFreshness(
            slug, adapter.NAME, bad or "ok", cur.source, as_of, stale, age,
            (public_cause(last.error) or "poll interrupted") if failing else "held back as suspect" if suspect else "",
            last.started_at if last else None, cur.offer_count,
            list_age_days=list_age, list_stale=list_stale, stale_reason=reason, last_poll=record)
    return out


@dataclass(frozen=True)
class GpuRef:
    """A GPU no longer in the code catalog (pricing.gpus) but still named by a stored offer."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class CurrentOffer:
    """One offer of a provider's current poll: what readers need of an ``Offer`` row, compact and
    immutable (``gpu`` is the catalog's GpuSpec)."""

    pk: int
    poll_id: int
    provider: str
    provider_sku: str
    gpu: object  # pricing.gpus.GpuSpec (or GpuRef)
    gpu_count: int
    gpu_memory_gb: int
    usd_per_hour: Decimal
    usd_per_gpu_hour: Decimal
    region: str
    availability: str
    interruptible: bool
    tier: str
    observed_at: dt.datetime
    kind: str = "instance"  # or "dedicated endpoint" (Together's inference endpoints)


@dataclass(frozen=True)
class Snapshot:
    """The latest prices: every provider's current offers (cheapest first) and the freshness of
    every registered provider. ``key`` changes whenever a poll lands or a provider's freshness flags
    (source, date, stale, status, error) change, and only then; ages (``age_seconds``) are as of
    the read and are not part of it. Anything derived from a snapshot is keyed on its ``key``."""

    key: tuple
    offers: tuple[CurrentOffer, ...]
    freshness: Mapping[str, ProviderFreshness]


_OFFER_FIELDS = ("id", "poll_id", "provider", "provider_sku", "gpu__slug", "gpu__name", "gpu_count",
                 "gpu_memory_gb", "usd_per_hour", "usd_per_gpu_hour", "region", "availability",
                 "interruptible", "tier", "observed_at", "kind")


@dataclass(frozen=True)
class _Held:
    key: tuple
    offers: tuple[CurrentOffer, ...]
    nbytes: int


_held: _Held | None = None
_held_lock = threading.Lock()


def _pointers_key(states: list[ProviderState]) -> tuple:
    return tuple(sorted(
        (s.current_poll_id, s.current_poll.finished_at.isoformat() if s.current_poll.finished_at else "",
         s.current_poll.offer_count)
        for s in states if s.current_poll_id
    ))


def _read_offers(poll_ids: list[int]) -> tuple[CurrentOffer, ...]:
    rows = (Offer.objects.filter(poll_id__in=poll_ids).order_by("usd_per_hour", "id")
            .values_list(*_OFFER_FIELDS))
    gpus: dict[str, object] = {}
    out = []
    for (pk, poll_id, provider, sku, slug, name, count, memory, rate, per_gpu, region, availability,
         interruptible, tier, observed, kind) in rows.iterator(chunk_size=5000):
        gpu = gpus.get(slug)
        if gpu is None:
            gpu = gpus[slug] = GPUS_BY_SLUG.get(slug) or GpuRef(slug, name)
        out.append(CurrentOffer(pk, poll_id, provider, sku, gpu, count, memory, rate, per_gpu, region,
                                availability, interruptible, tier, observed, kind))
    return tuple(out)


def approx_bytes(offers: tuple[CurrentOffer, ...]) -> int:
    """Memory held by ``offers`` (the rows and their own strings and numbers; the shared GPU specs
    not counted), estimated from a sample of rows."""
    if not offers:
        return sys.getsizeof(offers)
    sample = offers[:: max(1, len(offers) // 200)]
    per_row = sum(sys.getsizeof(o) + sum(sys.getsizeof(getattr(o, f)) for f in CurrentOffer.__slots__
                                         if f != "gpu") for o in sample) / len(sample)
    return int(sys.getsizeof(offers) + per_row * len(offers))


def max_snapshot_bytes() -> int:
    return int(getattr(settings, "PRICE_SNAPSHOT_MAX_BYTES", 256 * 1024 * 1024))


def _current_offers(key: tuple) -> tuple[CurrentOffer, ...]:
    """The offers of the polls in ``key``: held ones when the key matches, else read (and held,
    unless they are larger than PRICE_SNAPSHOT_MAX_BYTES). Only ever files offers under the key they
    were read for."""
    global _held
    held = _held
    if held is not None and held.key == key:
        return held.offers
    offers = _read_offers([k[0] for k in key])
    nbytes = approx_bytes(offers)
    with _held_lock:
        _held = _Held(key, offers, nbytes) if nbytes <= max_snapshot_bytes() else None
    return offers


def held_snapshot_bytes() -> int:
    """Bytes held by this process for the current offers (0 when nothing is held)."""
    held = _held
    return held.nbytes if held is not None else 0


_pointers: tuple[float, list[ProviderState]] | None = None  # (monotonic time read, states)


def pointers_cache_seconds() -> float:
    return float(getattr(settings, "PRICE_POINTERS_CACHE_SECONDS", 0) or 0)


def _provider_states() -> list[ProviderState]:
    """Every provider's state with its current and last polls: read again when the held ones are
    older than PRICE_POINTERS_CACHE_SECONDS (the held list is never changed, only replaced)."""
    global _pointers
    ttl = pointers_cache_seconds()
    if ttl > 0:
        held = _pointers
        now = time.monotonic()
        if held is not None and 0 <= now - held[0] < ttl:
            return held[1]
    states = list(ProviderState.objects.select_related("current_poll", "last_attempt"))
    if ttl > 0:
        _pointers = (now, states)
    return states


def forget_pointers() -> None:
    """The next read re-reads the pointers (a poll recorded in this process, a test)."""
    global _pointers
    _pointers = None


def latest_snapshot(*, providers: list[str] | None = None, gpu_slugs: list[str] | None = None) -> Snapshot:
    """The latest prices: one query for the pointers (none while they are held, see the module
    docstring), plus one to read the offers when a poll has landed since this process last read them. ``providers`` / ``gpu_slugs`` keep only those offers
    (the key then says so)."""
    states = _provider_states()
    pointers = _pointers_key(states)
    offers = _current_offers(pointers)
    fresh = provider_freshness(states)
    flags = tuple((f.provider, f.source, f.as_of, f.stale, f.status, f.last_error) for f in fresh.values())
    key: tuple = (pointers, flags)
    if providers is not None or gpu_slugs is not None:
        wanted_p = set(providers) if providers is not None else None
        wanted_g = set(gpu_slugs) if gpu_slugs is not None else None
        offers = tuple(o for o in offers if (wanted_p is None or o.provider in wanted_p)
                       and (wanted_g is None or o.gpu.slug in wanted_g))
        key = (*key, tuple(sorted(wanted_p)) if wanted_p is not None else None,
               tuple(sorted(wanted_g)) if wanted_g is not None else None)
    return Snapshot(key=key, offers=offers, freshness=MappingProxyType(fresh))


def offers_latest(*, providers: list[str] | None = None, gpu_slugs: list[str] | None = None) -> list[CurrentOffer]:
    """The offers of each provider's latest good poll (the offers of latest_snapshot)."""
    return list(latest_snapshot(providers=providers, gpu_slugs=gpu_slugs).offers)
