"""One-click calibration (issue 15 "the estimator can be calibrated from it in one click (the
calibration the estimator already has)"; issue 14 "becomes the first thing the wizard offers once a
job of theirs has a measured throughput"): the job page's POST keeps the run's measurement as the
job's measured throughput, step 1 of the wizard offers it first, and a new estimate on that GPU uses
it. Team members only, CSRF-protected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from launch import services
from wizard import selectors as wizard_selectors
from wizard.models import TrainingJob
from wizard.state import KEY

from .conftest import login, quote_for

pytestmark = pytest.mark.django_db

WORKLOAD = {"model_params_b": 7, "method": "lora", "precision": "bf16", "dataset_tokens": 10_000_000, "epochs": 1}
STEP1 = {"model_params_b": "7", "method": "lora", "precision": "bf16", "dataset_tokens": "10000000", "epochs": "1",
         "gpu_count": "1"}


@pytest.fixture
def finished(team, owner, connect, polled, fakes):
    """A wizard-planned job that ran 2 h on 1x H100 SXM (RunPod) and exited."""
    connect("runpod")
    q = quote_for(team, "runpod")
    launch, _ = services.launch_submit(team=team, user=owner, quote=q, budget_usd=100, confirm=True,
                                       idempotency_key="cal", configuration={**WORKLOAD, "gpu_count": 1})
    launch = services.launch_execute(job_id=launch.pk)
    t0 = timezone.now()
    services.launch_track(job_id=launch.pk, now=t0)
    services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(minutes=1))
    fakes.set_status(launch.instance_id, "EXITED")
    done = services.launch_track(job_id=launch.pk, now=t0 + dt.timedelta(hours=2, minutes=1))
    assert done.status == "finished" and done.measured_hours == 2
    return done


def _h100_row(workload: dict) -> dict:
    est = wizard_selectors.run_estimate(workload, gpu_count=1, gpu_type="h100-sxm")
    assert not est.errors, est.errors
    return next(r for r in est.result["estimates"] if r["gpu_type"] == "h100-sxm")


def test_the_click_saves_the_calibration_and_new_estimates_use_it(finished, owner):
    before = _h100_row(WORKLOAD)
    assert "calibrated" not in before["assumptions"]["basis"]
    c = login(owner)
    assert "Calibrate the estimator from this run" in c.get(reverse("launch:job", args=[finished.pk])).content.decode()
    r = c.post(reverse("launch:calibrate", args=[finished.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("launch:calibrate", args=[finished.pk])
    job = TrainingJob.objects.get(pk=finished.pk)
    assert (job.measured_gpu_type, job.measured_gpu_count) == ("h100-sxm", 1) and job.measured_at
    # The stored throughput is what the estimator derives from the measured 2 h on that GPU.
    from_hours = _h100_row({**WORKLOAD, "measured_hours": 2, "measured_gpu_type": "h100-sxm", "measured_gpu_count": 1})
    assert job.measured_tokens_per_second == pytest.approx(from_hours["tokens_per_second"], rel=1e-6)
    assert job.measured_tokens_per_second != pytest.approx(before["tokens_per_second"], rel=0.05)
    assert "Saved: step 1 of the wizard offers this run first" in c.get(r["Location"]).content.decode()
    assert finished.events.filter(kind="calibrated").exists()

    # Step 1 offers it first, selected, and its estimate says it is calibrated.
    body = c.get(reverse("wizard:configure")).content.decode()
    assert f'<option value="{job.pk}" selected>' in body
    assert "Estimates calibrated from measured throughput on 1 x H100" in body
    # A new estimate for that GPU, from the wizard's configuration, uses the calibrated throughput.
    assert c.post(reverse("wizard:configure"), {**STEP1, "calibrate_from": str(job.pk)}).status_code == 302
    config = c.session[KEY]["config"]
    row = _h100_row(wizard_selectors.workload_payload(config))
    assert row["assumptions"]["basis"].startswith("calibrated from measured throughput on 1 x H100")
    assert row["tokens_per_second"] == pytest.approx(job.measured_tokens_per_second, rel=1e-2)


def test_a_reported_throughput_is_kept_as_it_is(finished, owner):
    c = login(owner)
    c.post(reverse("launch:throughput", args=[finished.pk]), {"tokens_per_second": "4321"})
    c.post(reverse("launch:calibrate", args=[finished.pk]))
    assert TrainingJob.objects.get(pk=finished.pk).measured_tokens_per_second == 4321


@pytest.mark.parametrize("who,status,saved", [("owner", 302, True), ("member", 302, True), ("outsider", 404, False)])
def test_calibrate_access(finished, owner, member, outsider, who, status, saved):
    user = {"owner": owner, "member": member, "outsider": outsider}[who]
    assert login(user).post(reverse("launch:calibrate", args=[finished.pk])).status_code == status
    assert (TrainingJob.objects.get(pk=finished.pk).measured_tokens_per_second is not None) == saved


def test_calibrate_anonymous_is_sent_to_login(client, finished):
    r = client.post(reverse("launch:calibrate", args=[finished.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert TrainingJob.objects.get(pk=finished.pk).measured_tokens_per_second is None


def test_calibrate_needs_csrf(finished, owner):
    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    assert c.post(reverse("launch:calibrate", args=[finished.pk])).status_code == 403
    assert TrainingJob.objects.get(pk=finished.pk).measured_tokens_per_second is None


def test_a_run_without_a_workload_says_what_is_missing(team, owner, connect, polled, fakes):
    connect("runpod")
    q = quote_for(team, "runpod")
    launch, _ = services.launch_submit(team=team, user=owner, quote=q, budget_usd=100, confirm=True,
                                       idempotency_key="nowl")
    services.launch_execute(job_id=launch.pk)
    r = login(owner).post(reverse("launch:calibrate", args=[launch.pk]), follow=True)
    assert "Calibration needs the job&#x27;s workload" in r.content.decode()
    assert TrainingJob.objects.get(pk=launch.pk).measured_tokens_per_second is None


def test_a_live_run_does_not_calibrate_yet(team, owner, connect, polled, fakes):
    connect("runpod")
    q = quote_for(team, "runpod")
    launch, _ = services.launch_submit(team=team, user=owner, quote=q, budget_usd=100, confirm=True,
                                       idempotency_key="live", configuration={**WORKLOAD, "gpu_count": 1})
    services.launch_execute(job_id=launch.pk)
    login(owner).post(reverse("launch:calibrate", args=[launch.pk]))
    assert TrainingJob.objects.get(pk=launch.pk).measured_tokens_per_second is None
