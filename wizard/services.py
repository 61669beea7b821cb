"""Writes: preferences, history items (comparisons kept, selections made) and training jobs."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from teams.services import personal_team

from .models import Comparison, TrainingJob, UserPreferences
from .selectors import dec, jsonable

# Per-user bounds, so one account cannot grow the database without limit (each item holds whole
# option dicts as JSON). The history and the jobs keep the newest items; older ones are dropped
# when a new one is recorded (the history page says so).
MAX_HISTORY_ITEMS = 500
MAX_JOBS = 200
NOTES_MAX_CHARS = 5000


def _keep_newest(qs, n: int) -> None:
    old = list(qs.order_by("-created_at", "-id").values_list("pk", flat=True)[n:])
    if old:
        qs.filter(pk__in=old).delete()


def preferences_save(*, user, data: dict) -> UserPreferences:
    prefs, _ = UserPreferences.objects.get_or_create(user=user)
    for name in ("local_gpu_type", "local_electricity_cost", "local_power_watts", "min_memory_gb", "preferred_providers",
                 "view_mode", "sort"):
        if name in data:
            setattr(prefs, name, data[name])
    prefs.save()
    return prefs


def _summary_option(result: dict, key: str) -> dict | None:
    value = (result.get("summary") or {}).get(key)
    if isinstance(value, dict) or value is None:
        return value
    return next((o for o in result.get("options", []) if str(o.get("id")) == str(value)), None)


def comparison_record(*, user, kind: str, payload: dict, result: dict, chosen: dict | None = None,
                      name: str = "") -> Comparison:
    """Keep a comparison as it was: the request, the recommendation and the chosen option, with the
    prices of that moment."""
    result = jsonable(result)
    summary = result.get("summary") or {}
    with transaction.atomic():
        item = Comparison.objects.create(
            user=user, kind=kind, name=name[:120], inputs=jsonable(payload),
            recommended=_summary_option(result, "recommended"),
            recommendation_reason=summary.get("recommendation_reason") or "",
            chosen=chosen, summary=summary, option_count=len(result.get("options", [])),
        )
        _keep_newest(Comparison.objects.filter(user=user), MAX_HISTORY_ITEMS)
    return item


@transaction.atomic
def job_create(*, user, configuration: dict, chosen: dict, recommended: dict | None, estimate: dict | None,
               selection_id: int | None, team=None) -> TrainingJob:
    """Record a training job "ready to launch" with the option and its price at this moment. It
    belongs to ``team`` (default: the user's personal team)."""
    selection = None
    if selection_id:
        selection = Comparison.objects.filter(user=user, pk=selection_id).first()
    hours = dec(chosen.get("training_hours")) or Decimal(0)
    job = TrainingJob.objects.create(
        user=user, team=team or personal_team(user), selection=selection, configuration=jsonable(configuration), chosen=jsonable(chosen),
        recommended=jsonable(recommended) if recommended else None, estimate=jsonable(estimate) if estimate else None,
        provider=str(chosen.get("provider", ""))[:20], usd_per_hour=dec(chosen.get("hourly_rate")) or Decimal(0),
        total_cost_usd=dec(chosen.get("total_cost")) or Decimal(0), training_hours=hours.quantize(Decimal("0.01")),
        price_as_of=str(chosen.get("as_of") or "")[:40],
        name=f"{chosen.get('provider_name', '')} {chosen.get('gpu_count', 1)}x {chosen.get('gpu_type', '')}".strip()[:120],
    )
    _keep_newest(TrainingJob.objects.filter(user=user), MAX_JOBS)
    return job


def item_update_notes(*, item, name: str, notes: str) -> None:
    item.name = name[:120]
    item.notes = notes[:NOTES_MAX_CHARS]
    item.save(update_fields=["name", "notes"])


def job_cancel(*, job: TrainingJob) -> bool:
    """Conditional update: only a job still ready to launch can be cancelled (no double cancel)."""
    return bool(TrainingJob.objects.filter(pk=job.pk, status=TrainingJob.Status.READY)
                .update(status=TrainingJob.Status.CANCELLED))


def job_record_throughput(*, job: TrainingJob, tokens_per_second: float, gpu_slug: str | None = None,
                          gpu_count: int | None = None) -> TrainingJob:
    """Keep what a run really did: its measured throughput (all GPUs together) on ``gpu_count`` x
    ``gpu_slug`` (default: the option the job was launched on). The wizard offers it first to
    calibrate the next estimate; a launcher that measures a run calls this too."""
    from django.utils import timezone

    job.measured_tokens_per_second = float(tokens_per_second)
    job.measured_gpu_type = (gpu_slug or str(job.chosen.get("gpu_slug") or ""))[:40]
    job.measured_gpu_count = int(gpu_count or job.chosen.get("gpu_count") or 1)
    job.measured_at = timezone.now()
    job.save(update_fields=["measured_tokens_per_second", "measured_gpu_type", "measured_gpu_count", "measured_at"])
    return job
