"""Price alerts (writes and the evaluation): evaluate every active alert against the current prices after each poll, and
notify (e-mail + in-app) once per crossing.

"Once per crossing": an alert fires when its condition starts holding; ``is_active_crossing``
then stays set (no more notifications) until an evaluation sees the condition no longer holding,
which clears it, so the next time it holds fires again. Both moves are conditional updates, so two
evaluations running at once (two providers' polls finishing together) notify at most once.

What an alert looks at: the current offers of every provider that is not stale (a failing
provider's old prices must not fire alerts), on-demand only, of the alert's GPU model and optional
provider / continent / GPU count.
- price_at_or_below: the lowest USD per GPU-hour among offers that are not "unavailable".
- becomes_available: any offer reported high / medium / low availability.
- job_cost_at_or_below: the saved wizard job's cost recomputed at today's prices: the cheapest
  matching offer for the job's GPU model and count (its provider if the alert names one), priced
  with the selector engine's ``cloud_total_cost`` (training hours + worst-case setup, rounded up to
  the provider's billing increment), the same sum the comparison uses for a cloud option.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pricing.providers.registry import PROVIDERS, provider_names
from pricing.regions import continent_of
from pricing.selectors import CurrentOffer as Offer
from pricing.selectors import latest_snapshot
from selector.engine import cloud_total_cost
from selector.facts import provider_meta
from selector.formatting import money

from .models import Notification, PriceAlert

logger = logging.getLogger(__name__)

AVAILABLE = {"high", "medium", "low"}


@dataclass(frozen=True)
class Verdict:
    holds: bool
    value_usd: Decimal | None  # lowest price per GPU-hour, or the job's cost
    offer: Offer | None  # the offer that makes it hold (or the best seen)


def _matching(alert: PriceAlert, offers: list[Offer], *, gpu_count: int | None = None) -> list[Offer]:
    count = gpu_count if gpu_count is not None else alert.gpu_count
    return [
        o for o in offers
        if not o.interruptible
        and (not alert.provider or o.provider == alert.provider)
        and (not alert.region or continent_of(o.region) == alert.region)
        and (count is None or o.gpu_count == count)
    ]


def _job_cost(alert: PriceAlert, offers_by_gpu: dict[str, list[Offer]]) -> Verdict:
    job = getattr(alert, "job", None)
    if job is None:
        return Verdict(False, None, None)
    chosen = job.chosen or {}
    gpu_slug = chosen.get("gpu_slug") or alert.gpu.slug
    gpu_count = int(chosen.get("gpu_count") or alert.gpu_count or 1)
    best: tuple[Decimal, Offer] | None = None
    for o in _matching(alert, offers_by_gpu.get(gpu_slug, []), gpu_count=gpu_count):
        if o.availability == "unavailable" or o.provider not in PROVIDERS:
            continue
        meta = provider_meta(o.provider)
        cost = cloud_total_cost(o.usd_per_hour, float(job.training_hours), meta["setup_minutes"][1],
                                meta["billing_increment_seconds"])
        if best is None or cost < best[0]:
            best = (cost, o)
    if best is None:
        return Verdict(False, None, None)
    return Verdict(alert.threshold_usd is not None and best[0] <= alert.threshold_usd, best[0], best[1])


def alert_verdict(alert: PriceAlert, offers_by_gpu: dict[str, list[Offer]]) -> Verdict:
    """Does the alert's condition hold for these current offers (GPU slug -> offers)?"""
    if alert.kind == PriceAlert.Kind.JOB_COST:
        return _job_cost(alert, offers_by_gpu)
    offers = _matching(alert, offers_by_gpu.get(alert.gpu.slug, []))
    if alert.kind == PriceAlert.Kind.AVAILABLE:
        avail = [o for o in offers if o.availability in AVAILABLE]
        best = min(avail, key=lambda o: o.usd_per_gpu_hour, default=None)
        return Verdict(best is not None, best.usd_per_gpu_hour if best else None, best)
    priced = [o for o in offers if o.availability != "unavailable"]
    best = min(priced, key=lambda o: o.usd_per_gpu_hour, default=None)
    if best is None:
        return Verdict(False, None, None)
    holds = alert.threshold_usd is not None and best.usd_per_gpu_hour <= alert.threshold_usd
    return Verdict(holds, best.usd_per_gpu_hour, best)


def describe_alert(alert: PriceAlert) -> str:
    """One line, e.g. "H100 SXM, 8 GPUs, RunPod, EU: price per GPU-hour at or below $2.0000"."""
    if alert.kind == PriceAlert.Kind.JOB_COST:
        # The job's own configuration, not a GPU picked on the form (issue #13).
        job = getattr(alert, "job", None)
        chosen = (job.chosen if job else None) or {}
        count = int(chosen.get("gpu_count") or alert.gpu_count or 1)
        where = [f"{count}x {chosen.get('gpu_type') or alert.gpu.name}"]
        if alert.provider:
            where.append(provider_names().get(alert.provider, alert.provider))
        if alert.region:
            where.append(alert.region)
        return f"{', '.join(where)}: job {job or '(deleted)'} total cost at or below {money(alert.threshold_usd)}"
    where = [alert.gpu.name]
    if alert.gpu_count:
        where.append(f"{alert.gpu_count} GPU{'s' if alert.gpu_count != 1 else ''}")
    if alert.provider:
        where.append(provider_names().get(alert.provider, alert.provider))
    if alert.region:
        where.append(alert.region)
    if alert.kind == PriceAlert.Kind.AVAILABLE:
        cond = "becomes available"
    elif alert.kind == PriceAlert.Kind.JOB_COST:
        job = getattr(alert, "job", None)
        cond = f"job {job or '(deleted)'} total cost at or below {money(alert.threshold_usd)}"
    else:
        cond = f"price per GPU-hour at or below ${alert.threshold_usd}"
    return f"{', '.join(where)}: {cond}"


def _message(alert: PriceAlert, v: Verdict) -> tuple[str, str]:
    o = v.offer
    names = provider_names()
    if o is None:
        return f"Price alert: {alert.gpu.name}", describe_alert(alert)
    place = f"{names.get(o.provider, o.provider)}" + (f" ({o.region})" if o.region else "")
    # The offer's own GPU: for a job alert that is the job's GPU, whatever the alert row holds.
    gpu_name = o.gpu.name if alert.kind == PriceAlert.Kind.JOB_COST else alert.gpu.name
    offer_words = f"{o.gpu_count}x {gpu_name} on {place}"
    if alert.kind == PriceAlert.Kind.AVAILABLE:
        title = f"{alert.gpu.name} is available on {names.get(o.provider, o.provider)}"
        body = f"{offer_words} is reported {o.availability} availability at ${o.usd_per_gpu_hour} per GPU-hour."
    elif alert.kind == PriceAlert.Kind.JOB_COST:
        title = f"Your job would now cost {money(v.value_usd)}"
        body = (f"At ${o.usd_per_hour} per hour for {offer_words}, the saved job costs {money(v.value_usd)} "
                f"(your alert: at or below {money(alert.threshold_usd)}).")
    else:
        title = f"{alert.gpu.name} at ${o.usd_per_gpu_hour} per GPU-hour"
        body = f"{offer_words} costs ${o.usd_per_gpu_hour} per GPU-hour (your alert: at or below ${alert.threshold_usd})."
    return title, body + f"\n\nAlert: {describe_alert(alert)}"


def _fire(alert: PriceAlert, v: Verdict, now: dt.datetime) -> bool:
    """Claim the crossing and notify. Returns True when this call fired the alert."""
    with transaction.atomic():
        claimed = PriceAlert.objects.filter(pk=alert.pk, is_active_crossing=False, is_paused=False).update(
            is_active_crossing=True, last_fired_at=now)
        if not claimed:
            return False
        title, body = _message(alert, v)
        url = reverse("pricing:gpu_history", args=[alert.gpu.slug])
        Notification.objects.create(user=alert.user, alert=alert, title=title[:200], body=body, url=url,
                                    created_at=now)
        email = alert.user.email
        if email and settings.EMAIL_ENABLED:
            transaction.on_commit(lambda: _send_email(email, title, body, url))
    return True


def _send_email(to: str, subject: str, body: str, url: str) -> None:
    try:
        send_mail(subject, f"{body}\n\nPrice history: {url}\nManage your alerts: {reverse('pricing:alerts')}\n",
                  settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        # The in-app notification is already stored; a mail outage must not undo it.
        logger.exception("price alert e-mail to %s failed", to)


def alerts_evaluate(*, poll_id: int | None = None, now: dt.datetime | None = None) -> list[int]:
    """Evaluate every active alert against the current prices. Returns the ids of alerts fired."""
    now = now or timezone.now()
    alerts = list(PriceAlert.objects.filter(is_paused=False).select_related("user", "gpu", "job"))
    if not alerts:
        return []
    snapshot = latest_snapshot()
    offers, freshness = snapshot.offers, snapshot.freshness
    by_gpu: dict[str, list[Offer]] = defaultdict(list)
    for o in offers:
        f = freshness.get(o.provider)
        if f is not None and f.stale:
            continue
        by_gpu[o.gpu.slug].append(o)
    fired: list[int] = []
    evaluated: list[PriceAlert] = []
    for alert in alerts:
        v = alert_verdict(alert, by_gpu)
        if v.holds and not alert.is_active_crossing:
            if _fire(alert, v, now):
                fired.append(alert.pk)
        elif not v.holds and alert.is_active_crossing:
            PriceAlert.objects.filter(pk=alert.pk, is_active_crossing=True).update(is_active_crossing=False)
        alert.last_value_usd = v.value_usd
        alert.last_evaluated_at = now
        evaluated.append(alert)
    PriceAlert.objects.bulk_update(evaluated, ["last_value_usd", "last_evaluated_at"], batch_size=500)
    if fired:
        logger.info("poll %s fired %d price alert(s)", poll_id, len(fired))
    return fired


@transaction.atomic
def alert_save(*, alert: PriceAlert, changed: bool) -> PriceAlert:
    """Create or edit an alert. An edited condition is a new watch: its crossing state restarts."""
    if changed:
        alert.is_active_crossing = False
    alert.save()
    return alert


def alert_set_paused(*, alert: PriceAlert, paused: bool) -> None:
    PriceAlert.objects.filter(pk=alert.pk).update(is_paused=paused)


def notifications_mark_read(*, user, ids: list[int] | None = None, source: str = "") -> int:
    """``ids`` None: everything the user has unread, every source's notices included; else the ids
    of ``source`` ("" the price-alert notifications, else a registered notice source)."""
    from . import notices

    if source:
        return notices.mark_read_in_sources(user, ids, source)
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    if ids is None:
        n += notices.mark_read_in_sources(user, None)
    return n
