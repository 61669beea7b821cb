"""Per-user bounds (issue 12 point 9): history, jobs, notes and alerts cannot grow without limit."""

from decimal import Decimal

import pytest

from alerts.forms import MAX_ALERTS_PER_USER, PriceAlertForm
from alerts.models import PriceAlert
from pricing.services import gpu_catalog_sync
from wizard import services
from wizard.models import Comparison, TrainingJob

pytestmark = pytest.mark.django_db

RESULT = {"options": [{"id": "a", "provider": "runpod", "hourly_rate": 1.0, "total_cost": 10.0}],
          "summary": {"recommended": "a"}}


def test_it_keeps_only_the_newest_history_items(owner, outsider, monkeypatch):
    monkeypatch.setattr(services, "MAX_HISTORY_ITEMS", 3)
    theirs = services.comparison_record(user=outsider, kind="comparison", payload={}, result=RESULT)
    made = [services.comparison_record(user=owner, kind="comparison", payload={}, result=RESULT) for _ in range(5)]
    kept = list(Comparison.objects.filter(user=owner).values_list("pk", flat=True))
    assert sorted(kept) == sorted(c.pk for c in made[-3:])
    assert Comparison.objects.filter(pk=theirs.pk).exists()  # other users untouched


def test_it_keeps_only_the_newest_jobs(owner, monkeypatch):
    monkeypatch.setattr(services, "MAX_JOBS", 2)
    chosen = {"provider": "runpod", "hourly_rate": 2, "total_cost": 20, "training_hours": 10}
    for _ in range(4):
        services.job_create(user=owner, configuration={}, chosen=chosen, recommended=None, estimate=None,
                            selection_id=None)
    assert TrainingJob.objects.filter(user=owner).count() == 2


def test_notes_are_bounded(owner_client, owner):
    item = services.comparison_record(user=owner, kind="comparison", payload={}, result=RESULT)
    r = owner_client.post(f"/history/{item.pk}/", {"name": "x", "notes": "n" * (services.NOTES_MAX_CHARS + 1)})
    assert r.status_code < 500
    item.refresh_from_db()
    assert len(item.notes) <= services.NOTES_MAX_CHARS


def test_an_account_has_at_most_the_alert_limit(owner):
    gpu_catalog_sync()
    from pricing.models import GpuModel

    gpu = GpuModel.objects.get(slug="h100-sxm")
    PriceAlert.objects.bulk_create([PriceAlert(user=owner, gpu=gpu, kind=PriceAlert.Kind.PRICE,
                                               threshold_usd=Decimal("1")) for _ in range(MAX_ALERTS_PER_USER)])
    form = PriceAlertForm({"gpu": gpu.pk, "kind": "price_at_or_below", "threshold_usd": "1"}, user=owner)
    assert not form.is_valid()
    assert "the most one account can keep" in str(form.errors)
