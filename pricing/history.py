"""Price history: the per-poll rollup (written at poll time) and the reads built on it.

Decisions (see also PriceHistoryPoint):
- History covers **on-demand** offers only: a spot/interruptible bid next to on-demand prices
  would make the "lowest" line jump between two different products.
- One rollup row per (poll, GPU model or family, region, GPU count), so each series is one index
  range scan and "H100" (three models) still has an exact median per poll. Region filtering uses
  continent rows ("US", "EU", "Asia", "Other") of the same table, not the raw Offer table.
- A series with more polls than ``MAX_POINTS`` is cut into equal time buckets. Per bucket: ``t``
  is the bucket's first poll, ``min`` is exact (lowest of the bucket), ``median`` is the median of
  the polls' medians, ``availability`` is the best seen, ``offers`` the most seen in one poll.
  With at most ``MAX_POINTS`` polls every point is exactly one poll, as polled.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .gpus import GPUS, GPUS_BY_SLUG, GpuSpec
from .models import Offer, PollRun, PriceHistoryPoint, ProviderState
from .providers.registry import PROVIDERS, provider_names
from .regions import continent_of

MAX_POINTS = 500
MAX_DAYS = 365
CENT = Decimal("0.0001")

# Best first. "unknown" is last: a list price says nothing about stock.
AVAILABILITY_ORDER = ("high", "medium", "low", "unavailable", "unknown")
AVAILABILITY_RANK = {a: i for i, a in enumerate(AVAILABILITY_ORDER)}


# --- keys -------------------------------------------------------------------------------------


def gpu_key_for(specs: Iterable[GpuSpec]) -> str:
    """The rollup key for a GPU query's models: the slug, or the sorted slugs joined with "+"."""
    return "+".join(sorted({g.slug for g in specs}))


def _family_keys() -> dict[str, list[str]]:
    """slug -> the keys of the multi-model families it belongs to."""
    members: dict[str, set[str]] = defaultdict(set)
    for g in GPUS:
        for fam in g.families:
            members[fam].add(g.slug)
    out: dict[str, list[str]] = defaultdict(list)
    for slugs in members.values():
        if len(slugs) > 1:
            key = "+".join(sorted(slugs))
            for s in slugs:
                if key not in out[s]:
                    out[s].append(key)
    return out


FAMILY_KEYS = _family_keys()


# --- rollup (write) ----------------------------------------------------------------------------


def _median(values: list[Decimal]) -> Decimal:
    return Decimal(statistics.median(sorted(values))).quantize(CENT, rounding=ROUND_HALF_UP)


def _best(avails: Iterable[str]) -> str:
    return min(avails, key=lambda a: AVAILABILITY_RANK.get(a, len(AVAILABILITY_ORDER)))


def rollup_rows(poll: PollRun, offers: Iterable[tuple[str, str, int, Decimal, str]]) -> list[PriceHistoryPoint]:
    """Rollup rows for one poll from its on-demand offers given as
    (gpu_slug, region, gpu_count, usd_per_gpu_hour, availability). Pure apart from the model class."""
    groups: dict[tuple[str, str, int], list[tuple[Decimal, str]]] = defaultdict(list)
    for slug, region, count, price, avail in offers:
        continent = continent_of(region)
        for key in (slug, *FAMILY_KEYS.get(slug, ())):
            groups[(key, "", 0)].append((price, avail))
            if continent:
                groups[(key, continent, 0)].append((price, avail))
            groups[(key, "", count)].append((price, avail))
    observed = poll.finished_at or poll.started_at
    return [
        PriceHistoryPoint(
            poll=poll, provider=poll.provider, gpu_key=key, region=region, gpu_count=count,
            observed_at=observed, min_usd_per_gpu_hour=min(p for p, _ in rows),
            median_usd_per_gpu_hour=_median([p for p, _ in rows]),
            best_availability=_best(a for _, a in rows), offer_count=len(rows),
        )
        for (key, region, count), rows in groups.items()
    ]


@transaction.atomic
def history_rollup_poll(*, poll: PollRun) -> int:
    """Write the rollup rows of one successful poll. Idempotent: a poll already rolled up is left
    alone (unique (poll, gpu_key, region, gpu_count)). Returns the number of rows written."""
    if poll.status != PollRun.Status.OK or PriceHistoryPoint.objects.filter(poll=poll).exists():
        return 0
    offers = Offer.objects.filter(poll=poll, interruptible=False).values_list(
        "gpu__slug", "region", "gpu_count", "usd_per_gpu_hour", "availability")
    rows = rollup_rows(poll, offers)
    PriceHistoryPoint.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def history_rebuild(*, since: dt.datetime | None = None, stdout=None) -> tuple[int, int]:
    """Backfill the rollup for every successful poll that has none (oldest first). Returns
    (polls rolled up, rows written). Safe to re-run and to run while polls go on."""
    polls = PollRun.objects.filter(status=PollRun.Status.OK).order_by("started_at")
    if since is not None:
        polls = polls.filter(started_at__gte=since)
    done_ids = set(PriceHistoryPoint.objects.values_list("poll_id", flat=True).distinct())
    n_polls = n_rows = 0
    for poll in polls.iterator(chunk_size=500):
        if poll.pk in done_ids:
            continue
        written = history_rollup_poll(poll=poll)
        n_polls += 1
        n_rows += written
        if stdout is not None and n_polls % 1000 == 0:
            stdout.write(f"  {n_polls} polls, {n_rows} rows")
    return n_polls, n_rows


# --- history (read) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPoint:
    t: dt.datetime
    min_usd_per_gpu_hour: Decimal
    median_usd_per_gpu_hour: Decimal
    availability: str
    offers: int
    polls: int = 1  # how many polls this point summarises (1 unless downsampled)

    def as_dict(self) -> dict:
        return {
            "t": self.t.isoformat(), "min_usd_per_gpu_hour": self.min_usd_per_gpu_hour,
            "median_usd_per_gpu_hour": self.median_usd_per_gpu_hour, "availability": self.availability,
            "offers": self.offers,
        }


@dataclass
class HistorySeries:
    provider: str
    provider_name: str
    points: list[HistoryPoint] = field(default_factory=list)
    downsampled: bool = False
    poll_count: int = 0

    def as_dict(self) -> dict:
        return {"provider": self.provider, "provider_name": self.provider_name,
                "downsampled": self.downsampled, "poll_count": self.poll_count,
                "points": [p.as_dict() for p in self.points]}


def _downsample(rows: list[tuple], since: dt.datetime, until: dt.datetime, max_points: int) -> list[HistoryPoint]:
    """rows: (observed_at, min, median, availability, offers) in time order."""
    span = max((until - since).total_seconds(), 1.0)
    buckets: dict[int, list[tuple]] = {}
    for r in rows:
        i = min(int((r[0] - since).total_seconds() / span * max_points), max_points - 1)
        buckets.setdefault(i, []).append(r)
    out = []
    for i in sorted(buckets):
        b = buckets[i]
        out.append(HistoryPoint(
            t=b[0][0], min_usd_per_gpu_hour=min(r[1] for r in b),
            median_usd_per_gpu_hour=_median([r[2] for r in b]),
            availability=_best(r[3] for r in b), offers=max(r[4] for r in b), polls=len(b)))
    return out


def price_history(*, gpu_key: str, days: int, providers: list[str] | None = None, region: str = "",
                  gpu_count: int = 0, max_points: int = MAX_POINTS,
                  now: dt.datetime | None = None) -> list[HistorySeries]:
    """One series per provider (all registered ones, or those asked), each at most ``max_points``
    points, oldest first. Index range scans of the rollup: on Postgres at most three queries (count
    per provider, then exact rows for the short series and SQL buckets for the long ones), so the
    cost follows the number of points returned, not the number of polls in the range."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    names = provider_names()
    slugs = providers if providers is not None else list(PROVIDERS)
    qs = PriceHistoryPoint.objects.filter(
        gpu_key=gpu_key, region=region, gpu_count=gpu_count, observed_at__gte=since, observed_at__lte=now)
    if providers is not None:
        qs = qs.filter(provider__in=providers)
    fields = ("provider", "observed_at", "min_usd_per_gpu_hour", "median_usd_per_gpu_hour",
              "best_availability", "offer_count")
    by_provider: dict[str, list[HistoryPoint]] = defaultdict(list)
    counts: dict[str, int] = {}
    if connection.vendor == "postgresql":
        counts = dict(qs.order_by().values_list("provider").annotate(n=Count("id")))
        short = [p for p, n in counts.items() if n <= max_points]
        long = [p for p, n in counts.items() if n > max_points]
        if short:
            for row in qs.filter(provider__in=short).order_by("observed_at", "poll_id").values_list(*fields):
                by_provider[row[0]].append(HistoryPoint(*row[1:]))
        if long:
            for row in _buckets_sql(qs.filter(provider__in=long), since, now, max_points):
                by_provider[row[0]].append(row[1])
    else:
        rows_by: dict[str, list[tuple]] = defaultdict(list)
        for row in qs.order_by("observed_at", "poll_id").values_list(*fields):
            rows_by[row[0]].append(row[1:])
        for p, rows in rows_by.items():
            counts[p] = len(rows)
            by_provider[p] = (_downsample(rows, since, now, max_points) if len(rows) > max_points
                              else [HistoryPoint(*r) for r in rows])
    series = []
    for slug in [*slugs, *sorted(set(by_provider) - set(slugs))]:
        n = counts.get(slug, 0)
        series.append(HistorySeries(slug, names.get(slug, slug), by_provider.get(slug, []),
                                    downsampled=n > max_points, poll_count=n))
    return series


def _buckets_sql(qs, since: dt.datetime, until: dt.datetime, max_points: int):
    """The same buckets as ``_downsample``, computed by Postgres: yields (provider, HistoryPoint)."""
    span = max((until - since).total_seconds(), 1.0)
    where_sql, params = qs.query.get_compiler(using=qs.db).compile(qs.query.where)
    ranks = "ARRAY[" + ",".join(f"'{a}'" for a in AVAILABILITY_ORDER) + "]"
    sql = (
        f'SELECT provider, LEAST(floor(extract(epoch FROM observed_at - %s) / %s * %s)::int, %s) AS b, '
        f'min(observed_at), min(min_usd_per_gpu_hour), '
        f'percentile_cont(0.5) WITHIN GROUP (ORDER BY median_usd_per_gpu_hour), '
        f'min(array_position({ranks}, best_availability::text)), max(offer_count), count(*) '
        f'FROM {PriceHistoryPoint._meta.db_table} WHERE {where_sql} GROUP BY provider, b ORDER BY provider, b'
    )
    with connection.cursor() as c:
        c.execute(sql, [since, span, max_points, max_points - 1, *params])
        for provider, _, t, low, median, rank, offers, n in c.fetchall():
            yield provider, HistoryPoint(
                t=t, min_usd_per_gpu_hour=low,
                median_usd_per_gpu_hour=Decimal(repr(median)).quantize(CENT, rounding=ROUND_HALF_UP),
                availability=AVAILABILITY_ORDER[(rank or len(AVAILABILITY_ORDER)) - 1], offers=offers, polls=n)


def lowest_current_prices() -> dict[str, tuple[Decimal, str, str]]:
    """GPU slug -> (lowest on-demand USD per GPU-hour now, provider, best availability), from
    the rollup rows of each provider's current poll (2 queries)."""
    poll_ids = [p for p in ProviderState.objects.values_list("current_poll_id", flat=True) if p]
    out: dict[str, tuple[Decimal, str, str]] = {}
    rows = PriceHistoryPoint.objects.filter(
        poll_id__in=poll_ids, region="", gpu_count=0, gpu_key__in=list(GPUS_BY_SLUG)
    ).values_list("gpu_key", "min_usd_per_gpu_hour", "provider", "best_availability")
    for key, price, provider, avail in rows:
        if key not in out or price < out[key][0]:
            out[key] = (price, provider, avail)
    return out


# --- trend marks --------------------------------------------------------------------------------

TrendKey = tuple[str, str, int]  # (provider, gpu_slug, gpu_count)


def trend_marks(keys: Iterable[TrendKey], *, now: dt.datetime | None = None) -> dict[TrendKey, str]:
    """Short trend words for selector options, e.g. "lowest in 30 days", "up 12% this week",
    "down 8% this week". Only keys with something worth saying are in the answer.

    Compares the price of the provider's current poll (lowest on-demand USD per GPU-hour for that
    GPU model and count, any region) with the last poll at least 7 days old and with the 30-day
    minimum. "lowest in 30 days" needs 29+ days of history and a higher price somewhere in it.
    Five queries whatever the number of keys.
    """
    keys = set(keys)
    if not keys:
        return {}
    now = now or timezone.now()
    providers = sorted({k[0] for k in keys})
    slugs = sorted({k[1] for k in keys})
    counts = sorted({k[2] for k in keys})
    base = PriceHistoryPoint.objects.filter(
        provider__in=providers, gpu_key__in=slugs, gpu_count__in=counts, region="")
    fields = ("provider", "gpu_key", "gpu_count")

    poll_ids = [p for p in ProviderState.objects.filter(provider__in=providers)
                .values_list("current_poll_id", flat=True) if p]
    current = {(p, g, c): price for p, g, c, price in
               base.filter(poll_id__in=poll_ids).values_list(*fields, "min_usd_per_gpu_hour")}
    month = {
        (r["provider"], r["gpu_key"], r["gpu_count"]): r
        for r in base.filter(observed_at__gte=now - dt.timedelta(days=30), observed_at__lte=now)
        .values(*fields).annotate(low=Min("min_usd_per_gpu_hour"), high=Max("min_usd_per_gpu_hour"),
                                  first=Min("observed_at"))
    }
    week_ago = now - dt.timedelta(days=7)
    last_before = {
        (r["provider"], r["gpu_key"], r["gpu_count"]): r["at"]
        for r in base.filter(observed_at__lte=week_ago, observed_at__gte=now - dt.timedelta(days=30))
        .values(*fields).annotate(at=Max("observed_at"))
    }
    old_price: dict[TrendKey, Decimal] = {}
    if last_before:
        for p, g, c, at, price in base.filter(observed_at__in=set(last_before.values())).values_list(
                *fields, "observed_at", "min_usd_per_gpu_hour"):
            if last_before.get((p, g, c)) == at:
                old_price[(p, g, c)] = min(price, old_price.get((p, g, c), price))

    out: dict[TrendKey, str] = {}
    for key in keys:
        cur = current.get(key)
        if cur is None:
            continue
        m = month.get(key)
        if (m and cur <= m["low"] and m["high"] > cur
                and m["first"] <= now - dt.timedelta(days=29)):
            out[key] = "lowest in 30 days"
            continue
        old = old_price.get(key)
        if old:
            pct = round((cur - old) / old * 100)
            if pct >= 1:
                out[key] = f"up {pct}% this week"
            elif pct <= -1:
                out[key] = f"down {-pct}% this week"
    return out


__all__ = [
    "AVAILABILITY_ORDER", "MAX_DAYS", "MAX_POINTS", "HistoryPoint", "HistorySeries", "gpu_key_for",
    "history_rebuild", "history_rollup_poll", "lowest_current_prices", "price_history", "rollup_rows",
    "trend_marks",
]


def lowest_seen(provider: str, gpu_slug: str, gpu_count: int, *, days: int = 30,
                now: dt.datetime | None = None) -> tuple[Decimal, dt.datetime] | None:
    """The lowest on-demand USD per GPU-hour this provider asked for this GPU model and count in the
    last ``days``, and when (the earliest poll at that price). One query on the rollup."""
    now = now or timezone.now()
    row = (PriceHistoryPoint.objects
           .filter(provider=provider, gpu_key=gpu_slug, gpu_count=gpu_count, region="",
                   observed_at__gte=now - dt.timedelta(days=days), observed_at__lte=now)
           .order_by("min_usd_per_gpu_hour", "observed_at").values_list("min_usd_per_gpu_hour", "observed_at").first())
    return (row[0], row[1]) if row else None
