"""/api/cloud/provider-accounts and /api/cloud/jobs: token auth, team scope, confirm, idempotency,
status and terminate; and the acceptance walk with every output grepped for the keys."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from launch import services
from launch.models import Launch

from .conftest import PAYLOAD, login
from .fake_providers import KEYS

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def _option_id(provider="runpod"):
    r = Client().post("/api/cloud/compare-costs", PAYLOAD, content_type="application/json")
    return next(o["id"] for o in r.json()["options"] if o["provider"] == provider)


def test_anonymous_and_bad_token_get_401(db):
    for path in ("/api/cloud/provider-accounts", "/api/cloud/jobs/1"):
        assert Client().get(path).status_code == 401
        assert Client(HTTP_AUTHORIZATION="Token nope").get(path).status_code == 401


def test_accounts_api(team, owner, member, outsider, fakes):
    r = api(owner).post(f"/api/cloud/provider-accounts?team={team.pk}", {"provider": "runpod", "api_key": KEYS["runpod"]},
                        content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) >= {"id", "provider", "key_last4", "checked_at"} and body["key_last4"] == KEYS["runpod"][-4:]
    bad = api(owner).post(f"/api/cloud/provider-accounts?team={team.pk}", {"provider": "vast", "api_key": "vast-WRONG-000000"},
                          content_type="application/json")
    assert bad.status_code == 400 and "refused the key" in bad.json()["api_key"][0] and "WRONG" not in bad.content.decode()
    assert api(member).post(f"/api/cloud/provider-accounts?team={team.pk}", {"provider": "vast", "api_key": KEYS["vast"]},
                            content_type="application/json").status_code == 403
    assert [a["provider"] for a in api(member).get(f"/api/cloud/provider-accounts?team={team.pk}").json()] == ["runpod"]
    assert api(outsider).get(f"/api/cloud/provider-accounts?team={team.pk}").status_code == 404
    assert api(outsider).delete(f"/api/cloud/provider-accounts/{body['id']}").status_code == 404
    assert api(member).delete(f"/api/cloud/provider-accounts/{body['id']}").status_code == 403
    assert api(owner).delete(f"/api/cloud/provider-accounts/{body['id']}").status_code == 204


def test_job_api_without_confirm_says_what_and_cost(team, owner, connect, polled, fakes):
    connect("runpod")
    r = api(owner).post(f"/api/cloud/jobs?team={team.pk}", {"option_id": _option_id(), "training_hours": 10,
                                                            "budget_usd": 50}, content_type="application/json")
    assert r.status_code == 400
    body = r.json()
    assert "Would launch 1x H100" in body["confirm"][0] and body["would_launch"]["estimate_usd"]
    assert not Launch.objects.exists() and not fakes.launches()


def test_job_api_bad_input_names_the_field(team, owner):
    c = api(owner)
    assert "option_id" in c.post("/api/cloud/jobs", {"training_hours": 1}, content_type="application/json").json()
    assert "training_hours" in c.post("/api/cloud/jobs", {"option_id": "runpod:x:y:1"}, content_type="application/json").json()
    r = c.post("/api/cloud/jobs", {"option_id": "runpod:x:y:1", "training_hours": 1, "budget_usd": -1},
               content_type="application/json")
    assert r.status_code == 400 and "budget_usd" in r.json()
    r = c.post("/api/cloud/jobs", "not json", content_type="application/json")
    assert r.status_code == 400


def test_job_api_lifecycle_with_idempotency(team, owner, member, outsider, connect, polled, fakes):
    connect("runpod")
    body = {"option_id": _option_id(), "training_hours": 10, "budget_usd": 50, "confirm": True,
            "env": {"WANDB_MODE": "offline"}, "command": "python train.py"}
    c = api(owner)
    r = c.post(f"/api/cloud/jobs?team={team.pk}", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ci-run-1")
    assert r.status_code == 201, r.content
    job_id = r.json()["id"]
    again = c.post(f"/api/cloud/jobs?team={team.pk}", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ci-run-1")
    assert again.status_code == 200 and again.json()["id"] == job_id and Launch.objects.count() == 1
    services.launch_execute(job_id=job_id)
    services.launch_track(job_id=job_id)
    services.launch_track(job_id=job_id)
    got = api(member).get(f"/api/cloud/jobs/{job_id}").json()
    assert got["status"] == "running" and got["provider"] == "runpod"
    assert set(got) >= {"attempts", "spend_usd", "budget_usd", "estimate_usd", "started_at", "ended_at", "connection",
                        "events", "price_as_of"}
    assert got["attempts"][0]["outcome"] == "succeeded" and got["connection"]["ssh"]
    assert fakes.launches("runpod")[0]["body"]["env"] == {"WANDB_MODE": "offline"}
    assert api(outsider).get(f"/api/cloud/jobs/{job_id}").status_code == 404
    assert api(outsider).post(f"/api/cloud/jobs/{job_id}/terminate", content_type="application/json").status_code == 404
    t = c.post(f"/api/cloud/jobs/{job_id}/terminate", content_type="application/json")
    assert t.status_code == 202 and t.json()["status"] == "terminated"
    assert not fakes.running()


def test_job_api_by_provider_sku(team, owner, connect, polled, fakes):
    connect("lambda")
    r = api(owner).post(f"/api/cloud/jobs?team={team.pk}", {"provider": "lambda", "provider_sku": "gpu_1x_h100_sxm5",
                                                            "gpu_count": 1, "training_hours": 5, "budget_usd": 30,
                                                            "confirm": True}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["provider_sku"] == "gpu_1x_h100_sxm5"


def test_job_api_price_moved_is_409(team, owner, connect, polled, fakes):
    connect("runpod")
    oid = _option_id()
    fakes.prices["runpod"] = 3.50
    r = api(owner).post(f"/api/cloud/jobs?team={team.pk}", {"option_id": oid, "training_hours": 10, "budget_usd": 50,
                                                            "confirm": True, "expected_usd_per_hour": 2.99},
                        content_type="application/json")
    assert r.status_code == 409 and "moved" in r.json()["detail"]


def test_acceptance_walk_never_shows_a_key(team, owner, fakes, polled, caplog, capfd):
    """A team connects RunPod, Lambda and Vast.ai, launches (first choice out of capacity: the second
    runs), sees it provision and run with spend ticking, terminates it and sees the actual cost; a
    second job runs past its budget and is stopped. Every page, API answer, e-mail and log line of
    the walk is searched for the keys."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    caplog.set_level(logging.DEBUG)
    outputs = []
    c = login(owner)
    c.post(reverse("teams:switch", args=[team.pk]))
    for p in ("runpod", "lambda", "vast"):
        r = c.post(reverse("launch:accounts"), {"provider": p, "api_key": KEYS[p],
                                                "ssh_public_key": "ssh-ed25519 AAAA team"}, follow=True)
        outputs.append(r.content.decode())
    outputs.append(api(owner).get(f"/api/cloud/provider-accounts?team={team.pk}").content.decode())
    fakes.fail_launch["vast"] = ["capacity"]
    oid = _option_id("vast")
    r = api(owner).post(f"/api/cloud/jobs?team={team.pk}", {"option_id": oid, "training_hours": 10, "budget_usd": 60,
                                                            "confirm": True}, content_type="application/json")
    outputs.append(r.content.decode())
    job_id = r.json()["id"]
    services.launch_execute(job_id=job_id)
    launch = Launch.objects.get(pk=job_id)
    assert launch.provider != "vast" and launch.status == "provisioning"  # the second choice launched
    outputs.append(c.get(reverse("launch:job", args=[job_id])).content.decode())
    t0 = timezone.now()
    services.launch_track(job_id=job_id, now=t0)
    services.launch_track(job_id=job_id, now=t0 + dt.timedelta(minutes=2))
    first = Launch.objects.get(pk=job_id).spend_usd
    services.launch_track(job_id=job_id, now=t0 + dt.timedelta(minutes=10))
    assert Launch.objects.get(pk=job_id).spend_usd > first  # spend ticks
    outputs.append(c.get(reverse("launch:job", args=[job_id]), HTTP_HX_REQUEST="true").content.decode())
    outputs.append(api(owner).get(f"/api/cloud/jobs/{job_id}").content.decode())
    c.post(reverse("launch:terminate", args=[job_id]))
    page = c.get(reverse("launch:job", args=[job_id])).content.decode()
    outputs.append(page)
    assert "Terminated" in page and "Actual vs estimate" in page
    outputs.append(c.get(reverse("launch:jobs")).content.decode())
    # budget stop on a long job
    r = api(owner).post(f"/api/cloud/jobs?team={team.pk}", {"option_id": _option_id("runpod"), "training_hours": 10,
                                                            "budget_usd": 1, "confirm": True}, content_type="application/json")
    long_id = r.json()["id"]
    services.launch_execute(job_id=long_id)
    start = Launch.objects.get(pk=long_id).billing_started_at
    services.launch_track(job_id=long_id, now=start + dt.timedelta(minutes=17))
    services.launch_track(job_id=long_id, now=start + dt.timedelta(minutes=25))
    stopped = Launch.objects.get(pk=long_id)
    assert stopped.status == "terminated" and stopped.end_reason == "budget reached"
    assert not fakes.running()
    outputs.append(api(owner).get(f"/api/cloud/jobs/{long_id}").content.decode())
    outputs += [f"{m.subject}\n{m.body}" for m in mail.outbox]
    outputs += [r.getMessage() for r in caplog.records]
    out, err = capfd.readouterr()
    outputs += [out, err]
    for key in KEYS.values():
        for text in outputs:
            assert key not in text
    assert any("budget" in t for t in outputs)
