"""Offers -> engine options, shared by the compare read model and the instances listing.

A snapshot is priced once (``priced_snapshot``): every current offer becomes its engine
``OptionInput`` (stable id, provider facts, freshness, pros/cons) with the fields the filters look
at, in the snapshot's order (cheapest first). A question then only filters those rows
(``match_cloud``) and the engine costs only the matches.

``excluded`` is grouped: one entry per reason, with a count and the first ``EXCLUDED_IDS_SHOWN``
option ids, so a filter that drops thousands of marketplace offers still answers in a few lines.

The local option is governed by ``local_gpu_type`` alone: the cloud filters (``gpu_type``,
``providers``, ``gpu_count``, ``region``/``continent``) do not apply to it, ``min_memory_gb`` does.
It is one GPU.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from pricing.gpus import GPUS_BY_SLUG, match_gpu_query, resolve_single_gpu
from pricing.providers.base import KIND_DEDICATED_ENDPOINT
from pricing.regions import continent_of
from pricing.selectors import ProviderFreshness, Snapshot, catalog_stale_days

from . import engine
from .facts import LOCAL_SLUG, cloud_pros_cons, local_pros_cons, provider_meta

EXCLUDED_IDS_SHOWN = 20


def make_option_id(provider: str, sku: str, region: str, count: int, seen: dict[str, int]) -> str:
    base = f"{provider}:{sku}:{region}:{count}"
    n = seen.get(base, 0) + 1
    seen[base] = n
    return base if n == 1 else f"{base}~{n}"


def gpu_slugs_for(gpu_type: str | None) -> set[str] | None:
    if not gpu_type:
        return None
    return {g.slug for g in match_gpu_query(gpu_type)}


def freshness_of(fresh: Mapping[str, ProviderFreshness], slug: str) -> tuple[str, str | None, bool]:
    f = fresh.get(slug)
    if f is None:
        return "catalog", None, True
    return f.source or "catalog", f.as_of.isoformat() if f.as_of else None, f.stale


class Excluded:
    """Groups exclusions by (code, reason), keeping a count and the first few ids."""

    def __init__(self):
        self.groups: OrderedDict[tuple[str, str], dict] = OrderedDict()

    def add(self, code: str, reason: str, option_id: str | None) -> None:
        g = self.groups.get((code, reason))
        if g is None:
            g = self.groups[(code, reason)] = {"code": code, "reason": reason, "count": 0, "ids": []}
        if option_id is not None:
            g["count"] += 1
            if len(g["ids"]) < EXCLUDED_IDS_SHOWN:
                g["ids"].append(option_id)

    def group(self, code: str, reason: str) -> dict:
        """The group of (code, reason), created (in order) if new: a caller counting many
        exclusions of one reason adds to it directly (``count`` += 1, ``ids`` up to
        EXCLUDED_IDS_SHOWN)."""
        g = self.groups.get((code, reason))
        if g is None:
            g = self.groups[(code, reason)] = {"code": code, "reason": reason, "count": 0, "ids": []}
        return g

    def as_list(self) -> list[dict]:
        return [{**g, "ids": list(g["ids"])} for g in self.groups.values()]


# --- A priced snapshot ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PricedOffer:
    """One current offer as an engine input, plus what the filters compare."""

    input: engine.OptionInput
    region_key: str  # region, stripped and lower-cased (the region filter is case-insensitive)
    continent: str | None
    provider_name: str
    endpoint: bool = False  # a dedicated inference endpoint (cannot run a training job)


def answer_cache_max_bytes() -> int:
    return int(getattr(settings, "COMPARE_ANSWER_CACHE_MAX_BYTES", 16 * 1024 * 1024))


class AnswerCache:
    """Rendered answers of one priced snapshot: an LRU bounded in bytes (each entry counts its
    body's length plus its key's ``repr``). Thread-safe. It lives on the ``PricedSnapshot`` it was
    filled from, so an answer can only ever be found with the prices it was computed from: a poll
    landing gives a new PricedSnapshot with an empty cache, and the old one goes with the old
    snapshot. A body larger than the bound is not kept."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[object, tuple[bytes, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key) -> bytes | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key, body: bytes, key_size: int = 0) -> None:
        size = len(body) + key_size
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (body, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, n) = self._entries.popitem(last=False)
                self._bytes -= n

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class PricedSnapshot:
    """Every current offer of one snapshot as engine inputs, in the snapshot's order; ``key`` is the
    snapshot's. Derived values of the snapshot (the trend marks) are computed once, on first use,
    and live and die with it; so do the rendered answers of ``answers`` (the API's one answer
    cache, bounded by COMPARE_ANSWER_CACHE_MAX_BYTES)."""

    key: tuple
    rows: tuple[PricedOffer, ...]
    freshness: Mapping[str, ProviderFreshness]
    nbytes: int = 0
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(answer_cache_max_bytes()), repr=False,
                                 compare=False)

    def derived(self, name: str, build):
        """``build()`` once per snapshot (first caller builds; concurrent callers wait for it)."""
        value = self._derived.get(name)
        if value is None:
            with self._lock:
                value = self._derived.get(name)
                if value is None:
                    value = self._derived[name] = build()
        return value


def billing_of(meta: dict) -> str:
    """per_second for per-second billing, else per_hour (priced per hour, billed per minute or hour)."""
    return "per_second" if meta["billing_increment_seconds"] == 1 else "per_hour"


INFERENCE_ENDPOINT_REASON = ("{name}: a dedicated inference endpoint (serves a hosted model; a training job cannot "
                             "run on it); set include_inference_endpoints to list them")


def price_snapshot(snapshot: Snapshot) -> PricedSnapshot:
    fresh = snapshot.freshness
    metas: dict[str, dict] = {}
    seen: dict[str, int] = {}
    rows = []
    for offer in snapshot.offers:
        meta = metas.get(offer.provider)
        if meta is None:
            meta = metas[offer.provider] = provider_meta(offer.provider)
        oid = make_option_id(offer.provider, offer.provider_sku, offer.region, offer.gpu_count, seen)
        source, as_of, stale = freshness_of(fresh, offer.provider)
        # A built-in list price is not tied to a region: the provider sells it wherever it has capacity,
        # so it is shown as "any region" and the region filters let it through.
        any_region = source == "catalog" and not offer.region.strip()
        # A list price says nothing about stock now: the provider's typical level, not reported.
        availability, reported = engine.normalize_availability(
            None if source == "catalog" else offer.availability, meta["typical_availability"])
        pros, cons = cloud_pros_cons(meta, source=source, as_of=as_of, stale=stale, availability=availability,
                                     reported=reported, interruptible=offer.interruptible, tier=offer.tier)
        rows.append(PricedOffer(
            input=engine.OptionInput(
                id=oid, provider=offer.provider, provider_name=meta["name"], gpu_slug=offer.gpu.slug,
                gpu_type=offer.gpu.name, gpu_count=offer.gpu_count, gpu_memory_gb=offer.gpu_memory_gb,
                hourly_rate=offer.usd_per_hour, setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"],
                billing_increment_seconds=meta["billing_increment_seconds"], availability=availability,
                source=source, region=offer.region, interruptible=offer.interruptible, as_of=as_of, stale=stale,
                availability_reported=reported, provider_sku=offer.provider_sku, tier=offer.tier or "",
                any_region=any_region, pros=pros, cons=cons, billing=billing_of(meta),
            ),
            region_key=offer.region.strip().lower(),
            continent=continent_of(offer.region),
            provider_name=meta["name"],
            endpoint=offer.kind == KIND_DEDICATED_ENDPOINT,
        ))
    rows_t = tuple(rows)
    return PricedSnapshot(key=snapshot.key, rows=rows_t, freshness=fresh, nbytes=_approx_bytes(rows_t))


def _approx_bytes(rows: tuple[PricedOffer, ...]) -> int:
    """Memory held by ``rows`` (each row, its input and the input's own strings and numbers; strings
    shared between rows, such as pros/cons, counted once per row: an over-estimate)."""
    if not rows:
        return sys.getsizeof(rows)
    sample = rows[:: max(1, len(rows) // 200)]
    total = 0
    for r in sample:
        i = r.input
        total += sys.getsizeof(r) + sys.getsizeof(i) + sys.getsizeof(r.region_key)
        total += sum(sys.getsizeof(v) for v in vars(i).values())
        total += sum(sys.getsizeof(x) for x in (*i.pros, *i.cons))
    return int(sys.getsizeof(rows) + total / len(sample) * len(rows))


_priced: PricedSnapshot | None = None
_priced_lock = threading.Lock()


def priced_snapshot(snapshot: Snapshot) -> PricedSnapshot:
    """The snapshot priced: the one held by this process when it was priced from a snapshot with the
    same key, else priced now (and held unless larger than PRICE_SNAPSHOT_MAX_BYTES). A priced
    snapshot is only ever filed under the key of the snapshot it was priced from."""
    global _priced
    held = _priced
    if held is not None and held.key == snapshot.key:
        return held
    priced = price_snapshot(snapshot)
    limit = int(getattr(settings, "PRICE_SNAPSHOT_MAX_BYTES", 256 * 1024 * 1024))
    with _priced_lock:
        _priced = priced if priced.nbytes <= limit else None
    return priced


def held_priced_bytes() -> int:
    held = _priced
    return held.nbytes if held is not None else 0


# --- Filters ----------------------------------------------------------------------------------------

def match_cloud(priced: PricedSnapshot, excluded: Excluded, *, providers=None, gpu_type: str | None = None,
                gpu_count: int | None = 1, region: str | None = None, continent: str | None = None,
                min_memory_gb: float = 0.0, skip_endpoints: bool = False) -> list[engine.OptionInput]:
    """The engine inputs of the offers that pass every filter, in snapshot order; each one that
    does not is counted under the first filter it fails. ``gpu_count`` None: any count.
    ``skip_endpoints``: leave out dedicated inference endpoints (a training comparison).

    A question asking for one GPU count and no provider or GPU model (the common one) looks only at
    the offers of that count (``_CountIndex``, built once per snapshot): the others are counted per
    count from the index. Otherwise every row is looked at."""
    filters = dict(region=region, continent=continent, min_memory_gb=min_memory_gb)
    if providers or gpu_type or gpu_count is None:
        return _scan(priced.rows, excluded, providers=providers, gpu_type=gpu_type, gpu_count=gpu_count,
                     skip_endpoints=skip_endpoints, **filters)
    index: _CountIndex = priced.derived("count_index", lambda: _CountIndex(priced.rows))
    rows = priced.rows
    shown = EXCLUDED_IDS_SHOWN
    found = []  # (position of its first offer, code, reason, count, first ids): one per group
    by_count = index.plain if skip_endpoints else index.every
    if skip_endpoints:
        for name, positions in index.endpoints.items():
            found.append((positions[0], "inference_endpoint", INFERENCE_ENDPOINT_REASON.format(name=name),
                          len(positions), [rows[p].input.id for p in positions[:shown]]))
    for count, positions in by_count.items():
        if count != gpu_count:
            found.append((positions[0], "gpu_count", f"{count} GPUs per instance, {gpu_count} asked for",
                          len(positions), [rows[p].input.id for p in positions[:shown]]))
    rest = Excluded()
    out = _scan([rows[p] for p in by_count.get(gpu_count, ())], rest, gpu_count=None, **filters)
    for g in rest.groups.values():
        found.append((index.position[g["ids"][0]], g["code"], g["reason"], g["count"], g["ids"]))
    # Groups in the order their first offer comes in the snapshot: the order a scan creates them.
    found.sort(key=lambda f: f[0])
    for _, code, reason, count, ids in found:
        g = excluded.group(code, reason)
        g["count"] += count
        g["ids"].extend(ids[:max(0, shown - len(g["ids"]))])
    return out


class _CountIndex:
    """A priced snapshot's rows by GPU count (positions in snapshot order): ``every`` row, the
    ``plain`` ones (no inference endpoint), the ``endpoints`` by provider name, and each row's
    ``position`` by option id."""

    def __init__(self, rows: tuple[PricedOffer, ...]):
        every: dict[int, list[int]] = {}
        plain: dict[int, list[int]] = {}
        endpoints: dict[str, list[int]] = {}
        for p, row in enumerate(rows):
            every.setdefault(row.input.gpu_count, []).append(p)
            if row.endpoint:
                endpoints.setdefault(row.provider_name, []).append(p)
            else:
                plain.setdefault(row.input.gpu_count, []).append(p)
        self.every = {c: tuple(v) for c, v in every.items()}
        self.plain = {c: tuple(v) for c, v in plain.items()}
        self.endpoints = {n: tuple(v) for n, v in endpoints.items()}
        self.position = {row.input.id: p for p, row in enumerate(rows)}


def _scan(rows, excluded: Excluded, *, providers=None, gpu_type: str | None = None, gpu_count: int | None = 1,
          region: str | None = None, continent: str | None = None, min_memory_gb: float = 0.0,
          skip_endpoints: bool = False) -> list[engine.OptionInput]:
    """``match_cloud`` over ``rows``, one by one; each reason's group is found once per distinct
    value (a GPU count, a GPU and its memory, ...), not once per row."""
    wanted_providers = set(providers) if providers else None
    wanted_gpus = gpu_slugs_for(gpu_type)
    region_key = (region or "").strip().lower()
    min_mem = float(min_memory_gb or 0)
    group = excluded.group
    shown = EXCLUDED_IDS_SHOWN
    groups: dict[tuple, dict] = {}  # (filter, value) -> its exclusion group
    out = []
    append = out.append
    for row in rows:
        i = row.input
        if wanted_providers is not None and i.provider not in wanted_providers:
            key = ("provider", row.provider_name)
            g = groups.get(key)
            if g is None:
                g = groups[key] = group("provider", f"{row.provider_name}: not among the providers asked for")
        elif skip_endpoints and row.endpoint:
            key = ("inference_endpoint", row.provider_name)
            g = groups.get(key)
            if g is None:
                g = groups[key] = group("inference_endpoint", INFERENCE_ENDPOINT_REASON.format(name=row.provider_name))
        elif wanted_gpus is not None and i.gpu_slug not in wanted_gpus:
            key = ("gpu_type", i.gpu_type)
            g = groups.get(key)
            if g is None:
                g = groups[key] = group("gpu_type", f"{i.gpu_type}: not a {gpu_type}")
        elif gpu_count is not None and i.gpu_count != gpu_count:
            key = ("gpu_count", i.gpu_count)
            g = groups.get(key)
            if g is None:
                g = groups[key] = group("gpu_count", f"{i.gpu_count} GPUs per instance, {gpu_count} asked for")
        elif region_key and not i.any_region and row.region_key != region_key:
            key = ("region", None)
            g = groups.get(key)
            if g is None:
                g = groups[key] = group("region", f"Not in region {region.strip()}")
        elif continent and not i.any_region and row.continent != continent:
            key = ("continent", bool(i.region))
            g = groups.get(key)
            if g is None:
                g = groups[key] = group("continent", f"Not in {continent}" + ("" if i.region else " (region not reported)"))
        elif i.gpu_memory_gb < min_mem:
            key = ("memory", i.gpu_type, i.gpu_memory_gb)
            g = groups.get(key)
            if g is None:
                g = groups[key] = group(
                    "memory", f"{i.gpu_type}: {i.gpu_memory_gb} GB per GPU, less than the {min_mem:g} GB asked for")
        else:
            append(i)
            continue
        g["count"] += 1
        if len(g["ids"]) < shown:
            g["ids"].append(i.id)
    return out


def local_option(*, local_gpu_type: str | None, min_memory_gb: float, local_power_watts: float | None,
                 local_electricity_cost: float, excluded: Excluded) -> engine.OptionInput | None:
    text = local_gpu_type
    if not text:
        return None
    spec = resolve_single_gpu(text)
    if spec is None:  # the serializer rejects unknown names; a direct caller gets no local option
        excluded.add("gpu_type", f"Local GPU {text!r} is not in the GPU catalog", f"{LOCAL_SLUG}:{text}")
        return None
    option_id = f"{LOCAL_SLUG}:{spec.slug}"
    min_mem = float(min_memory_gb or 0)
    if spec.memory_gb < min_mem:
        excluded.add("memory", f"Local {spec.name}: {spec.memory_gb} GB, less than the {min_mem:g} GB asked for",
                     option_id)
        return None
    watts = float(local_power_watts or spec.board_power_w)
    meta = provider_meta(LOCAL_SLUG)
    pros, cons = local_pros_cons(spec, power_given=bool(local_power_watts))
    return engine.OptionInput(
        id=option_id, provider=LOCAL_SLUG, provider_name=meta["name"], gpu_slug=spec.slug, gpu_type=spec.name,
        gpu_count=1, gpu_memory_gb=spec.memory_gb,
        hourly_rate=engine.local_hourly_rate(watts, Decimal(str(local_electricity_cost))),
        setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"], billing_increment_seconds=0,
        availability="high", source="local", billing="local", pros=pros, cons=cons,
    )


# --- Per-token training services (one ranking across billing models) ------------------------------

# Together runs fine-tunes on its own GPUs and does not say which: the time estimate assumes 8x H100
# SXM (what its fine-tuning hardware is reported to be; an assumption, stated on the option).
TOKEN_SERVICE_HARDWARE = ("h100-sxm", 8)
TOKEN_SERVICE_SLUG = "managed-fine-tuning"  # not a GPU you choose: no catalog GPU slug
FINE_TUNE_METHODS = ("lora", "qlora", "full")


def token_options(query, excluded: Excluded) -> list[engine.OptionInput]:
    """Managed fine-tuning priced per token (Together's fine-tuning API) as options of a fine-tune
    with a known token count (``query``: a ``CompareQuery``): ``total_cost`` = tokens processed
    (dataset tokens x epochs + validation tokens x evaluations) x the price per token (at least the
    minimum charge); the engine derives the hour equivalent from the estimated hours. Not for
    pretraining, nor when the question pins a GPU, a GPU count, a region or a memory size (a
    managed service offers no such choice)."""
    from pricing.providers.price_list import fine_tune_price

    workload = query.workload
    if workload is None:
        return []
    method = workload.method
    if method not in FINE_TUNE_METHODS or (query.providers and "together" not in query.providers):
        return []
    meta = provider_meta("together")
    oid = f"together:fine-tuning:{'lora' if method != 'full' else 'full'}"
    pinned = [name for name, value in (("gpu_type", query.gpu_type), ("gpu_count", query.gpu_count),
                                       ("region", query.region), ("continent", query.continent),
                                       ("min_memory_gb", query.min_memory_gb))
              if value]
    if pinned:
        excluded.add("per_token_service", f"{meta['name']} fine-tuning: a managed service, no choice of "
                     f"{', '.join(pinned)}", oid)
        return []
    params_b = float(workload.model_params_b)
    price = fine_tune_price("together", method, params_b)
    if price is None:
        excluded.add("per_token_service", f"{meta['name']} fine-tuning: no published price for a {params_b:g}B model",
                     oid)
        return []
    epochs = float(workload.epochs or 1)
    validation = int(query.validation_tokens or 0) * int(query.evaluations or 0)
    if not validation:
        validation = int(round(float(workload.eval_tokens or 0) * int(workload.eval_passes or 0)))
    processed = int(round(float(workload.dataset_tokens) * epochs)) + validation
    total = max(Decimal(processed) * price.usd_per_million_tokens / Decimal(1_000_000), price.minimum_charge_usd)
    age_days = (dt.date.today() - price.as_of).days
    stale = age_days > catalog_stale_days()
    gpu_slug, gpu_count = TOKEN_SERVICE_HARDWARE
    gpu = GPUS_BY_SLUG[gpu_slug]
    kind = "LoRA" if price.method == "lora" else "full"
    pros = (
        f"Priced per token: ${price.usd_per_million_tokens} per 1M tokens processed ({processed:,} tokens: "
        f"dataset x {epochs:g} epochs" + (" + validation x evaluations" if validation else "") + ")",
        "No GPUs, drivers or training code to manage: Together runs the job",
        "You pay for tokens, not for idle or slow GPU hours",
    )
    cons = (
        "Only the base models Together hosts for fine-tuning (its list), not any model you bring",
        "No custom training code: Together's SFT/DPO trainer and the hyperparameters it exposes only",
        f"Hours are an estimate on {gpu_count}x {gpu.name} (Together does not publish its fine-tuning hardware "
        "or queue time); the price does not depend on them",
        f"List price ({kind}, {price.band}) of {price.as_of} from together.ai/pricing, not live"
        + (f"; {age_days} days old" if stale else ""),
        "Hosting the result is billed separately (a dedicated endpoint, per minute)",
    )
    availability, reported = engine.normalize_availability(None, meta["typical_availability"])
    return [engine.OptionInput(
        id=oid, provider="together", provider_name=f"{meta['name']} fine-tuning",
        gpu_slug=TOKEN_SERVICE_SLUG, gpu_type=f"Managed {kind} fine-tuning", gpu_count=1,
        gpu_memory_gb=gpu.memory_gb, hours_on=(gpu_slug, gpu_count), hourly_rate=Decimal(0),
        setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"], billing_increment_seconds=0,
        availability=availability, source="catalog",
        as_of=dt.datetime.combine(price.as_of, dt.time(0, 0), tzinfo=dt.UTC).isoformat(), stale=stale,
        availability_reported=reported, provider_sku=f"fine-tuning/{price.method}/{price.band}", any_region=True,
        pros=pros, cons=cons, billing="per_token", fixed_total=total, tokens=processed,
        usd_per_million_tokens=price.usd_per_million_tokens,
    )]


def no_price_notes(providers, fresh: Mapping[str, ProviderFreshness], excluded: Excluded) -> None:
    for slug in providers or list(fresh):
        f = fresh.get(slug)
        if f is not None and f.source is None:
            why = f" (last error: {f.last_error})" if f.last_error else ""
            excluded.add("no_prices", f"{f.name}: no prices yet{why}; run `python manage.py refresh_prices`", None)
