"""Step 1's reads: the estimate table (the estimator's answer for the typed ``Workload``, the local
GPU and a few common cloud GPUs first), calibration from the user's own measured runs, and the GPU
of the machine this app runs on."""

from __future__ import annotations

from dataclasses import dataclass, field

from selector import estimates
from selector.workload import Workload

from .questions import workload_of, workload_values
from .stored import jsonable


@dataclass
class EstimateOutcome:
    result: dict | None
    errors: dict = field(default_factory=dict)


def estimate_workload(workload: Workload, *, gpu_count: int | None = 1, gpu_type: str | None = None) -> dict:
    """The estimate endpoint's answer for a typed ``Workload`` (through ``selector.estimates``, as the
    API's view). ``gpu_count`` None is "whatever fits": each GPU that does not fit on one is estimated
    at the smallest count it fits on (the count the next step offers)."""
    rates, prices = estimates.cheapest_rates()
    gpus = estimates.gpus_for_query(gpu_type)
    result = {**estimates.estimate_for_workload(workload, gpus, gpu_count or 1, rates), "prices": prices}
    if gpu_count is None:
        rows = []
        for gpu, row in zip(gpus, result.get("estimates", []), strict=True):
            n = row.get("min_gpus_to_fit")
            if not row.get("fits") and n and n > 1:
                more = estimates.estimate_for_workload(workload, [gpu], n, rates)
                row = next(iter(more.get("estimates") or []), row)
            rows.append(row)
        result = {**result, "estimates": rows, "whatever_fits": True}
    return jsonable(result)


def run_estimate(workload: dict, *, gpu_count: int | None = 1, gpu_type: str | None = None) -> EstimateOutcome:
    """The same for a workload as JSON from outside the pages (a launch request, a stored job),
    validated by the API's ``WorkloadSerializer``; its errors by field."""
    from selector.api.estimate import WorkloadSerializer
    from selector.workload import workload_from

    ser = WorkloadSerializer(data=workload)
    if not ser.is_valid():
        return EstimateOutcome(None, jsonable(ser.errors))
    return EstimateOutcome(estimate_workload(workload_from(ser.validated_data), gpu_count=gpu_count, gpu_type=gpu_type))


FEATURED_GPUS = ("rtx-4090", "a10", "l40s", "a100-80gb-sxm", "h100-sxm", "h200")


def estimate_rows(estimate: dict | None, local_gpu_name: str | None = None) -> tuple[list[dict], list[dict]]:
    """Split the estimator's rows: the local GPU and a few common cloud GPUs first, the rest after."""
    rows = (estimate or {}).get("estimates") or []
    featured = [r for r in rows if r.get("gpu_type") in FEATURED_GPUS or (local_gpu_name and r.get("gpu_name") == local_gpu_name)]
    return featured, [r for r in rows if r not in featured]


@dataclass(frozen=True)
class DetectedGpu:
    gpu_name: str | None  # catalog name to put in the form, None when nothing usable was found
    message: str


def detect_local_gpu() -> DetectedGpu:
    """This machine's first catalog GPU (pricing.local_gpu), with a plain sentence either way."""
    from pricing.local_gpu import detect_local_gpus

    found = detect_local_gpus()
    known = [g for g in found.gpus if g.gpu_name]
    if known:
        return DetectedGpu(known[0].gpu_name, found.message)
    if found.gpus:
        return DetectedGpu(None, found.message + " None of them is in the GPU catalog, so choose the closest one.")
    return DetectedGpu(None, found.message or "No NVIDIA GPU found on this machine.")


@dataclass(frozen=True)
class MeasuredRun:
    job_id: int
    label: str
    tokens_per_second: float
    gpu_slug: str
    gpu_count: int
    configuration: dict


def measured_runs(user, limit: int = 10) -> list[MeasuredRun]:
    """Jobs with a measured throughput on a catalog GPU that the user can see (every team they are
    in: a run a teammate measured or calibrated calibrates everyone's estimate), most recently
    measured first."""
    from pricing.gpus import GPUS_BY_SLUG

    from .selectors import jobs_visible_to  # here: wizard.selectors imports this module

    jobs = (jobs_visible_to(user).filter(measured_tokens_per_second__isnull=False)
            .exclude(measured_gpu_type="").order_by("-measured_at", "-id")[:limit])
    out = []
    for j in jobs:
        gpu = GPUS_BY_SLUG.get(j.measured_gpu_type)
        if gpu is None:
            continue
        cfg = j.configuration or {}
        what = f"{cfg.get('model_params_b', '?')}B {cfg.get('method', '')}".strip()
        label = (f"{j.name or f'Job #{j.pk}'}: {j.measured_tokens_per_second:,.0f} tokens/s on "
                 f"{j.measured_gpu_count or 1}× {gpu.name} ({what})")
        out.append(MeasuredRun(j.pk, label, j.measured_tokens_per_second, gpu.slug, j.measured_gpu_count or 1, cfg))
    return out


def calibration_fields(run: MeasuredRun, workload: dict) -> dict:
    """The calibration fields for ``workload`` from a run of possibly another job: the run's measured
    throughput over what the estimator expects for the run's own job on its GPUs is a correction
    factor; applied to what it expects for this workload on the same GPUs, it is this workload's
    "measured" throughput there (so the estimator's calibration, which assumes the same job, holds).
    Empty when either job cannot be estimated."""
    from pricing.gpus import GPUS_BY_SLUG
    from selector.estimator import tokens_per_second

    def _workload(data: dict):
        try:
            return workload_of({k: v for k, v in data.items() if not k.startswith("measured_")})
        except ValueError:
            return None

    ran = _workload(workload_values(run.configuration))
    new = _workload(workload)
    if ran is None or new is None:
        return {}
    gpu = GPUS_BY_SLUG[run.gpu_slug]
    factor = run.tokens_per_second / tokens_per_second(ran, gpu, run.gpu_count)
    return {
        "measured_tokens_per_second": round(factor * tokens_per_second(new, gpu, run.gpu_count), 3),
        "measured_gpu_type": run.gpu_slug,
        "measured_gpu_count": run.gpu_count,
    }
