"""Reads: the latest prices and how fresh they are. A fixed number of queries, however many offers
and however much history (readers follow ProviderState.current_poll; no scan of history)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import Offer, PollRun, ProviderState, Source
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
    last_error: str
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
        suspect = bool(last and last.status == PollRun.Status.SUSPECT)
        bad = "failing" if failing else "suspect" if suspect else ""
        reason = ""
        if failing:
            reason = f"the last poll failed: {last.error}"
        elif suspect:
            reason = f"the last poll was held back as suspect: {last.suspect_reason}"
        record = poll_record(last)
        if cur is None:
            out[slug] = ProviderFreshness(
                slug, adapter.NAME, bad or "no data", None, None, True, None,
                last.error if bad else "", last.started_at if last else None, 0,
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
            last.error if bad else "", last.started_at if last else None, cur.offer_count,
            list_age_days=list_age, list_stale=list_stale, stale_reason=reason, last_poll=record)
    return out


def offers_latest(*, providers: list[str] | None = None, gpu_slugs: list[str] | None = None) -> list[Offer]:
    """The offers of each provider's latest good poll (the offers half of latest_snapshot)."""
    return latest_snapshot(providers=providers, gpu_slugs=gpu_slugs)[0]


# The current offers, held per process until a provider's pointer moves (gpuhunt keeps its
# catalog in memory the same way). Reading the latest prices then costs one small query for the
# pointers, whatever the number of offers or the size of the history; a new poll changes the key
# and the next reader reloads. Offers are never updated in place, so a cached list cannot go stale
# without its key changing.
_snapshot_lock = threading.Lock()
_snapshot: dict = {"key": None, "offers": []}


def _snapshot_key(states: list[ProviderState]) -> tuple:
    return tuple(sorted(
        (s.current_poll_id, s.current_poll.finished_at.isoformat() if s.current_poll.finished_at else "",
         s.current_poll.offer_count)
        for s in states if s.current_poll_id
    ))


def _current_offers(states: list[ProviderState]) -> tuple[tuple, list[Offer]]:
    key = _snapshot_key(states)
    cached = _snapshot
    if cached["key"] == key:
        return key, cached["offers"]
    offers = list(Offer.objects.filter(poll_id__in=[k[0] for k in key])
                  .select_related("gpu").order_by("usd_per_hour", "id"))
    with _snapshot_lock:
        _snapshot.update(key=key, offers=offers)
    return key, offers


def current_snapshot_key() -> tuple | None:
    """The key of the snapshot this process last served (changes whenever a poll lands)."""
    return _snapshot["key"]


_pointers: dict = {"at": -1.0, "states": []}


def _provider_states() -> list[ProviderState]:
    """Every provider's pointers. Held for settings.PRICE_POINTERS_CACHE_SECONDS (default 1 s) per
    process, so a burst of requests costs no query; a poll that lands is seen at most that late.
    Ages and stale flags are still computed from the current time on every call."""
    ttl = getattr(settings, "PRICE_POINTERS_CACHE_SECONDS", 0)
    now = time.monotonic()
    if ttl > 0 and now - _pointers["at"] < ttl:
        return _pointers["states"]
    states = list(ProviderState.objects.select_related("current_poll", "last_attempt"))
    if ttl > 0:
        _pointers.update(at=now, states=states)
    return states


def latest_snapshot(*, providers: list[str] | None = None, gpu_slugs: list[str] | None = None):
    """Offers plus the freshness of every provider: at most one query for the pointers, plus one to
    reload the offers when a poll has landed since this process last read them."""
    states = _provider_states()
    _, offers = _current_offers(states)
    if providers is not None or gpu_slugs is not None:
        wanted_p = set(providers) if providers is not None else None
        wanted_g = set(gpu_slugs) if gpu_slugs is not None else None
        offers = [o for o in offers if (wanted_p is None or o.provider in wanted_p)
                  and (wanted_g is None or o.gpu.slug in wanted_g)]
    return list(offers), provider_freshness(states)
