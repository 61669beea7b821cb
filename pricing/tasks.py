"""Celery tasks: thin wrappers around pricing.services."""

from celery import shared_task

from . import services


@shared_task(name="pricing.tasks.poll_provider", ignore_result=True)
def poll_provider(slug: str) -> str:
    run = services.poll_provider(slug)
    return "skipped" if run is None else run.status


@shared_task(name="pricing.tasks.evaluate_alerts", ignore_result=True)
def evaluate_alerts(poll_id: int | None = None) -> int:
    """After a successful poll: check every active price alert (queued by pricing.receivers)."""
    from . import alerts

    return len(alerts.alerts_evaluate(poll_id=poll_id))
