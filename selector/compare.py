"""The compare read model: ``compare_costs`` answers a ``CompareQuery`` (``POST
/api/cloud/compare-costs`` and the selector pages) from the latest snapshot, typed in, typed out.

Per question: filter the priced snapshot (``selector.options``), let the pure ``selector.engine``
cost and rank the matches and pick cheapest / fastest / recommended over every match, then keep
the page (``limit``/``offset``) of ``options``. Training hours come from the estimator when the
question has a workload; each option carries a price-trend word from the price history (computed
once per snapshot). Serialising the answer is the API's job (``selector.api.serializers``).

Reads go through ``pricing.selectors.latest_snapshot``, so a call costs a fixed number of queries
whatever the number of offers and the price history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pricing.gpus import GPUS_BY_SLUG, resolve_single_gpu
from pricing.history import trend_marks
from pricing.selectors import ProviderFreshness, Snapshot, latest_snapshot

from . import engine, estimates
from .facts import LOCAL_SLUG
from .options import (
    Excluded,
    PricedSnapshot,
    local_option,
    match_cloud,
    no_price_notes,
    priced_snapshot,
    token_options,
)
from .query import CompareQuery
from .workload import workload_from

# The job whose relative throughput scales "hours measured on" a GPU when no workload is given: the
# wizard's default (a 7B LoRA run in bf16); the ratio between GPUs, not the hours, comes from it.
REFERENCE_WORKLOAD = {"model_params_b": 7.0, "dataset_tokens": 10_000_000, "method": "lora", "precision": "bf16"}


@dataclass(frozen=True)
class AnsweredOption:
    option: engine.Option
    trend: str | None = None


@dataclass(frozen=True)
class CompareAnswer:
    """The whole compare-costs answer. ``options`` is the page asked for (every option without
    ``limit``); ``count``, the picks, the savings and ``excluded`` are over every match."""

    options: tuple[AnsweredOption, ...]
    count: int
    cheapest: AnsweredOption | None
    fastest: AnsweredOption | None  # quickest setup ("Quickest to start")
    finishes_first: AnsweredOption | None
    recommended: AnsweredOption | None
    recommendation_reason: str
    local: AnsweredOption | None
    best_cloud: AnsweredOption | None  # the cheapest cloud option that may be chosen
    savings_amount: Decimal | None  # local total minus recommended total
    savings_percent: Decimal | None
    local_saves: Decimal | None  # best_cloud total minus local total (> 0: local is cheaper)
    local_extra_hours: float | None  # how much later local finishes than best_cloud
    local_excluded: str | None  # why the local GPU asked for is not an option
    excluded: tuple[Mapping, ...]
    prices: tuple[ProviderFreshness, ...]
    estimate: Mapping | None = None
    notes: tuple[str, ...] | None = None  # with a workload: how the estimated hours shaped the ranking
    hours_band: bool = False  # with a workload: each option also says training_hours_low / _high


def default_hours_for(query: CompareQuery) -> engine.HoursFor:
    """Flat ``training_hours``, or, with ``reference_gpu``, scaled for each GPU model and count by the
    estimator's relative throughput (``selector.estimator.relative_throughput``) against one
    reference GPU; a GPU the estimator cannot rate falls back to the peak-throughput ratio."""
    hours = float(query.training_hours)
    ref_spec = resolve_single_gpu(query.reference_gpu) if query.reference_gpu else None
    if ref_spec is None:
        return engine.flat_hours_for(hours)
    from .estimator import relative_throughput

    workload = workload_from(REFERENCE_WORKLOAD)
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
    for g in excluded.groups.values():
        if any(str(x).startswith(f"{LOCAL_SLUG}:") for x in g["ids"]):
            return g["reason"]
    return None


def _snapshot_trend_marks(priced: PricedSnapshot) -> dict:
    """Trend marks for every (provider, GPU, count) of the snapshot: the price history is read once
    per snapshot, not per request, so a request costs the same with a thousand or ten million
    history rows."""
    keys = {(r.input.provider, r.input.gpu_slug, r.input.gpu_count) for r in priced.rows if not r.input.interruptible}
    return trend_marks(keys) if keys else {}


def current_prices() -> tuple[Snapshot, PricedSnapshot]:
    """The latest snapshot and its pricing (the one the process holds when the key matches)."""
    snapshot = latest_snapshot()
    return snapshot, priced_snapshot(snapshot)


def compare_costs(query: CompareQuery, *, hours_for: engine.HoursFor | None = None,
                  estimate: Mapping | None = None,
                  prices: tuple[Snapshot, PricedSnapshot] | None = None) -> CompareAnswer:
    """The answer to one compare-costs question. ``hours_for`` replaces the default hours (flat,
    reference-GPU scaling, or the estimator's with a workload); ``estimate`` replaces the
    ``estimate`` block; ``prices`` (from ``current_prices``) answers from a snapshot the caller
    already read (the API keeps the rendered answer on that same priced snapshot)."""
    snapshot, priced = prices or current_prices()
    excluded = Excluded()
    inputs: list[engine.OptionInput] = []
    local = local_option(local_gpu_type=query.local_gpu_type, min_memory_gb=query.min_memory_gb,
                         local_power_watts=query.local_power_watts,
                         local_electricity_cost=query.local_electricity_cost, excluded=excluded)
    if local is not None:
        inputs.append(local)
    workload = query.workload
    # No gpu_count with a workload (or any_gpu_count): each GPU model at the smallest count that fits.
    # An explicit gpu_count, or neither, keeps the old meaning (that count; 1 by default).
    whatever_fits = query.gpu_count is None and (workload is not None or query.any_gpu_count)
    inputs.extend(match_cloud(priced, excluded, providers=query.providers, gpu_type=query.gpu_type,
                              gpu_count=None if whatever_fits else (query.gpu_count or 1), region=query.region,
                              continent=query.continent, min_memory_gb=query.min_memory_gb,
                              skip_endpoints=not query.include_inference_endpoints))
    if workload is not None:
        if hours_for is None:
            hours_for = estimates.hours_for_workload(workload)
        if estimate is None:
            estimate = estimates.estimate_for_workload(
                workload, estimates.gpus_for_query(query.gpu_type), query.gpu_count or 1)
    hours_for = hours_for or default_hours_for(query)
    if whatever_fits:
        inputs = smallest_fitting_count(inputs, hours_for, excluded)
    # A fine-tune with a known token count: managed per-token services join the same ranking.
    inputs.extend(token_options(query, excluded))
    no_price_notes(query.providers, snapshot.freshness, excluded)
    params = engine.CompareParams(sort=query.sort, include_unavailable=query.include_unavailable,
                                  allow_interruptible=query.allow_interruptible)
    end = None if query.limit is None else query.offset + query.limit
    # Only the page is built as options; with a workload the speed notes look at every option.
    page = slice(query.offset, end) if workload is None else None
    result = engine.compare(inputs, hours_for, params, page=page)
    for ex in result.excluded:
        excluded.add(ex.code, ex.reason, ex.option_id)

    marks = priced.derived("trend_marks", lambda: _snapshot_trend_marks(priced))

    def answered(o: engine.Option | None) -> AnsweredOption | None:
        if o is None:
            return None
        i = o.input
        trend = None if i.is_local or i.interruptible else marks.get((i.provider, i.gpu_slug, i.gpu_count))
        return AnsweredOption(o, trend)

    if page is None:
        page = result.options[query.offset:end]
    else:
        page = result.options
    reason = result.recommendation_reason
    notes = None
    if workload is not None:
        speed = estimates.speed_notes(result.options, result.cheapest, allow_interruptible=query.allow_interruptible)
        if speed and result.recommended and result.cheapest and result.recommended.input.id == result.cheapest.input.id:
            reason = f"{reason or ''} {speed[0]}".strip()
        notes = (*speed, estimates.workload_note(workload))
    local_saves = local_extra = None
    if result.savings_amount is not None and result.local is not None and result.best_cloud is not None:
        # What the local GPU saves against the best (cheapest) cloud option, and how much longer it takes.
        local_saves = result.best_cloud.total_cost - result.local.total_cost
        local_extra = round(result.local.finish_hours - result.best_cloud.finish_hours, 3)
    return CompareAnswer(
        options=tuple(answered(o) for o in page), count=result.count,
        cheapest=answered(result.cheapest), fastest=answered(result.fastest),
        finishes_first=answered(result.finishes_first), recommended=answered(result.recommended),
        recommendation_reason=reason, local=answered(result.local), best_cloud=answered(result.best_cloud),
        savings_amount=result.savings_amount, savings_percent=result.savings_percent,
        local_saves=local_saves, local_extra_hours=local_extra,
        local_excluded=_local_exclusion(excluded) if query.local_gpu_type else None,
        excluded=tuple(excluded.as_list()), prices=tuple(snapshot.freshness.values()),
        estimate=estimate, notes=notes, hours_band=workload is not None,
    )
