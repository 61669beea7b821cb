"""Parsing a workload: ``workload_from`` is the one place validated data (the API's
``WorkloadSerializer``, the wizard's step 1) becomes a typed ``selector.estimator.Workload``.

The defaults have one home, next to the model they feed: ``selector.estimator.WORKLOAD_DEFAULTS``
and the per-method ``METHOD_DEFAULTS`` (``workload_defaults(method)``); the serializer, the wizard
form and ``Workload`` itself read them from there. Re-exported here so callers need one import.
``workload_body`` is the way back: the API's ``workload`` JSON for a ``Workload`` (what a page records).
Pure Python (no Django).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from pricing.gpus import GPUS_BY_SLUG, resolve_single_gpu

from .estimator import (  # noqa: F401  (re-exported)
    METHOD_DEFAULTS,
    METHODS,
    PRECISIONS,
    WORKLOAD_DEFAULTS,
    Workload,
    dataset_tokens_from_examples,
    workload_defaults,
)

DEFAULTS = WORKLOAD_DEFAULTS


def workload_from(data: Mapping) -> Workload:
    """A ``Workload`` from validated data: the dataset from tokens or examples x average length,
    the measured GPU as a catalog slug, every missing value from ``workload_defaults(method)``."""
    tokens = data.get("dataset_tokens")
    if tokens is None:
        tokens = dataset_tokens_from_examples(data["dataset_examples"], data["avg_tokens_per_example"])
    measured_gpu = data.get("measured_gpu_type")
    if measured_gpu and measured_gpu not in GPUS_BY_SLUG:
        gpu = resolve_single_gpu(measured_gpu)
        measured_gpu = gpu.slug if gpu else measured_gpu
    defaults = workload_defaults(data.get("method") or WORKLOAD_DEFAULTS["method"])
    values = {k: default if data.get(k) is None else data[k] for k, default in defaults.items()}
    return Workload(
        model_params_b=float(data["model_params_b"]),
        dataset_tokens=float(tokens),
        measured_tokens_per_second=data.get("measured_tokens_per_second"),
        measured_hours=data.get("measured_hours"),
        measured_gpu_type=measured_gpu or None,
        **values,
    )


# Always written, so a recorded job reads in full ("7B LoRA in BF16 on 10,000,000 tokens x 1 epoch").
_ALWAYS = ("model_params_b", "dataset_tokens", "method", "precision", "epochs")


def workload_body(w: Workload) -> dict:
    """The API's ``workload`` for ``w``: the job's size, method, precision and epochs, and every other
    field only where it differs from ``workload_defaults(w.method)``. ``workload_from`` of it is ``w``."""
    defaults = workload_defaults(w.method)
    body = {}
    for f in fields(w):
        value = getattr(w, f.name)
        if f.name in _ALWAYS or (value is not None and value != defaults.get(f.name)):
            body[f.name] = value
    if float(body["dataset_tokens"]).is_integer():
        body["dataset_tokens"] = int(body["dataset_tokens"])  # a count of tokens
    return body
