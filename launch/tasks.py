"""Celery tasks: thin wrappers around launch.services (idempotency lives there: the claim)."""

from celery import shared_task

from . import services


@shared_task(name="launch.tasks.launch_job", ignore_result=True)
def launch_job(job_id: int) -> str:
    launch = services.launch_execute(job_id=job_id)
    return "not ours" if launch is None else launch.status


@shared_task(name="launch.tasks.track_launches", ignore_result=True)
def track_launches() -> int:
    return services.track_live()


@shared_task(name="launch.tasks.sweep_strays", ignore_result=True)
def sweep_strays() -> int:
    return services.sweep_strays()
