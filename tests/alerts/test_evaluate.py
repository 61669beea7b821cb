from decimal import Decimal

import pytest
from django.core import mail

from alerts import services as alerts
from alerts import tasks
from alerts.models import Notification, PriceAlert
from tests.history.helpers import offer

pytestmark = pytest.mark.django_db


def h100(price, **kw):
    return offer("runpod", "h100-sxm", price, **kw)


def test_an_alert_just_above_a_price_that_then_drops_fires_once_by_email_and_in_app(
        owner, make_alert, polled, worker):
    alert = make_alert(owner, threshold_usd=Decimal("2.05"))
    polled("runpod", [h100("2.10")])
    assert len(mail.outbox) == 0 and not Notification.objects.exists()

    polled("runpod", [h100("1.99")])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "1.99" in mail.outbox[0].subject and "/prices/h100-sxm/" in mail.outbox[0].body
    n = Notification.objects.get()
    assert n.user == owner and n.alert == alert and n.read_at is None and "1.99" in n.title
    alert.refresh_from_db()
    assert alert.is_active_crossing and alert.last_fired_at is not None
    assert alert.last_value_usd == Decimal("1.99")

    polled("runpod", [h100("1.99")])  # still below: no repeat
    polled("runpod", [h100("1.90")])  # lower still, same crossing: no repeat
    assert len(mail.outbox) == 1 and Notification.objects.count() == 1
    assert len(worker) == 4  # every poll queued one evaluation


def test_it_fires_again_after_the_price_rises_above_and_drops_again(owner, make_alert, polled, worker):
    alert = make_alert(owner, threshold_usd=Decimal("2.05"))
    polled("runpod", [h100("1.99")])
    polled("runpod", [h100("2.50")])
    alert.refresh_from_db()
    assert not alert.is_active_crossing
    polled("runpod", [h100("2.05")])  # "at or below"
    assert len(mail.outbox) == 2 and Notification.objects.count() == 2


def test_becomes_available_fires_when_an_offer_is_reported_available(owner, make_alert, polled, worker):
    make_alert(owner, kind=PriceAlert.Kind.AVAILABLE, region="EU")
    polled("runpod", [h100("1.50", region="EU-RO-1", availability="unavailable"),
                      h100("1.20", region="US-KS-2", availability="high")])
    assert len(mail.outbox) == 0
    polled("runpod", [h100("1.50", region="EU-RO-1", availability="low")])
    assert len(mail.outbox) == 1 and "available" in mail.outbox[0].subject
    polled("runpod", [h100("1.50", region="EU-RO-1", availability="medium")])
    assert len(mail.outbox) == 1


def test_a_price_alert_ignores_unavailable_and_interruptible_offers_and_other_filters(
        owner, make_alert, polled, worker):
    make_alert(owner, threshold_usd=Decimal("2.00"), provider="runpod", gpu_count=8)
    polled("runpod", [h100("1.00", availability="unavailable", count=8), h100("8.00", interruptible=True, count=8),
                      h100("1.50", count=1)])
    polled("lambda", [offer("lambda", "h100-sxm", "8.00", count=8, region="us-east-1")])
    assert len(mail.outbox) == 0
    polled("runpod", [h100("15.92", count=8)])
    assert len(mail.outbox) == 1


def test_paused_alerts_are_not_evaluated(owner, make_alert, polled, worker):
    make_alert(owner, threshold_usd=Decimal("3"), is_paused=True)
    polled("runpod", [h100("1.99")])
    assert len(mail.outbox) == 0


def test_a_user_without_email_still_gets_the_in_app_notification(owner, make_alert, polled, worker):
    owner.email = ""
    owner.save()
    make_alert(owner, threshold_usd=Decimal("3"))
    polled("runpod", [h100("1.99")])
    assert len(mail.outbox) == 0 and Notification.objects.count() == 1


def test_with_the_broker_down_the_poll_evaluates_inline(owner, make_alert, polled, monkeypatch):
    def broker_down(*a, **kw):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.evaluate_alerts, "apply_async", broker_down)
    make_alert(owner, threshold_usd=Decimal("3"))
    run = polled("runpod", [h100("1.99")])
    assert run.status == "ok"
    assert len(mail.outbox) == 1


def test_two_evaluations_at_once_notify_once(owner, make_alert, polled, worker):
    make_alert(owner, threshold_usd=Decimal("3"))
    polled("runpod", [h100("1.99")])
    # A second evaluation that read the alert before the first one claimed the crossing.
    stale = PriceAlert.objects.get()
    stale.is_active_crossing = False
    assert alerts._fire(stale, alerts.Verdict(True, Decimal("1.99"), None), stale.last_fired_at) is False
    assert Notification.objects.count() == 1


def test_stale_providers_do_not_fire_alerts(owner, make_alert, polled, worker, settings):
    import datetime as dt

    from pricing.models import PollRun
    make_alert(owner, threshold_usd=Decimal("3"))
    run = polled("runpod", [h100("1.99")])
    assert len(mail.outbox) == 1
    old = run.finished_at - dt.timedelta(hours=5)
    PollRun.objects.filter(pk=run.pk).update(finished_at=old, started_at=old)
    PriceAlert.objects.update(is_active_crossing=False)
    assert alerts.alerts_evaluate() == []


def test_a_saved_jobs_cost_alert_recomputes_the_job_at_current_prices(owner, make_alert, polled, worker):
    from wizard.models import TrainingJob

    job = TrainingJob.objects.create(
        user=owner, name="llama finetune", provider="runpod", usd_per_hour=Decimal("2.60"),
        total_cost_usd=Decimal("26.43"), training_hours=Decimal("10"),
        chosen={"gpu_slug": "h100-sxm", "gpu_count": 1, "provider": "runpod"})
    make_alert(owner, kind=PriceAlert.Kind.JOB_COST, job=job, threshold_usd=Decimal("25.00"))
    # RunPod: 10 h + 10 min worst-case setup, billed per minute.
    polled("runpod", [h100("2.50")])  # 25.42
    assert len(mail.outbox) == 0
    polled("runpod", [h100("2.40")])  # 24.40
    assert len(mail.outbox) == 1 and "$24.40" in mail.outbox[0].subject
    assert PriceAlert.objects.get().last_value_usd == Decimal("24.40")


def test_a_job_cost_alert_takes_the_jobs_own_configuration(client, owner, polled, worker, db):
    """Issue #13: no unrelated GPU to pick, and the notification names the job's GPU."""
    from pricing.services import gpu_catalog_sync
    from wizard.models import TrainingJob

    gpu_catalog_sync()
    job = TrainingJob.objects.create(
        user=owner, name="13b full", provider="runpod", usd_per_hour=Decimal("23.92"),
        total_cost_usd=Decimal("100"), training_hours=Decimal("2"),
        chosen={"gpu_slug": "h100-sxm", "gpu_type": "H100 SXM", "gpu_count": 8, "provider": "runpod"})
    client.force_login(owner)
    page = client.get(f"/prices/alerts/?job={job.pk}").content.decode()
    assert 'value="job_cost_at_or_below" selected' in page
    r = client.post("/prices/alerts/", {"kind": "job_cost_at_or_below", "job": job.pk, "threshold_usd": "60"})
    assert r.status_code == 302, r.content.decode()[:3000]
    alert = PriceAlert.objects.get()
    assert (alert.gpu.slug, alert.gpu_count) == ("h100-sxm", 8)
    from alerts.services import describe_alert

    assert describe_alert(alert).startswith("8x H100 SXM")
    polled("runpod", [offer("runpod", "h100-sxm", "20.00", count=8), offer("runpod", "a10", "0.30")])
    assert len(mail.outbox) == 1
    assert "8x H100 SXM on RunPod" in mail.outbox[0].body and "A10" not in mail.outbox[0].body
