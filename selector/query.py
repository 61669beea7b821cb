"""The typed questions: ``CompareQuery`` (compare-costs) and ``InstancesQuery`` (instances). The API
serializers and the pages both produce them; the services take nothing else. Frozen, so a question
can be a dictionary key and never changes on its way through a request.

Also the one GPU-name check (one message) every serializer and form uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pricing.gpus import GpuSpec, known_gpu_names, match_gpu_query, resolve_single_gpu

from .workload import Workload, workload_body, workload_from

LIMIT_MAX = 5000
TRAINING_HOURS_MAX = 10_000  # the most training hours a question may give (API and pages)
DEFAULT_ELECTRICITY_USD_PER_KWH = 0.15


def unknown_gpu_message(value: str) -> str:
    return f"Unknown GPU {str(value)[:40]!r}. Known GPUs: {', '.join(known_gpu_names())}."


def gpus_named(value: str, *, family: bool) -> list[GpuSpec]:
    """The catalog GPUs a name means: a family ("H100") or, with ``family=False``, exactly one model.
    Raises ValueError with the one message for an unknown name."""
    value = (value or "").strip()
    found = match_gpu_query(value) if family else ([g] if (g := resolve_single_gpu(value)) else [])
    if not found:
        raise ValueError(unknown_gpu_message(value))
    return found


def _blank_to_none(value):
    return None if value in (None, "") else value


def _number(value):
    """A JSON number as a person writes it: 24 for 24.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass(frozen=True)
class CompareQuery:
    """One compare-costs question. ``training_hours`` (on ``reference_gpu`` if given) or a
    ``workload`` (hours estimated per GPU model and count); the cloud filters do not apply to the
    local option, ``min_memory_gb`` does. ``limit``/``offset`` page ``options``; everything else
    (summary, count, excluded) is over every match."""

    training_hours: float | None = None
    workload: Workload | None = None
    gpu_type: str | None = None
    gpu_count: int | None = None  # None: 1, or with a workload / any_gpu_count whatever fits
    any_gpu_count: bool = False
    min_memory_gb: float = 0.0
    providers: tuple[str, ...] | None = None
    region: str | None = None
    continent: str | None = None
    local_gpu_type: str | None = None
    local_electricity_cost: float = DEFAULT_ELECTRICITY_USD_PER_KWH
    local_power_watts: float | None = None
    reference_gpu: str | None = None
    include_unavailable: bool = True
    sort: str = "cost"
    allow_interruptible: bool = False
    limit: int | None = None
    offset: int = 0
    # Together's dedicated inference endpoints serve a hosted model: left out of a training comparison
    # unless asked for.
    include_inference_endpoints: bool = False
    # Fine-tune: validation tokens x evaluations, counted by per-token services.
    validation_tokens: int = 0
    evaluations: int = 0

    @classmethod
    def from_validated(cls, data: Mapping) -> CompareQuery:
        """From ``CompareCostsInputSerializer.validated_data`` (or the same keys)."""
        workload = data.get("workload")
        cost = data.get("local_electricity_cost")
        return cls(
            training_hours=None if data.get("training_hours") is None else float(data["training_hours"]),
            workload=workload_from(workload) if workload else None,
            gpu_type=_blank_to_none(data.get("gpu_type")),
            gpu_count=None if data.get("gpu_count") is None else int(data["gpu_count"]),
            any_gpu_count=bool(data.get("any_gpu_count")),
            min_memory_gb=float(data.get("min_memory_gb") or 0),
            providers=tuple(data["providers"]) if data.get("providers") else None,
            region=_blank_to_none((data.get("region") or "").strip()),
            continent=_blank_to_none(data.get("continent")),
            local_gpu_type=_blank_to_none(data.get("local_gpu_type")),
            local_electricity_cost=DEFAULT_ELECTRICITY_USD_PER_KWH if cost is None else float(cost),
            local_power_watts=_blank_to_none(data.get("local_power_watts")),
            reference_gpu=_blank_to_none(data.get("reference_gpu")),
            include_unavailable=data.get("include_unavailable", True) is not False,
            sort=data.get("sort") or "cost",
            allow_interruptible=bool(data.get("allow_interruptible", False)),
            limit=data.get("limit"),
            offset=int(data.get("offset") or 0),
            include_inference_endpoints=bool(data.get("include_inference_endpoints", False)),
            validation_tokens=int(data.get("validation_tokens") or 0),
            evaluations=int(data.get("evaluations") or 0),
        )

    def to_body(self) -> dict:
        """This question as the compare-costs JSON body an API client would send (what the pages
        record in the history, and show as "the request"): the fields that are set, the filters and
        the sort always. ``from_validated(q.to_body())`` is ``q`` again, and the API serializer
        accepts it."""
        body: dict = {}
        if self.training_hours is not None:
            body["training_hours"] = _number(self.training_hours)
            if self.reference_gpu:
                body["reference_gpu"] = self.reference_gpu
        if self.workload is not None:
            body["workload"] = workload_body(self.workload)
        if self.gpu_count is not None:
            body["gpu_count"] = self.gpu_count
        if self.any_gpu_count:
            body["any_gpu_count"] = True
        if self.local_gpu_type:
            body["local_gpu_type"] = self.local_gpu_type
            body["local_electricity_cost"] = _number(self.local_electricity_cost)
            if self.local_power_watts:
                body["local_power_watts"] = _number(self.local_power_watts)
        if self.min_memory_gb:
            body["min_memory_gb"] = _number(self.min_memory_gb)
        for name in ("gpu_type", "continent", "region"):
            if getattr(self, name):
                body[name] = getattr(self, name)
        if self.providers:
            body["providers"] = list(self.providers)
        body.update(include_unavailable=self.include_unavailable, allow_interruptible=self.allow_interruptible,
                    sort=self.sort)
        if self.limit is not None:
            body["limit"] = self.limit
        if self.offset:
            body["offset"] = self.offset
        if self.include_inference_endpoints:
            body["include_inference_endpoints"] = True
        if self.validation_tokens:
            body["validation_tokens"] = self.validation_tokens
        if self.evaluations:
            body["evaluations"] = self.evaluations
        return body


@dataclass(frozen=True)
class InstancesQuery:
    """One instances question: current offers matching the filters, cheapest first. ``gpu_count``
    None: any count."""

    provider: str | None = None
    gpu_type: str | None = None
    gpu_count: int | None = None
    min_memory_gb: float = 0.0
    region: str | None = None
    continent: str | None = None
    available_only: bool = False
    limit: int | None = None
    offset: int = 0

    @classmethod
    def from_validated(cls, data: Mapping) -> InstancesQuery:
        return cls(
            provider=_blank_to_none(data.get("provider")),
            gpu_type=_blank_to_none(data.get("gpu_type")),
            gpu_count=data.get("gpu_count"),
            min_memory_gb=float(data.get("min_memory_gb") or 0),
            region=_blank_to_none((data.get("region") or "").strip()),
            continent=_blank_to_none(data.get("continent")),
            available_only=bool(data.get("available_only")),
            limit=data.get("limit"),
            offset=int(data.get("offset") or 0),
        )
