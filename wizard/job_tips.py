"""The product document's cost tips made concrete for one comparison: a smaller GPU that fits,
QLoRA when a full fine-tune does not fit, spot for a short job, the lowest price of the last 30 days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from selector.query import CompareQuery

from .compare_page import PageOption
from .estimate_table import estimate_workload

SPOT_MAX_HOURS = 4.0  # an interruptible offer is worth suggesting for a job shorter than this


@dataclass(frozen=True)
class Tip:
    """One tip, as values; ``wizard/_job_tip.html`` says it in words (numbers through the
    selector_tags filters). ``kind``: smaller_gpu | qlora | spot | lowest_seen."""

    kind: str
    option: PageOption | None = None  # smaller_gpu, spot: the option suggested
    recommended: PageOption | None = None
    costs_more: Decimal | None = None  # smaller_gpu: how much more than the recommended (None: not more)
    model: str = ""  # qlora: the model size ("13B")
    gpu_name: str = ""  # qlora: the one GPU it fits on
    memory_gb: float | None = None  # qlora: that GPU's memory
    under_hours: float = SPOT_MAX_HOURS  # spot: the job is shorter than this
    price: Decimal | None = None  # lowest_seen: the lowest per-GPU-hour price in 30 days ...
    seen_on: dt.date | None = None  # ... and when
    per_gpu_now: Decimal | None = None


def job_tips(options: Sequence[PageOption], rec: PageOption | None, query: CompareQuery) -> list[Tip]:
    """The document's tips made concrete for this comparison (every listed option and the recommended
    one, typed): a smaller GPU that fits, QLoRA when a full fine-tune does not fit, spot for a short
    job, and the cheapest price seen in the history."""
    tips: list[Tip] = []
    cloud = [o for o in options if not o.is_local and o.availability != "unavailable" and not o.interruptible]
    if rec is not None and not rec.is_local:
        smaller = [o for o in cloud if o.gpu_memory_gb * o.gpu_count < rec.gpu_memory_gb * rec.gpu_count]
        if smaller:
            best = min(smaller, key=lambda o: (o.total_cost, o.finish_hours))
            more = None if best.total_cost <= rec.total_cost else best.total_cost - rec.total_cost
            tips.append(Tip("smaller_gpu", best, rec, costs_more=more))
    workload = query.workload
    if workload is not None and workload.method == "full":
        qlora = estimate_workload(replace(workload, method="qlora"), gpu_count=1)
        fits = [r for r in qlora.get("estimates", []) if r.get("fits")]
        if fits:
            small = min(fits, key=lambda r: (r["memory_gb_available"], r["training_hours"]))
            tips.append(Tip("qlora", model=f"{workload.model_params_b:g}B", gpu_name=small["gpu_name"],
                            memory_gb=small["memory_gb_available"]))
    if rec is not None and not query.allow_interruptible and rec.finish_hours < SPOT_MAX_HOURS:
        spot = [o for o in options if o.interruptible and o.availability != "unavailable"
                and o.total_cost < rec.total_cost]
        if spot:
            tips.append(Tip("spot", min(spot, key=lambda o: o.total_cost), rec))
    if rec is not None and not rec.is_local:
        from pricing.history import lowest_seen

        seen = lowest_seen(rec.provider, rec.gpu_slug, rec.gpu_count)
        per_gpu = rec.hourly_rate / max(1, rec.gpu_count)
        if seen and seen[0] < per_gpu.quantize(Decimal("0.0001")):
            tips.append(Tip("lowest_seen", recommended=rec, price=seen[0], seen_on=seen[1], per_gpu_now=per_gpu))
    return tips
