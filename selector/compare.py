"""The compare read model: ``compare_costs`` answers ``POST /api/cloud/compare-costs`` (and the
selector pages) from the latest snapshot: options from ``selector.options``, pricing, ranking and
picks from the pure ``selector.engine``, training hours from the estimator when a workload is
given, and a price-trend word per option from the price history.

Reads go through ``pricing.selectors.latest_snapshot``, so a call costs a fixed number of queries
whatever the number of offers and the price history.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from pricing.gpus import GPUS_BY_SLUG, resolve_single_gpu
from pricing.regions import continent_of
from pricing.selectors import ProviderFreshness, latest_snapshot

from . import engine
from .facts import LOCAL_SLUG
from .options import Excluded, cloud_options, local_option, no_price_notes, prices_block

# --- Compare costs ----------------------------------------------------------------------------------

# The job whose relative throughput scales "hours measured on" a GPU when no workload is given: the
# wizard's default (a 7B LoRA run in bf16); the ratio between GPUs, not the hours, comes from it.
REFERENCE_WORKLOAD = {"model_params_b": 7.0, "dataset_tokens": 10_000_000, "method": "lora", "precision": "bf16"}


def default_hours_for(validated: dict) -> engine.HoursFor:
    """Flat ``training_hours``, or, with ``reference_gpu``, scaled for each GPU model and count by the
    estimator's relative throughput (``selector.estimator.relative_throughput``) against one
    reference GPU; a GPU the estimator cannot rate falls back to the peak-throughput ratio."""
    hours = float(validated["training_hours"])
    ref = validated.get("reference_gpu")
    ref_spec = resolve_single_gpu(ref) if ref else None
    if ref_spec is None:
        return engine.flat_hours_for(hours)
    from .estimates import workload_from_validated
    from .estimator import relative_throughput

    workload = workload_from_validated(REFERENCE_WORKLOAD)
    cache: dict[tuple[str, int], float | None] = {}

    def relative_of(slug: str, count: int) -> float | None:
        key = (slug, count)
        if key not in cache:
            gpu = GPUS_BY_SLUG.get(slug)
            value = None
            if gpu is not None:
                try:
                    value = relative_throughput(workload, gpu, max(1, int(count or 1)), ref_spec)
                except (ArithmeticError, ValueError):
                    value = None
                if not value and ref_spec.peak_tflops:
                    value = gpu.peak_tflops * count * engine.multi_gpu_efficiency(count) / ref_spec.peak_tflops
            cache[key] = value
        return cache[key]

    return engine.relative_hours_for(hours, relative_of)


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
        "overhead_hours": o.overhead_hours,
        "gpus_needed": o.min_gpu_count,
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
        "tier": i.tier,
        "any_region": i.any_region,
        "pros": list(i.pros),
        "cons": list(i.cons),
    }


def _summary(result: engine.Comparison, local_excluded: str | None = None) -> dict:
    savings = None
    if result.savings_amount is not None:
        savings = {"amount": float(result.savings_amount),
                   "percent": float(result.savings_percent) if result.savings_percent is not None else None,
                   "local_saves": None, "local_extra_hours": None}
        local, cloud = result.local, result.best_cloud
        if local is not None and cloud is not None:
            # What the local GPU saves against the best (cheapest) cloud option, and how much longer it takes.
            savings["local_saves"] = float(cloud.total_cost - local.total_cost)
            savings["local_extra_hours"] = round(local.finish_hours - cloud.finish_hours, 3)
    return {
        "cheapest": option_dict(result.cheapest) if result.cheapest else None,
        "fastest": option_dict(result.fastest) if result.fastest else None,
        "finishes_first": option_dict(result.finishes_first) if result.finishes_first else None,
        "recommended": option_dict(result.recommended) if result.recommended else None,
        "recommendation_reason": result.recommendation_reason,
        "local": option_dict(result.local) if result.local else None,
        "best_cloud": option_dict(result.best_cloud) if result.best_cloud else None,
        "savings_vs_local": savings,
        "local_excluded": local_excluded,
    }


def smallest_fitting_count(inputs: list[engine.OptionInput], hours_for: engine.HoursFor,
                           excluded: Excluded) -> list[engine.OptionInput]:
    """Per GPU model, keep the offers at the smallest GPU count the job fits on (issue #13); the
    larger counts go to ``excluded``. Counts that do not fit stay, so the engine excludes each with
    the estimator's reason; a model that fits at no offered count keeps all of them for the same."""
    counts: dict[str, set[int]] = {}
    for i in inputs:
        if not i.is_local:
            counts.setdefault(i.gpu_slug, set()).add(i.gpu_count)
    smallest: dict[str, int] = {}
    for slug, offered in counts.items():
        for n in sorted(offered):
            if hours_for(slug, n).fits:
                smallest[slug] = n
                break
    out = []
    for i in inputs:
        n = smallest.get(i.gpu_slug)
        if i.is_local or n is None or i.gpu_count <= n:
            out.append(i)
            continue
        excluded.add("gpu_count", f"{i.gpu_type}: {i.gpu_count} GPUs per instance; the job fits on {n}, "
                                  "the smallest count offered", i.id)
    return out


def _local_exclusion(excluded: Excluded) -> str | None:
    for g in excluded.as_list():
        if any(str(x).startswith(f"{LOCAL_SLUG}:") for x in g["ids"]):
            return g["reason"]
    return None


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
            return {**hit, "prices": prices_block(fresh)}
    workload = validated.get("workload")
    if workload:
        # Hours estimated per GPU model and count from the job (selector.estimates, issue #4).
        from . import estimates

        if hours_for is None:
            hours_for = estimates.hours_for_workload(workload)
        extra = {**estimates.compare_extra(validated), **(extra or {})}
    excluded = Excluded()
    inputs: list[engine.OptionInput] = []
    local = local_option(validated, excluded)
    if local is not None:
        inputs.append(local)
    # No gpu_count with a workload (or any_gpu_count): each GPU model at the smallest count that fits.
    # An explicit gpu_count, or neither, keeps the old meaning (that count; 1 by default).
    whatever_fits = validated.get("gpu_count") is None and bool(workload or validated.get("any_gpu_count"))
    inputs.extend(cloud_options(validated, offers, fresh, excluded, apply_count=not whatever_fits))
    hours_for = hours_for or default_hours_for(validated)
    if whatever_fits:
        inputs = smallest_fitting_count(inputs, hours_for, excluded)
    no_price_notes(validated, fresh, excluded)
    params = engine.CompareParams(
        sort=validated.get("sort") or "cost",
        include_unavailable=validated.get("include_unavailable", True) is not False,
        allow_interruptible=bool(validated.get("allow_interruptible", False)),
    )
    result = engine.compare(inputs, hours_for, params)
    for ex in result.excluded:
        excluded.add(ex.code, ex.reason, ex.option_id)
    response = {
        "options": [option_dict(o) for o in result.options],
        "summary": _summary(result, _local_exclusion(excluded) if validated.get("local_gpu_type") else None),
        "excluded": excluded.as_list(),
        "prices": prices_block(fresh),
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
    entries += [v for k, v in response["summary"].items()
                if k in ("cheapest", "fastest", "finishes_first", "recommended", "local", "best_cloud") and v]
    for o in entries:
        o["trend"] = None if o["source"] == "local" or o["interruptible"] else marks.get(
            (o["provider"], o["gpu_slug"], o["gpu_count"]))


