"""Training-time estimates for the API, the wizard and compare-costs.

A thin Django-side layer over the pure ``selector.estimator``: turns validated request data
(``selector.api.estimate.WorkloadSerializer``) into a ``Workload``, runs it for the requested GPUs
and renders plain JSON-ready dicts. The only read is the current prices (one snapshot, through
``pricing.selectors.latest_snapshot``), to cost each GPU model's scaling options; the answer then
carries the ``prices`` freshness block like every priced answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pricing.gpus import GPUS, GPUS_BY_SLUG, GpuSpec, match_gpu_query, resolve_single_gpu
from selector.engine import HoursResult
from selector.estimator import (
    GpuEstimate,
    Workload,
    dataset_tokens_from_examples,
    estimate_training,
    training_flops,
    workload_defaults,
)


def workload_from_validated(data: dict) -> Workload:
    """A ``Workload`` from the WorkloadSerializer's validated data. Defaults (per method) come from
    ``selector.estimator.workload_defaults``, the one home of them, so callers that build the dict
    by hand get the same defaults as the API, the wizard and compare-costs."""
    tokens = data.get("dataset_tokens")
    if tokens is None:
        tokens = dataset_tokens_from_examples(data["dataset_examples"], data["avg_tokens_per_example"])
    measured_gpu = data.get("measured_gpu_type")
    if measured_gpu and measured_gpu not in GPUS_BY_SLUG:
        gpu = resolve_single_gpu(measured_gpu)
        measured_gpu = gpu.slug if gpu else measured_gpu
    defaults = workload_defaults(data.get("method") or "lora")
    values = {k: default if data.get(k) is None else data[k] for k, default in defaults.items()}
    return Workload(
        model_params_b=float(data["model_params_b"]),
        dataset_tokens=float(tokens),
        measured_tokens_per_second=data.get("measured_tokens_per_second"),
        measured_hours=data.get("measured_hours"),
        measured_gpu_type=measured_gpu or None,
        **values,
    )


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

    from .options import prices_block

    offers, fresh = latest_snapshot()
    best: dict[str, Rate] = {}
    for o in offers:
        if o.interruptible or o.availability == "unavailable":
            continue
        slug = o.gpu.slug
        if slug not in best or o.usd_per_gpu_hour < best[slug].usd_per_gpu_hour:
            best[slug] = Rate(o.usd_per_gpu_hour, o.provider, o.provider_sku)
    return best, prices_block(fresh)


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


def estimate(validated: dict, *, priced: bool = True) -> dict:
    """The estimate endpoint's response for its validated request
    (``{"workload": {...}, "gpu_type": optional str, "gpu_count": optional int}``). ``priced``: cost
    each scaling option at the cheapest current rate and add the ``prices`` block (compare-costs,
    which prices its own options, asks without)."""
    workload = workload_from_validated(validated["workload"])
    gpus = gpus_for_query(validated.get("gpu_type"))
    count = int(validated.get("gpu_count") or 1)
    if not priced:
        return estimate_for_workload(workload, gpus, count)
    rates, prices = cheapest_rates()
    return {**estimate_for_workload(workload, gpus, count, rates), "prices": prices}


def hours_for_workload(workload_validated: dict) -> Callable[[str, int], HoursResult]:
    """``hours_for(gpu_slug, gpu_count) -> HoursResult`` for compare-costs, from the estimator."""
    workload = workload_from_validated(workload_validated)
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


def estimate_summary(workload_validated: dict) -> dict:
    """What compare-costs shows next to its options: FLOPs and, per catalog GPU on one GPU, the
    memory breakdown, band and assumptions (``estimate`` with every GPU)."""
    return estimate_for_workload(workload_from_validated(workload_validated), list(GPUS), 1)


# --- compare-costs with a workload -------------------------------------------------------------------


def compare_extra(validated: dict) -> dict:
    """The ``estimate`` block compare-costs adds: the estimate endpoint's answer for the GPUs and
    count the comparison asked for (every catalog GPU without ``gpu_type``)."""
    return {"estimate": estimate({
        "workload": validated["workload"],
        "gpu_type": validated.get("gpu_type"),
        "gpu_count": validated.get("gpu_count") or 1,
    }, priced=False)}


def _label(o: dict) -> str:
    gpus = o["gpu_type"] if o["gpu_count"] == 1 else f"{o['gpu_count']}x {o['gpu_type']}"
    return f"{gpus} on {o['provider_name']}"


def _hours(h: float) -> str:
    return f"{h:.1f} h" if h >= 0.95 else f"{h * 60:.0f} min"


def speed_notes(options: list[dict], cheapest: dict | None, *, allow_interruptible: bool = False) -> list[str]:
    """Say when speed changed the ranking: the cheapest job is not on the cheapest hourly rate.

    With flat hours the total follows the hourly rate; with estimated hours a dearer but faster GPU
    can finish for less. Compared with the lowest-rate option that could have been picked.
    """
    if not cheapest:
        return []
    candidates = [o for o in options if o["availability"] != "unavailable"
                  and (allow_interruptible or not o["interruptible"])]
    if not candidates:
        return []
    lowest_rate = min(candidates, key=lambda o: (o["hourly_rate"], o["total_cost"]))
    if not (cheapest["hourly_rate"] > lowest_rate["hourly_rate"] and cheapest["total_cost"] < lowest_rate["total_cost"]):
        return []
    return [
        f"{_label(cheapest)} costs more per hour (${cheapest['hourly_rate']:.2f} vs ${lowest_rate['hourly_rate']:.2f} "
        f"for {_label(lowest_rate)}) but finishes in {_hours(cheapest['training_hours'])} vs "
        f"{_hours(lowest_rate['training_hours'])}, so its total is lower "
        f"(${cheapest['total_cost']:.2f} vs ${lowest_rate['total_cost']:.2f})."
    ]


def annotate_comparison(response: dict, validated: dict) -> dict:
    """Add each option's ``training_hours_low``/``training_hours_high`` and the ``notes`` on how the
    estimated hours shaped the ranking (in place; returns ``response``)."""
    summary = response.get("summary") or {}
    picks = [summary.get(k) for k in ("cheapest", "fastest", "finishes_first", "recommended", "local", "best_cloud")]
    for o in [*response.get("options", []), *(p for p in picks if p)]:
        band = o.get("training_hours_range") or {}
        o["training_hours_low"] = band.get("low")
        o["training_hours_high"] = band.get("high")
    notes = speed_notes(response.get("options", []), summary.get("cheapest"),
                        allow_interruptible=bool(validated.get("allow_interruptible")))
    recommended = summary.get("recommended")
    if notes and recommended and summary.get("cheapest") and recommended["id"] == summary["cheapest"]["id"]:
        summary["recommendation_reason"] = f"{summary.get('recommendation_reason') or ''} {notes[0]}".strip()
    w = workload_from_validated(validated["workload"])
    notes.append(
        f"Training hours are estimated per GPU model and count for a {w.model_params_b:g}B {w.method} run on "
        f"{w.total_tokens:,.0f} tokens (see estimate.assumptions); the range is each option's low-high band."
    )
    response["notes"] = [*response.get("notes", []), *notes]
    return response
