"""Offers -> engine options, shared by the compare read model and the instances listing:
the filters (provider, GPU, count, region, continent, memory) with grouped exclusions, stable
option ids, each offer's freshness and its pros/cons (from ``selector.facts``).

``excluded`` is grouped: one entry per reason, with a count and the first ``EXCLUDED_IDS_SHOWN``
option ids, so a filter that drops thousands of marketplace offers still answers in a few lines.

The local option is governed by ``local_gpu_type`` alone: the cloud filters (``gpu_type``,
``providers``, ``gpu_count``, ``region``/``continent``) do not apply to it, ``min_memory_gb`` does.
It is one GPU.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from pricing.gpus import GPUS_BY_SLUG, match_gpu_query, resolve_single_gpu
from pricing.regions import continent_of, normalize_continent
from pricing.selectors import ProviderFreshness

from . import engine
from .facts import LOCAL_SLUG, cloud_pros_cons, local_pros_cons, provider_meta

EXCLUDED_IDS_SHOWN = 20
DEFAULT_ELECTRICITY_USD_PER_KWH = 0.15


def make_option_id(provider: str, sku: str, region: str, count: int, seen: dict[str, int]) -> str:
    base = f"{provider}:{sku}:{region}:{count}"
    n = seen.get(base, 0) + 1
    seen[base] = n
    return base if n == 1 else f"{base}~{n}"


def gpu_slugs_for(gpu_type: str | None) -> set[str] | None:
    if not gpu_type:
        return None
    return {g.slug for g in match_gpu_query(gpu_type)}


def freshness_of(fresh: dict[str, ProviderFreshness], slug: str) -> tuple[str, str | None, bool]:
    f = fresh.get(slug)
    if f is None:
        return "catalog", None, True
    return f.source or "catalog", f.as_of.isoformat() if f.as_of else None, f.stale


def _num(value) -> float | None:
    return None if value is None else float(value)


def prices_block(fresh: dict[str, ProviderFreshness]) -> list[dict]:
    return [f.as_dict() for f in fresh.values()]


class Excluded:
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


def local_option(validated: dict, excluded: Excluded) -> engine.OptionInput | None:
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
    pros, cons = local_pros_cons(spec, power_given=bool(validated.get("local_power_watts")))
    return engine.OptionInput(
        id=option_id, provider=LOCAL_SLUG, provider_name=meta["name"], gpu_slug=spec.slug, gpu_type=spec.name,
        gpu_count=1, gpu_memory_gb=spec.memory_gb, hourly_rate=engine.local_hourly_rate(watts, Decimal(str(cost))),
        setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"], billing_increment_seconds=0,
        availability="high", source="local", pros=pros, cons=cons,
    )


def cloud_options(validated: dict, offers, fresh: dict[str, ProviderFreshness], excluded: Excluded,
                   *, apply_count: bool = True) -> list[engine.OptionInput]:
    providers = validated.get("providers")
    wanted_providers = set(providers) if providers else None
    gpu_type = validated.get("gpu_type")
    wanted_gpus = gpu_slugs_for(gpu_type)
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
        oid = make_option_id(offer.provider, offer.provider_sku, offer.region, offer.gpu_count, seen)
        if wanted_providers is not None and offer.provider not in wanted_providers:
            excluded.add("provider", f"{meta['name']}: not among the providers asked for", oid)
            continue
        if wanted_gpus is not None and offer.gpu.slug not in wanted_gpus:
            excluded.add("gpu_type", f"{gpu_name}: not a {gpu_type}", oid)
            continue
        if apply_count and offer.gpu_count != gpu_count:
            excluded.add("gpu_count", f"{offer.gpu_count} GPUs per instance, {gpu_count} asked for", oid)
            continue
        source, as_of, stale = freshness_of(fresh, offer.provider)
        # A built-in list price is not tied to a region: the provider sells it wherever it has capacity,
        # so it is shown as "any region" and the region filters let it through.
        any_region = source == "catalog" and not offer.region.strip()
        if region and not any_region and offer.region.strip().lower() != region.lower():
            excluded.add("region", f"Not in region {region}", oid)
            continue
        if continent and not any_region and continent_of(offer.region) != continent:
            excluded.add("continent", f"Not in {continent}" + ("" if offer.region else " (region not reported)"), oid)
            continue
        if offer.gpu_memory_gb < min_mem:
            excluded.add("memory", f"{gpu_name}: {offer.gpu_memory_gb} GB per GPU, less than the {min_mem:g} GB asked for",
                         oid)
            continue
        # A list price says nothing about stock now: the provider's typical level, not reported.
        availability, reported = engine.normalize_availability(
            None if source == "catalog" else offer.availability, meta["typical_availability"])
        pros, cons = cloud_pros_cons(meta, source=source, as_of=as_of, stale=stale, availability=availability,
                                      reported=reported, interruptible=offer.interruptible, tier=offer.tier)
        out.append(engine.OptionInput(
            id=oid, provider=offer.provider, provider_name=meta["name"], gpu_slug=offer.gpu.slug, gpu_type=gpu_name,
            gpu_count=offer.gpu_count, gpu_memory_gb=offer.gpu_memory_gb, hourly_rate=offer.usd_per_hour,
            setup_minutes=meta["setup_minutes"], setup_time=meta["setup_time"],
            billing_increment_seconds=meta["billing_increment_seconds"], availability=availability, source=source,
            region=offer.region, interruptible=offer.interruptible, as_of=as_of, stale=stale,
            availability_reported=reported, provider_sku=offer.provider_sku, tier=offer.tier or "",
            any_region=any_region, pros=pros, cons=cons,
        ))
    return out


def no_price_notes(validated: dict, fresh: dict[str, ProviderFreshness], excluded: Excluded) -> None:
    wanted = validated.get("providers") or list(fresh)
    for slug in wanted:
        f = fresh.get(slug)
        if f is not None and f.source is None:
            why = f" (last error: {f.last_error})" if f.last_error else ""
            excluded.add("no_prices", f"{f.name}: no prices yet{why}; run `python manage.py refresh_prices`", None)


