import pytest
from django.contrib.auth.models import User

from alerts import tasks
from alerts.models import PriceAlert
from pricing.models import GpuModel
from pricing.services import gpu_catalog_sync


@pytest.fixture
def owner(db):
    return User.objects.create_user("owner", "owner@example.com", "pw-owner-123")


@pytest.fixture
def outsider(db):
    return User.objects.create_user("outsider", "outsider@example.com", "pw-outsider-123")


@pytest.fixture
def worker(monkeypatch):
    """The Celery worker, inline: queued evaluations run at once (the broker is not needed)."""
    queued = []

    def apply_async(args=(), **kwargs):
        queued.append(args)
        return tasks.evaluate_alerts.run(*args)

    monkeypatch.setattr(tasks.evaluate_alerts, "apply_async", apply_async)
    return queued


@pytest.fixture
def make_alert(db):
    gpu_catalog_sync()

    def make(user, gpu="h100-sxm", **kw):
        kw.setdefault("kind", PriceAlert.Kind.PRICE)
        return PriceAlert.objects.create(user=user, gpu=GpuModel.objects.get(slug=gpu), **kw)

    return make


@pytest.fixture
def polled(django_capture_on_commit_callbacks):
    """Store a poll through the real path and run what happens after its commit."""
    from tests.history.helpers import poll

    def run(provider, offers):
        with django_capture_on_commit_callbacks(execute=True):
            return poll(provider, offers)

    return run
