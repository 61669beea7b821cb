"""The product document's cost tips made concrete for one comparison: a smaller GPU that fits,
QLoRA when a full fine-tune does not fit, spot for a short job, the lowest price of the last 30 days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from selector.formatting import hours, money
from selector.query import CompareQuery

from .compare_page import PageOption
from .estimate_table import estimate_workload

SPOT_MAX_HOURS = 4.0  # an interruptible offer is worth suggesting for a job shorter than this


def _label(o: PageOption) -> str:
    count = f"{o.gpu_count}× " if o.gpu_count > 1 else ""
    return f"{count}{o.gpu_type} on {o.provider_name}"


def job_tips(options: Sequence[PageOption], rec: PageOption | None, query: CompareQuery) -> list[str]:
    """The document's tips made concrete for this comparison (every listed option and the recommended
    one, typed): a smaller GPU that fits, QLoRA when a full fine-tune does not fit, spot for a short
    job, and the cheapest price seen in the history."""
    tips: list[str] = []
    cloud = [o for o in options if not o.is_local and o.availability != "unavailable" and not o.interruptible]
    if rec is not None and not rec.is_local:
        smaller = [o for o in cloud if o.gpu_memory_gb * o.gpu_count < rec.gpu_memory_gb * rec.gpu_count]
        if smaller:
            best = min(smaller, key=lambda o: (o.total_cost, o.finish_hours))
            more = "" if best.total_cost <= rec.total_cost else (
                f", {money(best.total_cost - rec.total_cost)} more but less memory than you pay for")
            tips.append(f"A smaller GPU fits this job: {_label(best)} ({best.gpu_memory_gb} GB per GPU) for "
                        f"{money(best.total_cost)} in {hours(best.finish_hours)}{more}.")
    workload = query.workload
    if workload is not None and workload.method == "full":
        qlora = estimate_workload(replace(workload, method="qlora"), gpu_count=1)
        fits = [r for r in qlora.get("estimates", []) if r.get("fits")]
        if fits:
            small = min(fits, key=lambda r: (r["memory_gb_available"], r["training_hours"]))
            tips.append(f"QLoRA (a 4-bit base model with LoRA adapters) fits this {workload.model_params_b:g}B "
                        f"model on one {small['gpu_name']} ({small['memory_gb_available']} GB), where the full "
                        "fine-tune needs several large GPUs; quality is usually close for fine-tuning.")
    if rec is not None and not query.allow_interruptible and rec.finish_hours < SPOT_MAX_HOURS:
        spot = [o for o in options if o.interruptible and o.availability != "unavailable"
                and o.total_cost < rec.total_cost]
        if spot:
            s = min(spot, key=lambda o: o.total_cost)
            tips.append(f"The job takes under {SPOT_MAX_HOURS:g} h: an interruptible (spot) {_label(s)} costs "
                        f"{money(s.total_cost)} against {money(rec.total_cost)}; allow interruptible "
                        "offers and save checkpoints, a restart costs little on a short run.")
    if rec is not None and not rec.is_local:
        from pricing.history import lowest_seen

        seen = lowest_seen(rec.provider, rec.gpu_slug, rec.gpu_count)
        per_gpu = rec.hourly_rate / max(1, rec.gpu_count)
        if seen and seen[0] < per_gpu.quantize(Decimal("0.0001")):
            tips.append(f"{rec.provider_name} asked {money(seen[0])} per GPU-hour for {rec.gpu_type} on "
                        f"{seen[1]:%Y-%m-%d} (the lowest in 30 days; {money(per_gpu)} now): set a price alert if "
                        "the job can wait.")
    return tips


