"""Preferences, history and jobs: owner / other user / anonymous; CSRF on every state change;
the demo user command."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from wizard.models import Comparison, TrainingJob, UserPreferences

pytestmark = pytest.mark.django_db

OPTION = {"id": "lambda:gpu_1x_a100_sxm4:us-east-1:1", "provider": "lambda", "provider_name": "Lambda",
          "gpu_type": "A100 80GB SXM", "gpu_count": 1, "gpu_memory_gb": 80, "hourly_rate": 1.29,
          "training_hours": 3.4, "total_cost": 4.47, "setup_minutes": {"min": 0, "max": 5},
          "setup_time": "Immediate (if available)", "availability": "medium", "region": "us-east-1"}
RECOMMENDED = {**OPTION, "id": "local:rtx-4090", "provider": "local", "provider_name": "Local GPU",
               "gpu_type": "RTX 4090", "hourly_rate": 0.135, "total_cost": 0.86, "training_hours": 6.4,
               "setup_minutes": {"min": 0, "max": 0}}


@pytest.fixture
def item(owner):
    return Comparison.objects.create(user=owner, kind="selection", inputs={"training_hours": 3}, chosen=OPTION,
                                     recommended=RECOMMENDED, recommendation_reason="cheapest", option_count=5)


@pytest.fixture
def job(owner, item):
    return TrainingJob.objects.create(user=owner, selection=item, configuration={"model_params_b": 7}, chosen=OPTION,
                                      recommended=RECOMMENDED, provider="lambda", usd_per_hour=Decimal("1.29"),
                                      total_cost_usd=Decimal("4.47"), training_hours=Decimal("3.4"), name="my job")


# --- preferences -------------------------------------------------------------------------------

def test_anonymous_preferences_redirects_to_login(client):
    for r in (client.get("/preferences/"), client.post("/preferences/", {"view_mode": "table"})):
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert not UserPreferences.objects.exists()


def test_owner_saves_preferences(owner_client, owner):
    r = owner_client.post("/preferences/", {
        "local_gpu_type": "RTX 4090", "local_electricity_cost": "0.25", "min_memory_gb": "24",
        "preferred_providers": ["runpod", "lambda"], "view_mode": "cards", "sort": "availability"})
    assert r.status_code == 302
    p = UserPreferences.objects.get(user=owner)
    assert (p.local_gpu_type, p.local_electricity_cost, p.min_memory_gb) == ("RTX 4090", Decimal("0.25"), 24)
    assert p.preferred_providers == ["runpod", "lambda"] and p.view_mode == "cards" and p.sort == "availability"
    assert 'value="0.250"' in owner_client.get("/preferences/").content.decode()


def test_preferences_are_per_user(owner_client, owner, outsider_client, outsider):
    owner_client.post("/preferences/", {"local_gpu_type": "RTX 4090", "view_mode": "table", "sort": "cost"})
    body = outsider_client.get("/preferences/").content.decode()
    assert '<option value="RTX 4090" selected>' not in body
    assert not UserPreferences.objects.filter(user=outsider).exists()


def test_preferences_start_the_selector(owner_client, owner, db):
    from .prices import seed_prices

    seed_prices()
    UserPreferences.objects.create(user=owner, preferred_providers=["lambda"], view_mode="cards", sort="speed")
    body = owner_client.get("/compare/").content.decode()
    assert 'name="view" value="cards"' in body and 'name="sort" value="speed"' in body
    assert "RunPod · " not in body  # only Lambda's cards


def test_bad_preferences_are_reported(owner_client):
    r = owner_client.post("/preferences/", {"local_electricity_cost": "-1", "view_mode": "table", "sort": "cost"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()


# --- history -----------------------------------------------------------------------------------

def test_history_lists_only_the_users_own_items(owner_client, outsider_client, item, job):
    body = owner_client.get("/history/").content.decode()
    assert f"/history/{item.pk}/" in body and f"/jobs/{job.pk}/" in body
    assert "$4.47" in body and "Local GPU RTX 4090" in body  # chosen and recommended, prices then
    other = outsider_client.get("/history/").content.decode()
    assert f"/history/{item.pk}/" not in other and f"/jobs/{job.pk}/" not in other


def test_history_item_shows_recommended_chosen_and_comparison(owner_client, item):
    body = owner_client.get(f"/history/{item.pk}/").content.decode()
    assert "Recommended then" in body and "$3.61 more than the recommended option" in body


@pytest.mark.parametrize("method,path,data", [
    ("get", "/history/{item}/", None),
    ("post", "/history/{item}/", {"name": "x", "notes": "y"}),
    ("post", "/history/{item}/delete/", {}),
    ("get", "/jobs/{job}/", None),
    ("post", "/jobs/{job}/", {"name": "x", "notes": "y"}),
    ("post", "/jobs/{job}/cancel/", {}),
    ("post", "/jobs/{job}/delete/", {}),
])
def test_other_users_get_404_and_anonymous_a_login_redirect(client, outsider_client, item, job, method, path, data):
    url = path.format(item=item.pk, job=job.pk)
    r = getattr(outsider_client, method)(url, data or {})
    assert r.status_code == 404
    r = getattr(client, method)(url, data or {})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    item.refresh_from_db()
    job.refresh_from_db()
    assert item.name == "" and job.name == "my job" and job.status == "ready"


def test_owner_renames_and_annotates(owner_client, item, job):
    owner_client.post(f"/history/{item.pk}/", {"name": "Baseline", "notes": "before the sale"})
    owner_client.post(f"/jobs/{job.pk}/", {"name": "Run 1", "notes": "go"})
    item.refresh_from_db()
    job.refresh_from_db()
    assert (item.name, item.notes, job.name, job.notes) == ("Baseline", "before the sale", "Run 1", "go")


def test_owner_cancels_a_job_once(owner_client, job):
    assert owner_client.post(f"/jobs/{job.pk}/cancel/")["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "cancelled"
    body = owner_client.get(f"/jobs/{job.pk}/", follow=True).content.decode()
    assert "Cancelled" in body and "Cancel this job" not in body


def test_owner_deletes(owner_client, item, job):
    owner_client.post(f"/jobs/{job.pk}/delete/")
    owner_client.post(f"/history/{item.pk}/delete/")
    assert not TrainingJob.objects.exists() and not Comparison.objects.exists()


@pytest.mark.parametrize("path", ["/jobs/{job}/cancel/", "/jobs/{job}/delete/", "/history/{item}/delete/", "/compare/save/"])
def test_no_state_change_on_get(owner_client, item, job, path):
    assert owner_client.get(path.format(item=item.pk, job=job.pk)).status_code == 405


# --- CSRF ----------------------------------------------------------------------------------------

@pytest.fixture
def csrf_client(owner):
    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    return c


@pytest.mark.parametrize("path,data", [
    ("/preferences/", {"view_mode": "table", "sort": "cost"}),
    ("/wizard/configure/", {"model_params_b": "7", "dataset_tokens": "1000", "epochs": "1", "gpu_count": "1"}),
    ("/wizard/configure/estimate/", {"model_params_b": "7"}),
    ("/wizard/configure/detect-gpu/", {}),
    ("/wizard/providers/", {"option_id": "x"}),
    ("/wizard/review/", {}),
    ("/compare/save/", {}),
    ("/jobs/{job}/cancel/", {}),
    ("/jobs/{job}/delete/", {}),
    ("/history/{item}/", {"name": "x"}),
    ("/history/{item}/delete/", {}),
    ("/accounts/logout/", {}),
])
def test_post_without_csrf_token_is_403(csrf_client, item, job, path, data):
    r = csrf_client.post(path.format(item=item.pk, job=job.pk), data)
    assert r.status_code == 403
    job.refresh_from_db()
    assert job.status == "ready"


def test_post_with_csrf_token_from_the_page_works(csrf_client, owner):
    page = csrf_client.get("/preferences/")
    token = page.context["csrf_token"]
    r = csrf_client.post("/preferences/", {"view_mode": "table", "sort": "cost", "csrfmiddlewaretoken": str(token)})
    assert r.status_code == 302
    assert UserPreferences.objects.get(user=owner).view_mode == "table"


def test_htmx_posts_carry_the_token_in_a_header(csrf_client):
    page = csrf_client.get("/wizard/configure/").content.decode()
    import re

    token = re.search(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'', page).group(1)
    r = csrf_client.post("/wizard/configure/estimate/", {"model_params_b": "7", "dataset_tokens": "1000000",
                                                         "epochs": "1", "gpu_count": "1", "method": "lora",
                                                         "precision": "bf16"},
                         HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert r.status_code == 200


# --- log in / out, demo user -------------------------------------------------------------------

def test_login_page_and_logout_by_post(client, owner):
    assert b"Log in" in client.get("/accounts/login/").content
    r = client.post("/accounts/login/", {"username": "owner", "password": "owner-pass-1234"})
    assert r.status_code == 302
    assert client.get("/wizard/configure/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/wizard/configure/").status_code == 302


def test_demo_user_is_created_in_debug_when_no_user_exists(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_demo_user", stdout=out)
    assert "demo / demo-pass-1234" in out.getvalue()
    assert get_user_model().objects.get(username="demo").check_password("demo-pass-1234")
    call_command("ensure_demo_user", stdout=StringIO())
    assert get_user_model().objects.count() == 1


def test_demo_user_is_not_created_when_users_exist(settings, owner):
    settings.DEBUG = True
    call_command("ensure_demo_user", stdout=StringIO())
    assert not get_user_model().objects.filter(username="demo").exists()


def test_demo_user_is_never_created_without_debug(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("ensure_demo_user", stdout=out)
    assert not get_user_model().objects.exists()
    assert "createsuperuser" in out.getvalue()
