"""Issue 15's acceptance, walked through the pages a team uses, against fake RunPod, Lambda and
Vast.ai servers in their real shapes (tests/launch/fake_providers.py):

a team connects its accounts; plans a job in the wizard and launches it from the review step with
a confirmed budget; the first choice (Vast.ai, the cheapest H100) has no capacity, so the second
(the same GPU on RunPod) launches; the job page shows it provision and run with spend ticking; it
is terminated and the job page and the team's history show the actual cost beside the estimate;
the compare page shows the launch outcomes; a second wizard job that runs long is stopped by its
budget, and the team is told in the nav badge. Every page, API answer, e-mail and captured log line
of the walk is searched for each key and every 8-character fragment of it."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from launch import services
from launch.models import Launch

from .conftest import login
from .fake_providers import KEYS

pytestmark = pytest.mark.django_db

STEP1 = {"model_params_b": "7", "method": "lora", "precision": "bf16", "dataset_tokens": "10000000", "epochs": "3",
         "gpu_count": "1"}
STEP2 = "?providers=runpod&providers=lambda&providers=vast"


def fragments(key: str, n: int = 8) -> set[str]:
    return {key[i:i + n] for i in range(len(key) - n + 1)}


def _value(page: str, name: str) -> str:
    m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(rf'value="([^"]*)"[^>]*name="{name}"', page)
    assert m, f"no {name} in the page"
    return html.unescape(m.group(1))


def _spend(fragment: str) -> Decimal:
    return Decimal(re.search(r'id="spend">\$([0-9,.]+)', fragment).group(1).replace(",", ""))


def _wizard_launch(c: Client, outputs: list, provider: str, *, budget: str | None = None) -> int:
    """Step 1 (the workload), step 2 (the three providers), select ``provider``'s H100, review, then
    the review step's "Launch on <provider>" with the confirmed budget. Returns the job id."""
    def keep(r):
        outputs.append(r.content.decode())
        return outputs[-1]

    r = c.post(reverse("wizard:configure"), STEP1)
    assert r.status_code == 302, keep(r)[:2000]
    step2 = keep(c.get(reverse("wizard:providers") + STEP2))
    option_id = next(html.unescape(i) for i in re.findall(r'name="option_id" value="([^"]+)"', step2)
                     if i.startswith(f"{provider}:"))
    assert c.post(reverse("wizard:providers"), {"option_id": option_id})["Location"] == reverse("wizard:review")
    review = keep(c.get(reverse("wizard:review")))
    assert reverse("launch:from_wizard") in review and "Launch on" in review
    confirm = keep(c.get(reverse("launch:from_wizard")))
    assert 'name="budget_usd"' in confirm and "the estimate × 1.5" in confirm
    data = {"budget_usd": budget or _value(confirm, "budget_usd"), "allow_failover": "on", "confirm": "on",
            "image": _value(confirm, "image"), "command": "python train.py", "disk_gb": _value(confirm, "disk_gb"),
            "idempotency_key": _value(confirm, "idempotency_key"),
            "shown_usd_per_hour": _value(confirm, "shown_usd_per_hour")}
    r = c.post(reverse("launch:from_wizard"), data)
    assert r.status_code == 302 and r["Location"].startswith("/launch/jobs/"), keep(r)[:3000]
    return int(r["Location"].rstrip("/").split("/")[-1])


def test_the_acceptance_walk_through_the_pages(team, owner, member, fakes, polled, monkeypatch, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(services, "enqueue", lambda name, *args: None)  # the worker is the launch_execute calls below
    outputs: list[str] = []
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=owner)[0].key}")
    c = login(owner)
    c.post(reverse("teams:switch", args=[team.pk]))

    # The team connects its RunPod, Lambda and Vast.ai accounts.
    for p in ("runpod", "lambda", "vast"):
        page = c.post(reverse("launch:accounts"), {"provider": p, "api_key": KEYS[p],
                                                   "ssh_public_key": "ssh-ed25519 AAAAC3Nza team@example"}, follow=True)
        outputs.append(page.content.decode())
        assert "connected (key …" + KEYS[p][-4:] in outputs[-1]
    outputs.append(api.get(f"/api/cloud/provider-accounts?team={team.pk}").content.decode())

    # A wizard job on the cheapest H100 (Vast.ai), which has no capacity: the second choice launches.
    fakes.fail_launch["vast"] = ["capacity"]
    job_id = _wizard_launch(c, outputs, "vast")
    launch = Launch.objects.get(pk=job_id)
    assert launch.team == team and launch.status == "launching" and launch.provider == "vast"
    assert launch.job.configuration["model_params_b"] == 7  # the wizard's job, with its workload
    services.launch_execute(job_id=job_id)  # the worker
    launch = Launch.objects.get(pk=job_id)
    assert launch.status == "provisioning" and launch.provider == "runpod"  # same GPU elsewhere first
    assert list(launch.attempts.values_list("provider", "outcome")) == [("vast", "capacity"), ("runpod", "succeeded")]
    assert not fakes.running("vast") and len(fakes.running("runpod")) == 1
    page = c.get(reverse("launch:job", args=[job_id])).content.decode()
    outputs.append(page)
    assert 'data-status="provisioning"' in page and "No capacity" in page and "error 404/3603" in page

    # Provisioning -> running, spend ticking on the page (the htmx fragment the page refreshes with).
    t0 = timezone.now()
    services.launch_track(job_id=job_id, now=t0)
    services.launch_track(job_id=job_id, now=t0 + dt.timedelta(minutes=1))
    spends = []
    for minutes in (5, 20, 45):
        services.launch_track(job_id=job_id, now=t0 + dt.timedelta(minutes=minutes))
        frag = c.get(reverse("launch:job", args=[job_id]), HTTP_HX_REQUEST="true").content.decode()
        outputs.append(frag)
        assert 'data-status="running"' in frag and "ssh.runpod.io" in frag
        spends.append(_spend(frag))
    assert spends[0] < spends[1] < spends[2]
    outputs.append(api.get(f"/api/cloud/jobs/{job_id}").content.decode())

    # Terminate from the job page; the actual cost beside the estimate, there and in the team's history.
    assert c.post(reverse("launch:terminate", args=[job_id])).status_code == 302
    assert not fakes.running()
    done = Launch.objects.get(pk=job_id)
    assert done.status == "terminated" and done.spend_usd >= spends[-1] > 0
    page = c.get(reverse("launch:job", args=[job_id])).content.decode()
    outputs.append(page)
    vs = re.search(r'id="actual-vs-estimate">([^<]+)<', page).group(1)
    assert f"${done.spend_usd.quantize(Decimal('0.01')):,.2f} vs ${done.estimate_usd:,.2f}" in vs
    for who in (c, login(member)):
        history = who.get(reverse("history")).content.decode()
        outputs.append(history)
        row = history[history.index(f'data-job="{job_id}"'):].split("</tr>")[0]
        assert f"${done.estimate_usd:,.2f}" in row and f"${done.spend_usd.quantize(Decimal('0.01')):,.2f}" in row
    outputs.append(c.get(reverse("launch:jobs")).content.decode())
    assert f"${done.estimate_usd:,.2f}" in outputs[-1]

    # The compare page shows the launch outcomes beside each offer's availability.
    compare = Client().get("/compare/?providers=vast&providers=runpod&training_hours=10").content.decode()
    outputs.append(compare)
    assert "launched 0 of 1 time this week" in compare and "launched 1 of 1 time this week" in compare

    # A second wizard job runs long: its budget stops it, and the team is told.
    long_id = _wizard_launch(c, outputs, "runpod", budget="3")
    services.launch_execute(job_id=long_id)
    start = Launch.objects.get(pk=long_id).billing_started_at  # RunPod bills from the create
    for minutes in (1, 2, 50, 61):  # $2.99/h: 80% of $3 after ~48 min, 100% after ~60 min
        services.launch_track(job_id=long_id, now=start + dt.timedelta(minutes=minutes))
    stopped = Launch.objects.get(pk=long_id)
    assert stopped.status == "terminated" and stopped.end_reason == "budget reached"
    assert not fakes.running()
    page = c.get(reverse("launch:job", args=[long_id])).content.decode()
    outputs.append(page)
    assert "budget reached" in page
    outputs.append(api.get(f"/api/cloud/jobs/{long_id}").content.decode())
    m = login(member)
    nav = m.get("/").content.decode()
    outputs.append(nav)
    assert 'Notifications <span class="tag">2<' in nav  # 80% and the stop
    notes = m.get(reverse("pricing:notifications")).content.decode()
    outputs.append(notes)
    assert f"Job #{long_id} has used 80% of its budget" in notes and f"Job #{long_id} terminated: budget reached" in notes

    # No key, nor any 8-character fragment of one, in any output of the walk.
    outputs += [f"{msg.subject}\n{msg.body}" for msg in mail.outbox]
    outputs += [r.getMessage() for r in caplog.records]
    out, err = capfd.readouterr()
    outputs += [out, err]
    assert len(outputs) > 30 and any("budget reached" in t for t in outputs)
    leaks = [(p, frag) for p, key in KEYS.items() for frag in fragments(key) for text in outputs if frag in text]
    assert leaks == []


def test_spend_never_goes_down_when_a_later_call_has_an_earlier_clock(team, owner, connect, polled, fakes):
    """Found by the walk: a terminate from a page whose clock is behind the tracker's (another host)
    recomputed the spend from its own clock and took back what the tracker had already counted."""
    from .conftest import submit

    connect("runpod")
    launch = services.launch_execute(job_id=submit(team, owner, "runpod").pk)
    t0 = timezone.now()
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=1))
    counted = services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=30)).spend_usd
    assert counted > 1
    done = services.launch_terminate(launch=Launch.objects.get(pk=launch.pk), reason="terminated by the user", now=t0)
    assert done.status == "terminated" and done.spend_usd == counted
