"""Signal receivers of the pricing app (connected in PricingConfig.ready).

- The price-history rollup is written inside the poll's own transaction (post_save of the
  PollRun that snapshot_record marks OK), so offers and rollup appear together. A rollup bug must
  never lose a poll: it runs in a savepoint, is logged, and poll_succeeded retries it after commit.
- Alerts are evaluated after the poll is committed, on the Celery queue; when the broker cannot
  take the task they are evaluated inline, so an outage of Redis never breaks a poll.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import signals
from .models import PollRun

logger = logging.getLogger(__name__)


@receiver(post_save, sender=PollRun, dispatch_uid="pricing.history_rollup_on_poll_ok")
def history_rollup_on_poll_ok(sender, instance: PollRun, created: bool, update_fields=None, **kwargs):
    if created or instance.status != PollRun.Status.OK or kwargs.get("raw"):
        return
    from .history import history_rollup_poll

    try:
        with transaction.atomic():
            history_rollup_poll(poll=instance)
    except Exception:
        logger.exception("price history rollup of poll %s failed; retried after commit", instance.pk)


@receiver(signals.poll_succeeded, dispatch_uid="pricing.after_poll_succeeded")
def after_poll_succeeded(sender, poll_id: int, provider: str, **kwargs):
    from .history import history_rollup_poll

    try:
        poll = PollRun.objects.get(pk=poll_id)
        history_rollup_poll(poll=poll)  # no-op when the in-transaction rollup worked
    except Exception:
        logger.exception("price history rollup of poll %s failed; run manage.py rebuild_price_history", poll_id)
    enqueue_alert_evaluation(poll_id)


def enqueue_alert_evaluation(poll_id: int) -> None:
    from . import alerts, tasks

    try:
        # retry=False: with the broker down, fail in about a second instead of blocking the poll.
        tasks.evaluate_alerts.apply_async(args=(poll_id,), retry=False)
        return
    except Exception as exc:
        logger.warning("could not queue alert evaluation for poll %s (%s); evaluating inline", poll_id, exc)
    try:
        alerts.alerts_evaluate(poll_id=poll_id)
    except Exception:
        logger.exception("alert evaluation for poll %s failed", poll_id)
