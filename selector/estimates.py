"""Training-time estimates for the API, the wizard and compare-costs.

A thin Django-side layer over the pure ``selector.estimator``: turns validated request data
(``selector.api.estimate.WorkloadSerializer``) into a ``Workload``, runs it for the requested GPUs
and renders plain JSON-ready dicts. Nothing here reads the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pricing.gpus import GPUS, GPUS_BY_SLUG, GpuSpec, match_gpu_query, resolve_single_gpu
from selector.engine import HoursResult
from selector.estimator import (
    GpuEstimate,
    Workload,
    dataset_tokens_from_examples,
    estimate_training,
    training_flops,
)

_WORKLOAD_DEFAULTS = {
    "method": "lora", "precision": "bf16", "epochs": 1.0, "seq_len": 2048, "micro_batch_size": 4,
    "gradient_checkpointing": True, "lora_rank": 16, "measured_gpu_count": 1,
}


def workload_from_validated(data: dict) -> Workload:
    """A ``Workload`` from the WorkloadSerializer's validated data (defaults filled in here too,
    so callers that build the dict by hand get the same defaults as the API)."""
    tokens = data.get("dataset_tokens")
    if tokens is None:
        tokens = dataset_tokens_from_examples(data["dataset_examples"], data["avg_tokens_per_example"])
    measured_gpu = data.get("measured_gpu_type")
    if measured_gpu and measured_gpu not in GPUS_BY_SLUG:
        gpu = resolve_single_gpu(measured_gpu)
        measured_gpu = gpu.slug if gpu else measured_gpu
    values = {k: default if data.get(k) is None else data[k] for k, default in _WORKLOAD_DEFAULTS.items()}
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


def _estimate_dict(e: GpuEstimate) -> dict:
    return {
        "gpu_type": e.gpu_slug,
        "gpu_name": e.gpu_name,
        "gpu_count": e.gpu_count,
        "training_hours": _sig(e.training_hours),
        "training_hours_low": _sig(e.training_hours_low),
        "training_hours_high": _sig(e.training_hours_high),
        "tokens_per_second": _sig(e.tokens_per_second),
        "memory_gb_per_gpu": e.memory.as_dict(),
        "memory_gb_available": e.memory_gb_available,
        "fits": e.fits,
        "min_gpus_to_fit": e.min_gpus_to_fit,
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


def estimate_for_workload(workload: Workload, gpus: list[GpuSpec], gpu_count: int = 1) -> dict:
    flops = training_flops(workload)
    return {
        "flops": flops.total,
        "flops_detail": {
            "total": flops.total,
            "without_recomputation": flops.model,
            "per_token": flops.per_token,
            "tokens": flops.tokens,
            "formula": flops.formula,
        },
        "estimates": [_estimate_dict(estimate_training(workload, gpu, gpu_count)) for gpu in gpus],
    }


def estimate(validated: dict) -> dict:
    """The estimate endpoint's response for its validated request
    (``{"workload": {...}, "gpu_type": optional str, "gpu_count": optional int}``)."""
    workload = workload_from_validated(validated["workload"])
    gpus = gpus_for_query(validated.get("gpu_type"))
    return estimate_for_workload(workload, gpus, int(validated.get("gpu_count") or 1))


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
                )
        return cache[key]

    return hours_for


def estimate_summary(workload_validated: dict) -> dict:
    """What compare-costs shows next to its options: FLOPs and, per catalog GPU on one GPU, the
    memory breakdown, band and assumptions (``estimate`` with every GPU)."""
    return estimate_for_workload(workload_from_validated(workload_validated), list(GPUS), 1)
