"""The selector's use cases: compare costs, list instances, provider and GPU listings, setup guides.

Views, the wizard pages and the ``compare`` command validate input with
``selector.api.serializers`` and call one function here; each returns the full response dict
(JSON-ready: floats, strings, lists). Reads go through ``pricing.selectors.latest_snapshot``, so a
call costs a fixed number of queries whatever the number of offers and the price history.

Filtering is done here (it needs the catalog and regions); pricing, ranking and picks are
``selector.engine``'s (pure). ``excluded`` is grouped: one entry per reason, with a count and the
first ``EXCLUDED_IDS_SHOWN`` option ids, so a filter that drops thousands of marketplace offers
still answers in a few lines.

The local option is governed by ``local_gpu_type`` alone: the cloud filters (``gpu_type``,
``providers``, ``gpu_count``, ``region``/``continent``) do not apply to it, ``min_memory_gb`` does.
It is one GPU.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from decimal import Decimal

from pricing.gpus import GPUS, GPUS_BY_SLUG, match_gpu_query, resolve_single_gpu
from pricing.providers.registry import PROVIDERS
from pricing.regions import continent_of, normalize_continent
from pricing.selectors import ProviderFreshness, latest_snapshot, provider_freshness

from . import engine
from .setup_guides import COST_TIPS, GUIDES, setup_time_words

EXCLUDED_IDS_SHOWN = 20
DEFAULT_ELECTRICITY_USD_PER_KWH = 0.15
LOCAL_SLUG = "local"


# --- Provider facts -------------------------------------------------------------------------------

def provider_meta(slug: str) -> dict:
    """Name, setup minutes, billing increment and links of a provider: the adapter's where one is
    registered, else the setup guide's."""
    adapter = PROVIDERS.get(slug)
    guide = GUIDES.get(slug)
    name = getattr(adapter, "NAME", "") or (guide.name if guide else slug)
    raw_minutes = getattr(adapter, "SETUP_MINUTES", None) or (guide.estimated_minutes if guide else (0, 0))
    minutes = (int(raw_minutes[0]), int(raw_minutes[1]))
    return {
        "slug": slug,
        "name": name,
        "setup_minutes": minutes,
        "setup_time": setup_time_words(slug, minutes),
        "billing_increment_seconds": _billing_increment(adapter, slug),
        "signup_url": getattr(adapter, "SIGNUP_URL", "") or (guide.signup_url if guide else ""),
        "docs_url": getattr(adapter, "DOCS_URL", "") or (guide.docs_url if guide else ""),
    }


def _billing_increment(adapter, slug: str) -> int:
    """Seconds; an adapter that does not say is assumed to bill by the hour (the dearer case)."""
    if slug == LOCAL_SLUG:
        return 0
    value = getattr(adapter, "BILLING_INCREMENT_SECONDS", None)
    return 3600 if value is None else int(value)


def setup_provider_slugs() -> list[str]:
    """Providers with setup instructions: every registered adapter, the guides, and local."""
    return list(OrderedDict.fromkeys([*PROVIDERS, *GUIDES]))


def setup_instructions(slug: str) -> dict | None:
    """The setup guide for ``slug``, or None for an unknown provider."""
    slug = (slug or "").strip().lower()
    if slug not in PROVIDERS and slug not in GUIDES:
        return None
    meta = provider_meta(slug)
    guide = GUIDES.get(slug)
    lo, hi = meta["setup_minutes"]
    steps = list(guide.steps) if guide else [
        f"Create an account with {meta['name']}", "Add a payment method", "Choose a GPU instance and launch it",
        "Connect to it and upload your dataset and training script",
    ]
    return {
        "provider": slug,
        "name": meta["name"],
        "estimated_time": meta["setup_time"],
        "estimated_minutes": {"min": lo, "max": hi},
        "steps": steps,
        "signup_url": meta["signup_url"],
        "docs_url": meta["docs_url"],
    }


def cost_tips() -> list[dict]:
    return [{"title": t["title"], "tips": list(t["tips"])} for t in COST_TIPS]


def provider_status() -> dict:
    """Every registered provider with the freshness of its prices (2 queries)."""
    out = []
    for slug, fresh in provider_freshness().items():
        meta = provider_meta(slug)
        row = fresh.as_dict()
        row.update(setup_minutes={"min": meta["setup_minutes"][0], "max": meta["setup_minutes"][1]},
                   setup_time=meta["setup_time"], billing_increment_seconds=meta["billing_increment_seconds"])
        out.append(row)
    return {"providers": out, "count": len(out)}


def gpu_catalog() -> dict:
    gpus = [{
        "slug": g.slug, "name": g.name, "vendor": g.vendor, "memory_gb": g.memory_gb,
        "board_power_w": g.board_power_w, "bf16_tflops": g.bf16_tflops, "fp16_tflops": g.fp16_tflops,
        "peak_tflops": g.peak_tflops, "gpu_class": g.gpu_class, "aliases": list(g.aliases),
        "families": list(g.families), "source": g.source,
    } for g in GPUS]
    return {"gpus": gpus, "count": len(gpus)}


# --- Helpers shared by compare and instances ----------------------------------------------------

def _option_id(provider: str, sku: str, region: str, count: int, seen: dict[str, int]) -> str:
    base = f"{provider}:{sku}:{region}:{count}"
    n = seen.get(base, 0) + 1
    seen[base] = n
    return base if n == 1 else f"{base}~{n}"


def _gpu_slugs(gpu_type: str | None) -> set[str] | None:
    if not gpu_type:
        return None
    return {g.slug for g in match_gpu_query(gpu_type)}


def _freshness_of(fresh: dict[str, ProviderFreshness], slug: str) -> tuple[str, str | None, bool]:
    f = fresh.get(slug)
    if f is None:
        return "catalog", None, True
    return f.source or "catalog", f.as_of.isoformat() if f.as_of else None, f.stale


def _num(value) -> float | None:
    return None if value is None else float(value)


def _prices(fresh: dict[str, ProviderFreshness]) -> list[dict]:
    return [f.as_dict() for f in fresh.values()]


class _Excluded:
    """Groups exclusions by (code, reason), keeping a count and the first few ids."""

    def __init__(self):
        self.groups: OrderedDict[tuple[str, str], dict] = OrderedDict()

    def add(self, code: str, reason: str, option_id: str | None) -> None:
        g = self.groups.setdefault((code, reason), {"code": code, "reason": reason, "count": 0, "ids": []})
        if option_id is not None:
            g["count"] += 1
            if len(g["ids"]) < EXCLUDED_IDS_SHOWN:
                g["ids"].append(option_id)

    def as_list(self) -> list[dict]:
        return list(self.groups.values())


# --- Compare costs ----------------------------------------------------------------------------------

def default_hours_for(validated: dict) -> engine.HoursFor:
    """Flat ``training_hours``, or scaled by peak throughput relative to ``reference_gpu``."""
    hours = float(validated["training_hours"])
    ref = validated.get("reference_gpu")
    ref_spec = resolve_single_gpu(ref) if ref else None
    if ref_spec is None:
        return engine.flat_hours_for(hours)
    return engine.reference_hours_for(
        hours, ref_spec.peak_tflops, lambda slug: GPUS_BY_SLUG[slug].peak_tflops if slug in GPUS_BY_SLUG else None)


def _cloud_pros_cons(meta: dict, *, source: str, as_of: str | None, stale: bool, availability: str,
                     reported: bool, interruptible: bool, tier: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    guide = GUIDES.get(meta["slug"])
    pros = list(guide.pros) if guide else []
    cons = list(guide.cons) if guide else []
    inc = meta["billing_increment_seconds"]
    billing = {1: "Billed per second", 60: "Billed per minute"}.get(inc)
    if billing and billing.lower() not in " ".join(pros).lower():
        pros.append(billing)
    if inc >= 3600:
        cons.append("Billed by the hour: a started hour is charged in full")
    if availability == "high":
        pros.append("Instances readily available now")
    elif availability == "low":
        cons.append("Low availability: very few instances free right now")
    elif availability == "unavailable":
        cons.append("No instances available right now")
    if not reported:
        cons.append("Availability not reported by the provider; shown as medium until you check")
    if interruptible:
        pros.append("Interruptible (bid) price: cheaper than on-demand")
        cons.append("Interruptible: the instance can be stopped when outbid; save checkpoints often")
    if tier == "community":
        cons.append("Community cloud: runs on third-party hosts")
    elif tier == "secure":
        pros.append("Secure cloud: runs in vetted data centres")
    if source == "catalog":
        when = f" dated {as_of[:10]}" if as_of else ""
        cons.append(f"List price from the built-in catalog{when}, not a live quote")
    if stale:
        cons.append("Price may be out of date: the last price check failed or is old")
    return tuple(pros), tuple(cons)


def _local_option(validated: dict, excluded: _Excluded) -> engine.OptionInput | None:
    text = validated.get("local_gpu_type")
    if not text:
        return None
    spec = resolve_single_gpu(text)
    if spec is None:  # the serializer rejects unknown names; a direct caller gets no local option
        excluded.add("gpu_type", f"Local GPU {text!r} is not in the GPU catalog", f"{LOCAL_SLUG}:{text}")
        return None
    option_id = f"{LOCAL_SLUG}:{spec.slug}"
    min_mem = float(validated.get("min_memory_gb") or 0)
    if spec.memory_gb < min_mem:
        excluded.add("memory", f"Local {spec.name}: {spec.memory_gb} GB, less than the {min_mem:g} GB asked for",
                     option_id)
        return None
    watts = float(validated.get("local_power_watts") or spec.board_power_w)
    cost = validated.get("local_electricity_cost")
    cost = DEFAULT_ELECTRICITY_USD_PER_KWH if cost is None else cost
    meta = provider_meta(LOCAL_SLUG)
    guide = GUIDES[LOCAL_SLUG]
    pros = [*guide.pros, f"{spec.memory_gb} GB GPU memory"]
    cons = list(guide.cons)
    if not validated.get("local_power_watts"):
        cons.append(f"Power draw assumed at the {spec.board_power_w} W board power; set local_power_watts to refine")
    return engine.OptionInput(
        id=option_id, provider=LOCAL_SLUG, provider_name=meta["name"], gpu_slug=spec.slug, gpu_type=spec.name,
        gpu_count=1, gpu_memory_gb=spec.memory_gb, hourly_rate=engine.local_hourly_rate(watts, Decimal(str(cost))),
        setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"], billing_increment_seconds=0,
        availability="high", source="local", pros=tuple(pros), cons=tuple(cons),
    )


def _cloud_options(validated: dict, offers, fresh: dict[str, ProviderFreshness], excluded: _Excluded,
                   *, apply_count: bool = True) -> list[engine.OptionInput]:
    providers = validated.get("providers")
    wanted_providers = set(providers) if providers else None
    gpu_type = validated.get("gpu_type")
    wanted_gpus = _gpu_slugs(gpu_type)
    gpu_count = int(validated.get("gpu_count") or 1)
    region = (validated.get("region") or "").strip()
    continent = normalize_continent(validated.get("continent") or "") if validated.get("continent") else None
    min_mem = float(validated.get("min_memory_gb") or 0)
    metas: dict[str, dict] = {}
    seen: dict[str, int] = {}
    out = []
    for offer in offers:
        meta = metas.get(offer.provider) or metas.setdefault(offer.provider, provider_meta(offer.provider))
        gpu = GPUS_BY_SLUG.get(offer.gpu.slug)
        gpu_name = gpu.name if gpu else offer.gpu.name
        oid = _option_id(offer.provider, offer.provider_sku, offer.region, offer.gpu_count, seen)
        if wanted_providers is not None and offer.provider not in wanted_providers:
            excluded.add("provider", f"{meta['name']}: not among the providers asked for", oid)
            continue
        if wanted_gpus is not None and offer.gpu.slug not in wanted_gpus:
            excluded.add("gpu_type", f"{gpu_name}: not a {gpu_type}", oid)
            continue
        if apply_count and offer.gpu_count != gpu_count:
            excluded.add("gpu_count", f"{offer.gpu_count} GPUs per instance, {gpu_count} asked for", oid)
            continue
        if region and offer.region.strip().lower() != region.lower():
            excluded.add("region", f"Not in region {region}", oid)
            continue
        if continent and continent_of(offer.region) != continent:
            excluded.add("continent", f"Not in {continent}" + ("" if offer.region else " (region not reported)"), oid)
            continue
        if offer.gpu_memory_gb < min_mem:
            excluded.add("memory", f"{gpu_name}: {offer.gpu_memory_gb} GB per GPU, less than the {min_mem:g} GB asked for",
                         oid)
            continue
        source, as_of, stale = _freshness_of(fresh, offer.provider)
        availability, reported = engine.normalize_availability(offer.availability)
        pros, cons = _cloud_pros_cons(meta, source=source, as_of=as_of, stale=stale, availability=availability,
                                      reported=reported, interruptible=offer.interruptible, tier=offer.tier)
        out.append(engine.OptionInput(
            id=oid, provider=offer.provider, provider_name=meta["name"], gpu_slug=offer.gpu.slug, gpu_type=gpu_name,
            gpu_count=offer.gpu_count, gpu_memory_gb=offer.gpu_memory_gb, hourly_rate=offer.usd_per_hour,
            setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"],
            billing_increment_seconds=meta["billing_increment_seconds"], availability=availability, source=source,
            region=offer.region, interruptible=offer.interruptible, as_of=as_of, stale=stale,
            availability_reported=reported, provider_sku=offer.provider_sku, pros=pros, cons=cons,
        ))
    return out


def _no_price_notes(validated: dict, fresh: dict[str, ProviderFreshness], excluded: _Excluded) -> None:
    wanted = validated.get("providers") or list(fresh)
    for slug in wanted:
        f = fresh.get(slug)
        if f is not None and f.source is None:
            why = f" (last error: {f.last_error})" if f.last_error else ""
            excluded.add("no_prices", f"{f.name}: no prices yet{why}; run `python manage.py refresh_prices`", None)


def option_dict(o: engine.Option) -> dict:
    i = o.input
    return {
        "id": i.id,
        "provider": i.provider,
        "provider_name": i.provider_name,
        "gpu_type": i.gpu_type,
        "gpu_slug": i.gpu_slug,
        "gpu_count": i.gpu_count,
        "gpu_memory_gb": i.gpu_memory_gb,
        "hourly_rate": float(i.hourly_rate.quantize(engine.RATE_PLACES)),
        "training_hours": o.training_hours,
        "training_hours_range": (
            {"low": o.hours_low, "high": o.hours_high} if o.hours_low is not None and o.hours_high is not None else None),
        "setup_minutes": {"min": i.setup_minutes[0], "max": i.setup_minutes[1]},
        "setup_time": i.setup_time,
        "finish_hours": round(o.finish_hours, 3),
        "total_cost": float(o.total_cost),
        "availability": i.availability,
        "availability_reported": i.availability_reported,
        "region": i.region,
        "continent": continent_of(i.region) if i.region else None,
        "interruptible": i.interruptible,
        "source": i.source,
        "as_of": i.as_of,
        "stale": i.stale,
        "provider_sku": i.provider_sku,
        "pros": list(i.pros),
        "cons": list(i.cons),
    }


def _summary(result: engine.Comparison) -> dict:
    savings = None
    if result.savings_amount is not None:
        savings = {"amount": float(result.savings_amount),
                   "percent": float(result.savings_percent) if result.savings_percent is not None else None}
    return {
        "cheapest": option_dict(result.cheapest) if result.cheapest else None,
        "fastest": option_dict(result.fastest) if result.fastest else None,
        "recommended": option_dict(result.recommended) if result.recommended else None,
        "recommendation_reason": result.recommendation_reason,
        "local": option_dict(result.local) if result.local else None,
        "savings_vs_local": savings,
    }


def compare_costs(validated: dict, *, hours_for: engine.HoursFor | None = None, extra: dict | None = None) -> dict:
    """The full ``POST /api/cloud/compare-costs`` response for validated input (see the serializer).

    ``hours_for`` replaces the default hours (flat, or reference-GPU scaling); ``extra`` is merged
    into the response. With a ``workload`` (and no ``hours_for``) the estimator supplies the hours,
    the ``estimate`` block and the ``notes``."""
    offers, fresh = latest_snapshot()
    cache_key = None
    if hours_for is None and extra is None:
        cache_key = _result_key(validated, fresh)
        hit = _results.get(cache_key)
        if hit is not None:
            # Same question, same prices, same freshness flags: the same answer; only the ages move.
            return {**hit, "prices": _prices(fresh)}
    workload = validated.get("workload")
    if workload:
        # Hours estimated per GPU model and count from the job (selector.estimates, issue #4).
        from . import estimates

        if hours_for is None:
            hours_for = estimates.hours_for_workload(workload)
        extra = {**estimates.compare_extra(validated), **(extra or {})}
    excluded = _Excluded()
    inputs: list[engine.OptionInput] = []
    local = _local_option(validated, excluded)
    if local is not None:
        inputs.append(local)
    inputs.extend(_cloud_options(validated, offers, fresh, excluded))
    _no_price_notes(validated, fresh, excluded)
    params = engine.CompareParams(
        sort=validated.get("sort") or "cost",
        include_unavailable=validated.get("include_unavailable", True) is not False,
        allow_interruptible=bool(validated.get("allow_interruptible", False)),
    )
    result = engine.compare(inputs, hours_for or default_hours_for(validated), params)
    for ex in result.excluded:
        excluded.add(ex.code, ex.reason, ex.option_id)
    response = {
        "options": [option_dict(o) for o in result.options],
        "summary": _summary(result),
        "excluded": excluded.as_list(),
        "prices": _prices(fresh),
    }
    if extra:
        response.update(extra)
    if workload:
        estimates.annotate_comparison(response, validated)
    _add_trend_marks(response, offers)
    if cache_key is not None:
        _results.put(cache_key, response)
    return response


class _ResultCache:
    """Per-process answers of compare_costs, keyed by the question and the state of the prices.

    Prices change only when a poll lands, so an answer is reused until then: the key holds the
    current snapshot (pricing.selectors.current_snapshot_key) and each provider's freshness flags,
    so a new poll, a failed poll or prices turning stale all make a new key. The `prices` block
    (ages) is rebuilt on every call. Answers are shared: callers must not mutate them."""

    def __init__(self, size: int = 256):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_results = _ResultCache()


def _result_key(validated: dict, fresh: dict[str, ProviderFreshness]) -> tuple:
    from pricing.selectors import current_snapshot_key

    question = json.dumps(validated, sort_keys=True, default=str)
    flags = tuple((f.provider, f.source, f.stale, f.status, f.last_error) for f in fresh.values())
    return question, current_snapshot_key(), flags


_trend_cache: dict = {"key": None, "marks": {}}


def _current_trend_marks(offers) -> dict:
    """Trend marks for every (provider, GPU, count) of the current snapshot, computed once per
    snapshot (a poll changes the key): the price history is read once per poll, not per request,
    so a request costs the same with a thousand or ten million history rows."""
    from pricing.history import trend_marks
    from pricing.selectors import current_snapshot_key

    key = current_snapshot_key()
    if key is not None and _trend_cache["key"] == key:
        return _trend_cache["marks"]
    keys = {(o.provider, o.gpu.slug, o.gpu_count) for o in offers if not o.interruptible}
    marks = trend_marks(keys) if keys else {}
    _trend_cache.update(key=key, marks=marks)
    return marks


def _add_trend_marks(response: dict, offers) -> None:
    """A small price-trend word on each cloud option ("lowest in 30 days", "up 12% this week")."""
    marks = _current_trend_marks(offers)
    entries = list(response["options"])
    entries += [v for k, v in response["summary"].items() if k in ("cheapest", "fastest", "recommended", "local") and v]
    for o in entries:
        o["trend"] = None if o["source"] == "local" or o["interruptible"] else marks.get(
            (o["provider"], o["gpu_slug"], o["gpu_count"]))


# --- Instances --------------------------------------------------------------------------------------

def list_instances(validated: dict) -> dict:
    """The ``POST /api/cloud/instances`` response: current offers matching the filters, cheapest
    first, with the freshness of every provider's prices."""
    provider = validated.get("provider")
    gpu_slugs = _gpu_slugs(validated.get("gpu_type"))
    offers, fresh = latest_snapshot(providers=[provider] if provider else None,
                                    gpu_slugs=sorted(gpu_slugs) if gpu_slugs is not None else None)
    filters = {
        "providers": [provider] if provider else None,
        "gpu_type": validated.get("gpu_type"),
        "gpu_count": validated.get("gpu_count") or 1,
        "region": validated.get("region"),
        "continent": validated.get("continent"),
        "min_memory_gb": validated.get("min_memory_gb") or 0,
    }
    excluded = _Excluded()
    inputs = _cloud_options(filters, offers, fresh, excluded, apply_count=validated.get("gpu_count") is not None)
    instances = []
    for i in inputs:
        if validated.get("available_only") and i.availability == "unavailable":
            continue
        per_gpu = (i.hourly_rate / i.gpu_count).quantize(engine.RATE_PLACES)
        instances.append({
            "id": i.id, "provider": i.provider, "provider_name": i.provider_name, "gpu_type": i.gpu_type,
            "gpu_slug": i.gpu_slug, "gpu_count": i.gpu_count, "gpu_memory_gb": i.gpu_memory_gb,
            "hourly_rate": float(i.hourly_rate.quantize(engine.RATE_PLACES)), "price_per_gpu_hour": float(per_gpu),
            "availability": i.availability, "availability_reported": i.availability_reported, "region": i.region,
            "continent": continent_of(i.region) if i.region else None, "interruptible": i.interruptible,
            "source": i.source, "as_of": i.as_of, "stale": i.stale, "provider_sku": i.provider_sku,
            "setup_minutes": {"min": i.setup_minutes[0], "max": i.setup_minutes[1]}, "setup_time": i.setup_time,
        })
    instances.sort(key=lambda r: (r["hourly_rate"], r["id"]))
    return {"instances": instances, "count": len(instances), "prices": _prices(fresh)}


def known_providers() -> list[str]:
    return list(PROVIDERS)
