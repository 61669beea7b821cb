"""Celery tasks: thin wrappers around pricing.services."""

from celery import shared_task

from . import services


@shared_task(name="pricing.tasks.poll_provider", ignore_result=True)
def poll_provider(slug: str) -> str:
    run = services.poll_provider(slug)
    return "skipped" if run is None else run.status

