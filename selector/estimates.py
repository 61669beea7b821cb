"""Training-time estimates for the API, the wizard and compare-costs.

A thin layer over the pure ``selector.estimator``: runs a ``Workload`` (parsed by
``selector.workload.workload_from``, the one parser) for the requested GPUs and renders plain
JSON-ready dicts; for compare-costs, the hours per GPU model and count and the notes on how they
shaped the ranking. The only read is the current prices (one snapshot, through
``pricing.selectors.latest_snapshot``), to cost each GPU model's scaling options; the answer then
carries the ``prices`` freshness block like every priced answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pricing.gpus import GPUS, GPUS_BY_SLUG, GpuSpec, match_gpu_query
from selector import formatting as fmt
from selector.engine import RATE_PLACES, HoursResult, Option
from selector.estimator import GpuEstimate, estimate_training, training_flops
from selector.workload import Workload, workload_from


def _sig(value: float, digits: int = 4) -> float:
    """Round to significant digits: hours span 0.01 to 10^6, a fixed number of decimals does not fit."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


@dataclass(frozen=True)
class Rate:
    """The lowest current on-demand price per GPU-hour of one GPU model, and where it is."""

    usd_per_gpu_hour: Decimal
    provider: str
    provider_sku: str


def cheapest_rates() -> tuple[dict[str, Rate], list[dict]]:
    """Per catalog GPU slug, the lowest available, non-interruptible USD per GPU-hour in the current
    snapshot, and the snapshot's ``prices`` freshness block."""
    from pricing.selectors import latest_snapshot

    snapshot = latest_snapshot()
    best: dict[str, Rate] = {}
    for o in snapshot.offers:
        if o.interruptible or o.availability == "unavailable":
            continue
        slug = o.gpu.slug
        if slug not in best or o.usd_per_gpu_hour < best[slug].usd_per_gpu_hour:
            best[slug] = Rate(o.usd_per_gpu_hour, o.provider, o.provider_sku)
    return best, [f.as_dict() for f in snapshot.freshness.values()]


def _scale_option_dict(o, rate: Rate | None) -> dict:
    out = {"gpu_count": o.gpu_count, "training_hours": _sig(o.training_hours),
           "training_hours_low": _sig(o.training_hours_low), "training_hours_high": _sig(o.training_hours_high),
           "tokens_per_second": _sig(o.tokens_per_second), "gpu_hours": _sig(o.gpu_hours),
           "cost_usd": None, "cost_usd_low": None, "cost_usd_high": None}
    if rate is not None:
        per_gpu_hour = float(rate.usd_per_gpu_hour)
        out.update(cost_usd=round(o.gpu_hours * per_gpu_hour, 2),
                   cost_usd_low=round(o.training_hours_low * o.gpu_count * per_gpu_hour, 2),
                   cost_usd_high=round(o.training_hours_high * o.gpu_count * per_gpu_hour, 2))
    return out


def _estimate_dict(e: GpuEstimate, rate: Rate | None = None) -> dict:
    return {
        "gpu_type": e.gpu_slug,
        "gpu_name": e.gpu_name,
        "gpu_count": e.gpu_count,
        "training_hours": _sig(e.training_hours),
        "training_hours_low": _sig(e.training_hours_low),
        "training_hours_high": _sig(e.training_hours_high),
        "compute_hours": _sig(e.compute_hours),
        "overhead_hours": _sig(e.overhead_hours),
        "overhead": e.overhead.as_dict() if e.overhead else None,
        "gradient_checkpointing": e.gradient_checkpointing,
        "tokens_per_second": _sig(e.tokens_per_second),
        "memory_gb_per_gpu": e.memory.as_dict(),
        "memory_gb_available": e.memory_gb_available,
        "fits": e.fits,
        "min_gpus_to_fit": e.min_gpus_to_fit,
        "scaling": [_scale_option_dict(o, rate) for o in e.scaling],
        "usd_per_gpu_hour": (
            {"usd": float(rate.usd_per_gpu_hour), "provider": rate.provider, "provider_sku": rate.provider_sku}
            if rate is not None else None),
        "reason": e.reason,
        "assumptions": e.assumptions,
    }


def gpus_for_query(gpu_type: str | None) -> list[GpuSpec]:
    """Catalog GPUs a request means: all of them without ``gpu_type``, else its family or model."""
    if not gpu_type:
        return list(GPUS)
    if gpu_type in GPUS_BY_SLUG:
        return [GPUS_BY_SLUG[gpu_type]]
    return match_gpu_query(gpu_type)


def estimate_for_workload(workload: Workload, gpus: list[GpuSpec], gpu_count: int = 1,
                          rates: dict[str, Rate] | None = None) -> dict:
    flops = training_flops(workload)
    rates = rates or {}
    return {
        "flops": flops.total,
        "flops_detail": {
            "total": flops.total,
            "without_recomputation": flops.model,
            "per_token": flops.per_token,
            "tokens": flops.tokens,
            "formula": flops.formula,
        },
        "estimates": [_estimate_dict(estimate_training(workload, gpu, gpu_count), rates.get(gpu.slug)) for gpu in gpus],
    }


def estimate(validated: Mapping, *, priced: bool = True) -> dict:
    """The estimate endpoint's response for its validated request
    (``{"workload": {...}, "gpu_type": optional str, "gpu_count": optional int}``). ``priced``: cost
    each scaling option at the cheapest current rate and add the ``prices`` block (compare-costs,
    which prices its own options, asks without)."""
    workload = workload_from(validated["workload"])
    gpus = gpus_for_query(validated.get("gpu_type"))
    count = int(validated.get("gpu_count") or 1)
    if not priced:
        return estimate_for_workload(workload, gpus, count)
    rates, prices = cheapest_rates()
    return {**estimate_for_workload(workload, gpus, count, rates), "prices": prices}


def hours_for_workload(workload: Workload | Mapping) -> Callable[[str, int], HoursResult]:
    """``hours_for(gpu_slug, gpu_count) -> HoursResult`` for compare-costs, from the estimator."""
    if not isinstance(workload, Workload):
        workload = workload_from(workload)
    cache: dict[tuple[str, int], HoursResult] = {}

    def hours_for(gpu_slug: str, gpu_count: int) -> HoursResult:
        key = (gpu_slug, gpu_count)
        if key not in cache:
            gpu = GPUS_BY_SLUG.get(gpu_slug or "")
            if gpu is None:
                cache[key] = HoursResult(
                    hours=math.nan, fits=False,
                    reason=f"No training-time estimate: {gpu_slug or 'this GPU'} is not in the GPU catalog",
                )
            else:
                e = estimate_training(workload, gpu, max(1, int(gpu_count or 1)))
                cache[key] = HoursResult(
                    hours=e.training_hours, low=e.training_hours_low, high=e.training_hours_high,
                    fits=e.fits, memory_needed_gb=round(e.memory.total, 1), reason=e.reason,
                    overhead_hours=e.overhead_hours, min_gpu_count=e.min_gpus_to_fit,
                )
        return cache[key]

    return hours_for


# --- compare-costs with a workload -------------------------------------------------------------------


def _label(o: Option) -> str:
    i = o.input
    gpus = i.gpu_type if i.gpu_count == 1 else f"{i.gpu_count}x {i.gpu_type}"
    return f"{gpus} on {i.provider_name}"


def _rate(o: Option) -> float:
    return float(o.input.hourly_rate.quantize(RATE_PLACES))


def speed_notes(options, cheapest: Option | None, *, allow_interruptible: bool = False) -> list[str]:
    """Say when speed changed the ranking: the cheapest job is not on the cheapest hourly rate.

    With flat hours the total follows the hourly rate; with estimated hours a dearer but faster GPU
    can finish for less. Compared with the lowest-rate option that could have been picked, among
    every option (not only a page of them).
    """
    if not cheapest:
        return []
    candidates = [o for o in options if o.input.availability != "unavailable"
                  and (allow_interruptible or not o.input.interruptible)]
    if not candidates:
        return []
    lowest_rate = min(candidates, key=lambda o: (_rate(o), float(o.total_cost)))
    cheap_rate, low_rate = _rate(cheapest), _rate(lowest_rate)
    cheap_total, low_total = float(cheapest.total_cost), float(lowest_rate.total_cost)
    if not (cheap_rate > low_rate and cheap_total < low_total):
        return []
    return [
        f"{_label(cheapest)} costs more per hour ({fmt.rate(cheapest.input.hourly_rate)} vs "
        f"{fmt.rate(lowest_rate.input.hourly_rate)} for {_label(lowest_rate)}) but finishes in "
        f"{fmt.hours(cheapest.training_hours)} vs {fmt.hours(lowest_rate.training_hours)}, so its total is lower "
        f"({fmt.money(cheapest.total_cost)} vs {fmt.money(lowest_rate.total_cost)})."
    ]


def workload_note(w: Workload) -> str:
    return (f"Training hours are estimated per GPU model and count for a {w.model_params_b:g}B {w.method} run on "
            f"{w.total_tokens:,.0f} tokens (see estimate.assumptions); the range is each option's low-high band.")
