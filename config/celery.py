"""The Celery app. Beat polls each provider on its own schedule entry, so one slow or failing
provider never delays the others."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    from pricing.providers.registry import PROVIDERS

    interval = settings.PRICE_POLL_INTERVAL_SECONDS
    for slug in PROVIDERS:
        sender.add_periodic_task(
            float(interval),
            sender.signature("pricing.tasks.poll_provider", args=(slug,)),
            name=f"poll-{slug}",
            # A backlog from an outage is dropped rather than stampeding the provider.
            expires=float(interval),
        )
    # Launched jobs: status, spend and the budget stop; and the sweep for tagged strays.
    track = float(settings.LAUNCH_TRACK_INTERVAL_SECONDS)
    sender.add_periodic_task(track, sender.signature("launch.tasks.track_launches"), name="launch-track", expires=track)
    sweep = float(settings.LAUNCH_SWEEP_INTERVAL_SECONDS)
    sender.add_periodic_task(sweep, sender.signature("launch.tasks.sweep_strays"), name="launch-sweep", expires=sweep)
