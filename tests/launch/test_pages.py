"""Launch pages: owner / member / outsider / anonymous on every URL, the confirm step (budget,
re-check, ask again), the live job page and its htmx fragment, terminate, accounts, template."""

from __future__ import annotations

import pytest
from django.urls import reverse

from launch import services
from launch.models import Launch, ProviderAccount, StrayInstance
from wizard import services as wizard_services

from .conftest import PAYLOAD, login, quote_for, submit
from .fake_providers import KEYS

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(owner, member, outsider):
    return {"owner": owner, "member": member, "outsider": outsider}


@pytest.fixture
def launched(team, owner, connect, polled, fakes):
    connect("runpod")
    launch = submit(team, owner, "runpod")
    return services.launch_execute(job_id=launch.pk)


@pytest.fixture
def recorded_job(team, owner, polled):
    q = quote_for(team, "runpod")
    from wizard.models import Comparison

    sel = Comparison.objects.create(user=owner, kind="selection", inputs=PAYLOAD, chosen=q.option)
    return wizard_services.job_create(user=owner, team=team, configuration={"training_hours": 10}, chosen=q.option,
                                      recommended=None, estimate=None, selection_id=sel.pk)


@pytest.mark.parametrize("who,status", [("owner", 200), ("member", 200), ("outsider", 404)])
def test_job_page_access(launched, users, who, status):
    assert login(users[who]).get(reverse("launch:job", args=[launched.pk])).status_code == status


@pytest.mark.parametrize("name", ["launch:job", "launch:calibrate", "launch:start"])
def test_anonymous_is_sent_to_login(client, launched, name):
    r = client.get(reverse(name, args=[launched.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.parametrize("name", ["launch:accounts", "launch:template", "launch:jobs", "launch:from_wizard"])
def test_team_pages_need_login(client, name):
    assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize("who,status,alive", [("owner", 302, False), ("member", 302, False), ("outsider", 404, True)])
def test_terminate_access(launched, users, fakes, who, status, alive):
    r = login(users[who]).post(reverse("launch:terminate", args=[launched.pk]))
    assert r.status_code == status
    assert bool(fakes.running("runpod")) == alive
    assert Launch.objects.get(pk=launched.pk).is_live == alive


def test_anonymous_cannot_terminate(client, launched, fakes):
    assert client.post(reverse("launch:terminate", args=[launched.pk])).status_code == 302
    assert fakes.running("runpod")


def test_job_page_shows_status_spend_connection_and_htmx_fragment(launched, owner):
    services.launch_track(job_id=launched.pk)
    services.launch_track(job_id=launched.pk)
    c = login(owner)
    page = c.get(reverse("launch:job", args=[launched.pk])).content.decode()
    assert 'hx-trigger="every 5s"' in page and "Running" in page and "ssh.runpod.io" in page
    assert "Actual vs estimate" in page
    frag = c.get(reverse("launch:job", args=[launched.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert frag.lstrip().startswith('<div id="live"') and "<html" not in frag


def test_start_shows_price_estimate_and_default_budget(recorded_job, owner, connect):
    connect("runpod")
    page = login(owner).get(reverse("launch:start", args=[recorded_job.pk])).content.decode()
    assert "Launch on RunPod" in page and "$2.99" in page
    assert 'name="budget_usd"' in page and "the estimate × 1.5" in page


def test_confirm_launches_once_even_when_posted_twice(recorded_job, owner, connect, fakes):
    connect("runpod")
    c = login(owner)
    url = reverse("launch:start", args=[recorded_job.pk])
    data = {"budget_usd": "45", "allow_failover": "on", "image": "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
            "command": "python train.py", "disk_gb": "50", "confirm": "on", "idempotency_key": "abc",
            "shown_usd_per_hour": "2.99"}
    r1 = c.post(url, data)
    r2 = c.post(url, data)  # a double click
    assert r1.status_code == r2.status_code == 302
    assert Launch.objects.count() == 1
    assert r1["Location"] == reverse("launch:job", args=[recorded_job.pk])


def test_confirm_without_the_checkbox_or_budget_launches_nothing(recorded_job, owner, connect, fakes):
    connect("runpod")
    c = login(owner)
    url = reverse("launch:start", args=[recorded_job.pk])
    base = {"image": "img", "disk_gb": "50", "idempotency_key": "k", "shown_usd_per_hour": "2.99"}
    assert c.post(url, {**base, "budget_usd": "45"}).status_code == 200
    assert c.post(url, {**base, "confirm": "on"}).status_code == 200
    assert not Launch.objects.exists() and not fakes.launches()


def test_a_moved_price_asks_again(recorded_job, owner, connect, fakes):
    connect("runpod")
    fakes.prices["runpod"] = 3.49  # +17% at the re-check poll
    c = login(owner)
    r = c.post(reverse("launch:start", args=[recorded_job.pk]), {
        "budget_usd": "45", "image": "img", "disk_gb": "50", "confirm": "on", "idempotency_key": "k",
        "shown_usd_per_hour": "2.99"}, follow=True)
    page = r.content.decode()
    assert "price moved 17%" in page and "$3.49" in page
    assert not Launch.objects.exists()


def test_wizard_review_launch(owner, team, connect, polled, fakes):
    connect("runpod")
    from wizard.state import WizardState

    q = quote_for(team, "runpod")
    c = login(owner)
    c.post(reverse("teams:switch", args=[team.pk]))
    session = c.session
    state = WizardState(session)
    state.set_config({"training_hours": 10, "gpu_count": 1})
    state.set_selection(q.option, None, PAYLOAD)
    session.save()
    assert "Launch on RunPod" in c.get(reverse("launch:from_wizard")).content.decode()
    r = c.post(reverse("launch:from_wizard"), {"budget_usd": "45", "image": "img", "disk_gb": "50", "confirm": "on",
                                               "idempotency_key": "w1", "shown_usd_per_hour": str(q.usd_per_hour)})
    launch = Launch.objects.get()
    assert r["Location"] == reverse("launch:job", args=[launch.pk]) and launch.team == team
    assert c.session["training_wizard"]["job_id"] == launch.pk


def test_connect_account_page_owner_only_and_key_never_shown(team, owner, member, fakes):
    c = login(owner)
    c.post(reverse("teams:switch", args=[team.pk]))
    r = c.post(reverse("launch:accounts"), {"provider": "runpod", "api_key": "rp-WRONG-0000000000"})
    page = r.content.decode()
    assert "refused the key" in page and "rp-WRONG" not in page
    r = c.post(reverse("launch:accounts"), {"provider": "runpod", "api_key": KEYS["runpod"]}, follow=True)
    page = r.content.decode()
    assert KEYS["runpod"] not in page and "…" + KEYS["runpod"][-4:] in page
    m = login(member)
    m.post(reverse("teams:switch", args=[team.pk]))
    assert m.post(reverse("launch:accounts"), {"provider": "vast", "api_key": KEYS["vast"]}).status_code == 403
    account = ProviderAccount.objects.get()
    assert m.post(reverse("launch:account_delete", args=[account.pk])).status_code == 403
    assert login_outsider_delete(account) == 404
    assert c.post(reverse("launch:account_delete", args=[account.pk])).status_code == 302
    assert not ProviderAccount.objects.exists()


def login_outsider_delete(account):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user("stranger", password="stranger-pass-1")
    return login(u).post(reverse("launch:account_delete", args=[account.pk])).status_code


def test_template_env_is_encrypted_and_never_rendered(team, owner):
    c = login(owner)
    c.post(reverse("teams:switch", args=[team.pk]))
    r = c.post(reverse("launch:template"), {"image": "my/image:1", "command": "python t.py", "disk_gb": "80",
                                            "env": "HF_TOKEN=hf_SECRETVALUE123\nWANDB_MODE=offline"}, follow=True)
    page = r.content.decode()
    assert "hf_SECRETVALUE123" not in page and "HF_TOKEN" in page
    tpl = team.launch_template
    assert "hf_SECRETVALUE123" not in tpl.env_encrypted and services._env_of(tpl.env_encrypted)["HF_TOKEN"] == "hf_SECRETVALUE123"


def test_stray_actions(team, owner, outsider, connect, fakes):
    (account,) = connect("runpod")
    fakes._new("runpod", "cps-77-1", "RUNNING")
    services.sweep_strays()
    stray = StrayInstance.objects.get()
    c = login(owner)
    c.post(reverse("teams:switch", args=[team.pk]))
    assert "cps-77-1" in c.get(reverse("launch:jobs")).content.decode()
    assert login(outsider).post(reverse("launch:stray_action", args=[stray.pk]), {"action": "terminate"}).status_code == 404
    assert fakes.running("runpod")
    c.post(reverse("launch:stray_action", args=[stray.pk]), {"action": "terminate"})
    assert not fakes.running("runpod")


def test_modal_job_gets_a_script(owner, team):
    job = wizard_services.job_create(user=owner, team=team, configuration={}, recommended=None, estimate=None,
                                     selection_id=None, chosen={"id": "modal:H100:x:1", "provider": "modal",
                                                                "provider_name": "Modal", "gpu_slug": "h100-sxm",
                                                                "gpu_count": 1, "hourly_rate": 3.95, "total_cost": 39.5,
                                                                "training_hours": 10})
    page = login(owner).get(reverse("launch:start", args=[job.pk])).content.decode()
    assert "modal run train_modal.py" in page and "gpu=&#x27;H100&#x27;" in page


def test_api_token_is_created_on_request(owner):
    from rest_framework.authtoken.models import Token

    page = login(owner).post(reverse("launch:api_token")).content.decode()
    assert Token.objects.get(user=owner).key in page


def test_compare_page_shows_launch_outcomes_this_week(team, owner, connect, polled, fakes, client):
    connect("runpod", "lambda", "vast")
    fakes.fail_launch["vast"] = ["capacity"]
    services.launch_execute(job_id=submit(team, owner, "vast", key="o1").pk)
    services.launch_execute(job_id=submit(team, owner, "vast", key="o2").pk)
    from launch.selectors import outcome_words, outcomes_this_week

    vast = quote_for(team, "vast").option
    assert outcome_words(outcomes_this_week(), vast) == "launched 1 of 2 times this week"
    page = client.get("/compare/?providers=vast&training_hours=10").content.decode()
    assert "launched 1 of 2 times this week" in page


def test_job_page_offers_launch_then_follows_it(recorded_job, owner, connect):
    connect("runpod")
    c = login(owner)
    page = c.get(reverse("job_detail", args=[recorded_job.pk])).content.decode()
    assert "Launch on RunPod" in page and reverse("launch:start", args=[recorded_job.pk]) in page
    submit_job = services.launch_quote(team=recorded_job.team, payload=PAYLOAD, option_id=recorded_job.chosen["id"])
    services.launch_submit(team=recorded_job.team, user=owner, quote=submit_job, budget_usd=40, confirm=True,
                           idempotency_key="jp", job=recorded_job)
    # Once launched, the launch page is the job's one page: old links to /jobs/<id>/ land there.
    r = c.get(reverse("job_detail", args=[recorded_job.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("launch:job", args=[recorded_job.pk])
    page = c.get(r["Location"]).content.decode()
    assert "Compare again at today" in page and 'name="notes"' in page


def test_one_click_calibration_from_a_finished_job(team, owner, connect, polled, fakes):
    import datetime as dt

    from django.utils import timezone

    connect("runpod")
    q = quote_for(team, "runpod")
    launch, _ = services.launch_submit(team=team, user=owner, quote=q, budget_usd=100, confirm=True, idempotency_key="cal",
                                       configuration={"model_params_b": 7, "method": "lora", "precision": "bf16",
                                                      "dataset_tokens": 10_000_000, "epochs": 1})
    launch = services.launch_execute(job_id=launch.pk)
    t0 = timezone.now()
    services.launch_track(job_id=launch.pk, now=t0)
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=1))
    fakes.set_status(launch.instance_id, "EXITED")
    done = services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(hours=2, minutes=1))
    assert done.status == "finished" and done.measured_hours == 2
    c = login(owner)
    page = c.get(reverse("launch:job", args=[launch.pk])).content.decode()
    assert "Measured duration" in page and "Calibrate the estimator" in page
    cal = c.get(reverse("launch:calibrate", args=[launch.pk])).content.decode()
    assert "calibrated from measured hours" in cal, cal[cal.find("<main"):][:1500]
