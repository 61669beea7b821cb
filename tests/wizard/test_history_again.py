"""History items and jobs in words, and "compare again at today's prices" on each (issue #13)."""

import pytest

from wizard.models import Comparison

from .test_wizard import JOB, LAMBDA_A100, configure, select

pytestmark = pytest.mark.django_db


def test_a_wizard_selection_reads_as_words_not_python(owner_client, prices):
    configure(owner_client, gpu_count="")
    select(owner_client, LAMBDA_A100)
    item = Comparison.objects.get()
    body = owner_client.get(f"/history/{item.pk}/").content.decode()
    assert "{&#x27;model_params_b&#x27;" not in body and "{'model_params_b'" not in body
    assert "7B LoRA fine-tune in BF16 on 10,000,000 tokens × 3 epochs" in body
    assert "whatever GPU count fits" in body and "local RTX 4090 at $0.30/kWh" in body
    assert "Compare again at today&#x27;s prices" in body or "Compare again at today's prices" in body
    listing = owner_client.get("/history/").content.decode()
    assert "7B LoRA fine-tune" in listing and listing.count("Compare again at today") >= 1


def test_compare_again_puts_the_job_back_in_the_wizard_at_todays_prices(owner_client, prices):
    configure(owner_client, model_params_b="13")
    select(owner_client, LAMBDA_A100)
    item = Comparison.objects.get()
    owner_client.post("/wizard/configure/", {**JOB, "model_params_b": "70"})  # the wizard moved on
    r = owner_client.post(f"/history/{item.pk}/again/")
    assert r.status_code == 302 and r["Location"] == "/wizard/providers/"
    body = owner_client.get("/wizard/providers/").content.decode()
    assert "For: 13.0B parameters" in body


def test_compare_again_on_a_saved_compare_reopens_compare_with_its_filters(owner_client, prices):
    owner_client.post("/compare/save/", {"training_hours": "5", "local_gpu_type": "RTX 4090", "providers": ["lambda"]})
    item = Comparison.objects.get()
    r = owner_client.post(f"/history/{item.pk}/again/")
    assert r.status_code == 302 and r["Location"].startswith("/compare/?")
    assert "training_hours=5" in r["Location"] and "providers=lambda" in r["Location"]
    assert "hours_measured_on=RTX+4090" in r["Location"]


def test_a_job_offers_compare_again_too(owner_client, prices):
    configure(owner_client)
    select(owner_client, LAMBDA_A100)
    owner_client.post("/wizard/review/")
    from wizard.models import TrainingJob

    job = TrainingJob.objects.get()
    body = owner_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "7B LoRA fine-tune" in body and "Compare again at today" in body
    assert owner_client.post(f"/jobs/{job.pk}/again/")["Location"] == "/wizard/providers/"
