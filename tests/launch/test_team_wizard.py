"""A team's jobs are the team's in the wizard too: the review step records the job under the team
the user is acting for (as a launch from the wizard does), a run a teammate measured calibrates
everyone's estimate, and a job-cost alert can watch a teammate's job but never an outsider's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alerts.forms import PriceAlertForm
from pricing.models import GpuModel
from teams.selectors import SESSION_KEY
from tests.wizard.prices import seed_prices
from wizard import services as wizard_services
from wizard.estimate_table import measured_runs
from wizard.models import TrainingJob

from .conftest import login

pytestmark = pytest.mark.django_db

JOB = {"model_params_b": "7", "method": "lora", "precision": "bf16", "dataset_tokens": "10000000", "epochs": "1",
       "gpu_count": "1"}
LAMBDA_A100 = "lambda:gpu_1x_a100_sxm4:us-east-1:1"
CHOSEN = {"gpu_slug": "rtx-4090", "gpu_count": 1, "provider": "runpod", "hourly_rate": 0.69, "total_cost": 3.0,
          "training_hours": 4}


def test_the_review_step_records_the_job_under_the_team_the_user_acts_for(team, member):
    seed_prices()
    c = login(member)
    session = c.session
    session[SESSION_KEY] = team.pk
    session.save()
    assert c.post("/wizard/configure/", JOB).status_code == 302
    assert c.post("/wizard/providers/", {"option_id": LAMBDA_A100})["Location"] == "/wizard/review/"
    assert c.post("/wizard/review/")["Location"] == "/wizard/launch/"
    job = TrainingJob.objects.get(user=member)
    assert job.team == team
    assert c.get("/wizard/launch/").status_code == 200


def _measured(user, team=None) -> TrainingJob:
    job = wizard_services.job_create(user=user, team=team, configuration={
        "model_params_b": 7, "method": "lora", "precision": "bf16", "dataset_tokens": 10_000_000, "epochs": 1,
        "gpu_count": 1}, chosen=CHOSEN, recommended=None, estimate=None, selection_id=None)
    return wizard_services.job_record_throughput(job=job, tokens_per_second=6000)


def test_a_run_a_teammate_measured_is_offered_to_every_member_and_no_outsider(team, owner, member, outsider):
    job = _measured(owner, team)
    assert [r.job_id for r in measured_runs(member)] == [job.pk]
    assert [r.job_id for r in measured_runs(owner)] == [job.pk]
    assert measured_runs(outsider) == []
    page = login(member).get("/wizard/configure/").content.decode()
    assert "6,000 tokens/s" in page


def test_a_job_cost_alert_can_watch_a_teammates_job_but_not_an_outsiders(team, owner, member, outsider):
    gpu = GpuModel.objects.get(slug="rtx-4090")
    teammates = _measured(owner, team)
    outsiders = _measured(outsider)
    data = {"gpu": gpu.pk, "kind": "job_cost_at_or_below", "threshold_usd": "2.50"}
    assert PriceAlertForm({**data, "job": teammates.pk}, user=member).is_valid()
    form = PriceAlertForm({**data, "job": outsiders.pk}, user=member)
    assert not form.is_valid() and "job" in form.errors
    assert Decimal(form.data["threshold_usd"]) == Decimal("2.50")
