"""Celery tasks: thin wrappers around alerts.services."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="alerts.tasks.evaluate_alerts", ignore_result=True)
def evaluate_alerts(poll_id: int | None = None) -> int:
    """After a successful poll: check every active price alert (queued by ``alerts_after_poll``)."""
    return len(services.alerts_evaluate(poll_id=poll_id))


def enqueue_evaluation(poll_id: int) -> None:
    """The hand-off ``pricing.services.snapshot_record`` registers with ``transaction.on_commit``
    (settings.PRICE_POLL_HANDOFF names this function). Alerts are evaluated on the Celery queue;
    when the broker cannot take the task they are evaluated inline, so a Redis outage never
    breaks a poll or loses an alert."""
    try:
        # retry=False: with the broker down, fail in about a second instead of blocking the poll.
        evaluate_alerts.apply_async(args=(poll_id,), retry=False)
        return
    except Exception as exc:
        logger.warning("could not queue alert evaluation for poll %s (%s); evaluating inline", poll_id, exc)
    try:
        services.alerts_evaluate(poll_id=poll_id)
    except Exception:
        logger.exception("alert evaluation for poll %s failed", poll_id)
