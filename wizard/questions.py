"""The pages' questions, typed: the selector form and the wizard's steps 1 and 2 become the same
``selector.query.CompareQuery`` (with a ``selector.workload.Workload``) the API's serializer makes,
and the pages hand it to ``selector.compare.compare_costs``, the function the API view calls.

``values`` are a form's ``cleaned_data`` or what the wizard kept of it in the session (the same keys,
as JSON). The forms have checked every field (ranges, GPU names through ``selector.query``); what
only the typed question can check (a workload the estimator cannot run) raises ValueError with a
sentence for the page.
"""

from __future__ import annotations

from collections.abc import Mapping

from selector.query import DEFAULT_ELECTRICITY_USD_PER_KWH, CompareQuery
from selector.workload import Workload, workload_from

# The standalone selector's hours when none are typed: the product document's example.
DEFAULT_TRAINING_HOURS = 10.0
SAME_HOURS = "same"  # "hours measured on": the same hours on every GPU (no scaling)

# Step 1's fields that make the workload (calibration included, once step 1 has set it).
WORKLOAD_FIELDS = ("model_params_b", "method", "precision", "dataset_tokens", "dataset_examples",
                   "avg_tokens_per_example", "epochs", "measured_tokens_per_second", "measured_gpu_type",
                   "measured_gpu_count")


def workload_values(values: Mapping) -> dict:
    """Step 1's workload fields that are set (tokens win over examples x average length)."""
    w = {k: values[k] for k in WORKLOAD_FIELDS if values.get(k) not in (None, "")}
    if w.get("dataset_tokens"):
        w.pop("dataset_examples", None)
        w.pop("avg_tokens_per_example", None)
    return w


def workload_of(values: Mapping) -> Workload:
    """Step 1's job as a typed ``Workload`` (every field it does not ask from the one home of the
    defaults, ``selector.workload.workload_defaults``). ValueError with a sentence when it is not one."""
    w = workload_values(values)
    if not w.get("dataset_tokens") and not (w.get("dataset_examples") and w.get("avg_tokens_per_example")):
        raise ValueError("Give the dataset size (tokens, or examples and their average length).")
    if "model_params_b" not in w:
        raise ValueError("Give the model size.")
    try:
        workload = workload_from(w)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"This job cannot be estimated: {exc}.") from None
    if workload.dataset_tokens > 1e15:
        raise ValueError("Dataset too large (over 10^15 tokens).")
    return workload


def measured_on(values: Mapping) -> str | None:
    """The GPU the user's hours hold on: the one picked, else the local GPU; None = the same on every GPU."""
    picked = values.get("hours_measured_on") or ""
    if picked == SAME_HOURS:
        return None
    return picked or values.get("local_gpu_type") or None


def _local(values: Mapping) -> dict:
    """The local GPU fields of the question (the standalone form and wizard step 1)."""
    if not values.get("local_gpu_type"):
        return {}
    cost = values.get("local_electricity_cost")
    return {"local_gpu_type": values["local_gpu_type"],
            "local_electricity_cost": DEFAULT_ELECTRICITY_USD_PER_KWH if cost in (None, "") else float(cost),
            "local_power_watts": float(values["local_power_watts"]) if values.get("local_power_watts") else None}


def _filters(values: Mapping) -> dict:
    """The selector form's filters and sort."""
    return {
        "gpu_type": values.get("gpu_type") or None,
        "min_memory_gb": float(values.get("min_memory_gb") or 0),
        "providers": tuple(dict.fromkeys(values["providers"])) if values.get("providers") else None,
        "continent": values.get("continent") or None,
        "region": (values.get("region") or "").strip() or None,
        "include_unavailable": bool(values.get("include_unavailable")),
        "allow_interruptible": bool(values.get("allow_interruptible")),
        "sort": values.get("sort") or "cost",
    }


def compare_query(values: Mapping) -> CompareQuery:
    """The standalone selector's question. Hours scale by each GPU's relative throughput from the GPU
    they were measured on; an empty GPU count is "whatever fits" (each GPU model at its smallest
    offered count)."""
    count = values.get("gpu_count") or None
    return CompareQuery(training_hours=float(values.get("training_hours") or DEFAULT_TRAINING_HOURS),
                        reference_gpu=measured_on(values), gpu_count=count, any_gpu_count=count is None,
                        **_local(values), **_filters(values))


def wizard_query(config: Mapping, filters: Mapping) -> CompareQuery:
    """Step 1 + step 2: the hours the user knows (scaled from the GPU they were measured on), else the
    workload (so each GPU gets its own estimate, exactly as the API does it). No GPU count: each GPU
    model at the smallest count the job fits on."""
    hours = config.get("training_hours")
    count = config.get("gpu_count") or None
    question = {**_filters(filters), **_local(config)}
    if config.get("min_memory_gb") and not filters.get("min_memory_gb"):
        question["min_memory_gb"] = float(config["min_memory_gb"])  # step 1's, unless step 2 set one
    if hours:
        return CompareQuery(training_hours=float(hours), reference_gpu=measured_on(config), gpu_count=count,
                            any_gpu_count=count is None, **question)
    return CompareQuery(workload=workload_of(config), gpu_count=count, **question)
