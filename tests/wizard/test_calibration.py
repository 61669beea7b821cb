"""Calibration from the user's own runs: a job's measured throughput is kept, and step 1 of the
wizard offers it first, scaled to the new job."""

import pytest

from pricing.gpus import GPUS_BY_SLUG
from selector.estimator import tokens_per_second
from selector.workload import workload_from as workload_from_validated
from wizard import selectors, services
from wizard.models import TrainingJob
from wizard.state import KEY

from .prices import seed_prices

pytestmark = pytest.mark.django_db

JOB = {"model_params_b": "7", "method": "lora", "precision": "bf16", "dataset_tokens": "10000000", "epochs": "1",
       "gpu_count": "1"}


def a_job(user, **kw) -> TrainingJob:
    return TrainingJob.objects.create(
        user=user, configuration={"model_params_b": 7, "method": "lora", "precision": "bf16", "dataset_tokens": 10_000_000,
                                  "epochs": 1, "gpu_count": 1},
        chosen={"gpu_slug": "rtx-4090", "gpu_count": 1, "provider": "runpod"}, provider="runpod",
        usd_per_hour="0.69", total_cost_usd="3.00", training_hours="4.00", name="LoRA on a 4090", **kw)


def test_a_job_page_keeps_a_measured_throughput(owner_client, owner):
    job = a_job(owner)
    body = owner_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "How fast did it run?" in body
    r = owner_client.post(f"/jobs/{job.pk}/throughput/", {"tokens_per_second": "3100", "gpu_type": "rtx-4090", "gpu_count": "1"})
    assert r.status_code == 302
    job.refresh_from_db()
    assert (job.measured_tokens_per_second, job.measured_gpu_type, job.measured_gpu_count) == (3100, "rtx-4090", 1)
    assert job.measured_at is not None


def test_a_bad_throughput_is_refused_with_a_message(owner_client, owner):
    job = a_job(owner)
    r = owner_client.post(f"/jobs/{job.pk}/throughput/", {"tokens_per_second": "-5"}, follow=True)
    assert "Give the measured throughput" in r.content.decode()
    job.refresh_from_db()
    assert job.measured_tokens_per_second is None


def test_without_a_measured_run_step_1_offers_no_calibration(owner_client, owner):
    a_job(owner)
    body = owner_client.get("/wizard/configure/").content.decode()
    assert "Calibrate from your own run" not in body


def test_a_measured_run_is_the_first_thing_step_1_offers(owner_client, owner, prices):
    job = services.job_record_throughput(job=a_job(owner), tokens_per_second=3100)
    body = owner_client.get("/wizard/configure/").content.decode()
    assert "Calibrate from your own run" in body
    assert body.index("Calibrate from your own run") < body.index("<legend>The job</legend>")
    assert f'<option value="{job.pk}" selected>' in body
    assert "Estimates calibrated from measured throughput on 1 x RTX 4090" in body


def test_the_same_job_calibrates_to_its_own_measurement():
    run = selectors.MeasuredRun(1, "", 3100.0, "rtx-4090", 1, {"model_params_b": 7, "method": "lora", "dataset_tokens": 1e7})
    fields = selectors.calibration_fields(run, {"model_params_b": 7, "method": "lora", "dataset_tokens": 5e7})
    assert fields == {"measured_tokens_per_second": pytest.approx(3100, rel=1e-3), "measured_gpu_type": "rtx-4090",
                      "measured_gpu_count": 1}


def test_another_job_is_calibrated_by_the_runs_correction_factor():
    run = selectors.MeasuredRun(1, "", 3100.0, "rtx-4090", 1, {"model_params_b": 7, "method": "lora", "dataset_tokens": 1e7})
    fields = selectors.calibration_fields(run, {"model_params_b": 13, "method": "qlora", "dataset_tokens": 1e8})
    gpu = GPUS_BY_SLUG["rtx-4090"]
    model_7b = tokens_per_second(workload_from_validated({"model_params_b": 7, "method": "lora", "dataset_tokens": 1e7}), gpu, 1)
    model_13b = tokens_per_second(workload_from_validated({"model_params_b": 13, "method": "qlora", "dataset_tokens": 1e8}), gpu, 1)
    assert fields["measured_tokens_per_second"] == pytest.approx(3100 / model_7b * model_13b, rel=1e-3)


def test_choosing_the_run_calibrates_the_whole_wizard(owner_client, owner):
    seed_prices()
    job = services.job_record_throughput(job=a_job(owner), tokens_per_second=6000)
    r = owner_client.post("/wizard/configure/", {**JOB, "calibrate_from": str(job.pk)})
    assert r.status_code == 302
    config = owner_client.session[KEY]["config"]
    assert config["measured_gpu_type"] == "rtx-4090" and config["measured_tokens_per_second"] == pytest.approx(6000, rel=1e-3)
    from wizard.questions import wizard_query

    workload = wizard_query(config, {}).workload  # the typed question step 2 asks
    assert workload.measured_gpu_type == "rtx-4090" and workload.measured_gpu_count == 1
    assert owner_client.get("/wizard/providers/").status_code == 200
    review_rows = dict(selectors.config_rows(config))
    assert review_rows["Calibrated from your run"].startswith("6,000 tokens/s for this job on 1× rtx-4090")


def test_not_calibrating_is_one_choice_away(owner_client, owner):
    job = services.job_record_throughput(job=a_job(owner), tokens_per_second=6000)
    owner_client.post("/wizard/configure/", {**JOB, "calibrate_from": ""})
    config = owner_client.session[KEY]["config"]
    assert "measured_tokens_per_second" not in config
    assert job.pk


def test_another_users_runs_are_never_offered(client, owner, outsider):
    services.job_record_throughput(job=a_job(outsider), tokens_per_second=6000)
    assert selectors.measured_runs(owner) == []
