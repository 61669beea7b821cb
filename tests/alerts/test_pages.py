from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Notification, PriceAlert
from pricing.models import GpuModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(owner, make_alert):
    return make_alert(owner, threshold_usd=Decimal("2.00"))


def _login(client, user):
    client.force_login(user)
    return client


def test_it_creates_an_alert_for_the_signed_in_user(client, owner, make_alert):
    make_alert(owner, threshold_usd=Decimal("1"))  # syncs the GPU table
    _login(client, owner)
    gpu = GpuModel.objects.get(slug="a100-80gb-sxm")
    r = client.post("/prices/alerts/", {"gpu": gpu.pk, "provider": "lambda", "region": "US", "gpu_count": "8",
                                        "kind": "price_at_or_below", "threshold_usd": "1.75"})
    assert r.status_code == 302
    a = PriceAlert.objects.get(gpu=gpu)
    assert (a.user, a.provider, a.region, a.gpu_count, a.threshold_usd) == (owner, "lambda", "US", 8, Decimal("1.75"))
    html = client.get("/prices/alerts/").content.decode()
    assert "A100 80GB SXM, 8 GPUs, Lambda, US: price per GPU-hour at or below $1.7500" in html
    assert "never" in html


def test_a_price_alert_needs_a_threshold(client, owner, alert):
    _login(client, owner)
    r = client.post("/prices/alerts/", {"gpu": alert.gpu_id, "kind": "price_at_or_below"})
    assert r.status_code == 200 and "Give the price" in r.content.decode()
    assert PriceAlert.objects.count() == 1


def test_the_list_shows_when_each_alert_last_fired(client, owner, alert):
    PriceAlert.objects.filter(pk=alert.pk).update(last_fired_at=timezone.now(), is_active_crossing=True)
    html = _login(client, owner).get("/prices/alerts/").content.decode()
    assert "Holding now (fired)" in html and " UTC</time>" in html


def test_the_owner_can_pause_resume_edit_and_delete(client, owner, alert):
    _login(client, owner)
    assert client.post(f"/prices/alerts/{alert.pk}/pause/", {"paused": "1"}).status_code == 302
    alert.refresh_from_db()
    assert alert.is_paused
    client.post(f"/prices/alerts/{alert.pk}/pause/", {"paused": "0"})
    alert.refresh_from_db()
    assert not alert.is_paused
    PriceAlert.objects.filter(pk=alert.pk).update(is_active_crossing=True)
    assert client.get(f"/prices/alerts/{alert.pk}/edit/").status_code == 200
    r = client.post(f"/prices/alerts/{alert.pk}/edit/", {"gpu": alert.gpu_id, "kind": "price_at_or_below",
                                                          "threshold_usd": "1.50"})
    assert r.status_code == 302
    alert.refresh_from_db()
    assert alert.threshold_usd == Decimal("1.50") and not alert.is_active_crossing  # a new watch
    assert client.post(f"/prices/alerts/{alert.pk}/delete/").status_code == 302
    assert not PriceAlert.objects.exists()


@pytest.mark.parametrize("method,path,data", [
    ("get", "/prices/alerts/{pk}/edit/", None),
    ("post", "/prices/alerts/{pk}/edit/", {"kind": "becomes_available"}),
    ("post", "/prices/alerts/{pk}/pause/", {"paused": "1"}),
    ("post", "/prices/alerts/{pk}/delete/", None),
])
def test_other_users_alerts_answer_404_and_anonymous_users_go_to_log_in(
        client, outsider, alert, method, path, data):
    url = path.format(pk=alert.pk)
    r = getattr(client, method)(url, data or {})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    _login(client, outsider)
    assert getattr(client, method)(url, data or {}).status_code == 404
    alert.refresh_from_db()
    assert not alert.is_paused and alert.kind == "price_at_or_below"
    assert PriceAlert.objects.filter(pk=alert.pk).exists()


def test_the_list_shows_only_ones_own_alerts(client, outsider, alert):
    html = _login(client, outsider).get("/prices/alerts/").content.decode()
    assert "You have no price alerts yet." in html


@pytest.mark.parametrize("path", ["/prices/alerts/", "/prices/notifications/"])
def test_anonymous_users_are_sent_to_log_in(client, path):
    r = client.get(path)
    assert r.status_code == 302 and r["Location"] == f"/accounts/login/?next={path}"


def test_alert_forms_are_csrf_protected(owner, alert):
    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    for url, data in [("/prices/alerts/", {"gpu": alert.gpu_id, "kind": "becomes_available"}),
                      (f"/prices/alerts/{alert.pk}/edit/", {"gpu": alert.gpu_id, "kind": "becomes_available"}),
                      (f"/prices/alerts/{alert.pk}/pause/", {"paused": "1"}),
                      (f"/prices/alerts/{alert.pk}/delete/", {}),
                      ("/prices/notifications/", {"all": "1"})]:
        assert c.post(url, data).status_code == 403, url
    # With the token from the page, the same form works.
    page = c.get("/prices/alerts/")
    token = page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    r = c.post(f"/prices/alerts/{alert.pk}/pause/", {"paused": "1", "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_notifications_are_read_and_marked_read(client, owner, outsider, alert):
    now = timezone.now()
    mine = Notification.objects.create(user=owner, alert=alert, title="H100 SXM at $1.99", created_at=now)
    Notification.objects.create(user=owner, alert=alert, title="H100 SXM at $1.89", created_at=now)
    theirs = Notification.objects.create(user=outsider, title="not yours", created_at=now)
    _login(client, owner)
    html = client.get("/prices/notifications/").content.decode()
    assert "H100 SXM at $1.99" in html and "not yours" not in html and "2 unread" in html
    # The header shows the unread count.
    assert "Notifications <span class=\"tag\">2" in client.get("/prices/").content.decode()
    client.post("/prices/notifications/", {"id": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    client.post("/prices/notifications/", {"all": "1"})
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()


def test_a_job_cost_alert_can_watch_only_ones_own_saved_jobs(client, owner, outsider, alert):
    from wizard.models import TrainingJob

    def job(user):
        return TrainingJob.objects.create(user=user, provider="runpod", usd_per_hour=Decimal("2"),
                                          total_cost_usd=Decimal("20"), training_hours=Decimal("10"))

    theirs, mine = job(outsider), job(owner)
    _login(client, owner)
    data = {"gpu": alert.gpu_id, "kind": "job_cost_at_or_below", "threshold_usd": "18"}
    r = client.post("/prices/alerts/", {**data, "job": theirs.pk})
    assert r.status_code == 200 and PriceAlert.objects.count() == 1
    assert client.post("/prices/alerts/", {**data, "job": mine.pk}).status_code == 302
    assert PriceAlert.objects.get(kind="job_cost_at_or_below").job == mine


@pytest.mark.parametrize("bad_id", ["²", "①", "٣", "1" * 5000, "9" * 30, "-1", " 1", "1.0", ""])
def test_it_refuses_ids_that_are_not_bounded_ascii_integers(client, owner, alert, bad_id):
    """Issue 12 point 7: these ids were a 500 (int() after isdigit(), or an integer overflow)."""
    n = Notification.objects.create(user=owner, alert=alert, title="H100 SXM at $1.99", created_at=timezone.now())
    _login(client, owner)
    r = client.post("/prices/notifications/", {"id": [str(n.pk), bad_id]})
    assert r.status_code == 400
    assert "Each id must be a whole number" in r.content.decode()
    n.refresh_from_db()
    assert n.read_at is None  # nothing half-done


def test_it_marks_read_at_most_the_listed_number_of_ids(client, owner, alert):
    _login(client, owner)
    r = client.post("/prices/notifications/", {"id": [str(i) for i in range(1, 300)]})
    assert r.status_code == 400 and "At most 200 ids" in r.content.decode()
