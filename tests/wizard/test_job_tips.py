"""Cost tips that apply to this job (issue #13): a smaller GPU that fits, QLoRA when a full
fine-tune does not fit, spot for a short job, the cheapest price seen in the history."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from selector.compare import AnsweredOption
from selector.engine import Option, OptionInput
from selector.query import CompareQuery
from selector.workload import workload_from
from wizard.compare_page import PageOption
from wizard.job_tips import job_tips as job_tip_values

from .prices import seed_prices

pytestmark = pytest.mark.django_db


def job_tips(options, rec, query) -> list[str]:
    """The tips as the pages say them (wizard/_job_tip.html writes each Tip)."""
    return [render_to_string("wizard/_job_tip.html", {"t": t}) for t in job_tip_values(options, rec, query)]


def _o(id, gpu, mem, total, *, count=1, provider="runpod", interruptible=False, finish=1.0, rate=1.0):
    """A typed option as the pages get it (no setup time, so it finishes after its training hours)."""
    offer = OptionInput(id=id, provider=provider, provider_name=provider.title(), gpu_slug=gpu.lower(), gpu_type=gpu,
                        gpu_count=count, gpu_memory_gb=mem, hourly_rate=Decimal(str(rate)), setup_minutes=(0, 0),
                        setup_time="Immediate", billing_increment_seconds=60, availability="high", source="live",
                        interruptible=interruptible)
    return PageOption(AnsweredOption(Option(offer, training_hours=finish, total_cost=Decimal(str(total)),
                                            billed_hours=Decimal(str(finish)))))


def test_a_smaller_gpu_that_fits_is_named():
    rec = _o("a", "H100 SXM", 80, 5.0)
    tips = job_tips([rec, _o("b", "L40S", 48, 4.5)], rec, CompareQuery(training_hours=1))
    assert any(t.startswith("A smaller GPU fits this job: L40S on Runpod (48 GB per GPU) for $4.50") for t in tips)


def test_spot_is_suggested_for_a_short_job_only():
    rec = _o("a", "RTX 4090", 24, 2.0, finish=2.0)
    spot = _o("s", "RTX 4090", 24, 0.9, provider="vast", interruptible=True)
    tips = job_tips([rec, spot], rec, CompareQuery(training_hours=2))
    assert any("interruptible (spot)" in t and "$0.90" in t for t in tips)
    rec_long = _o("a", "RTX 4090", 24, 2.0, finish=20.0)
    tips = job_tips([rec_long, spot], rec_long, CompareQuery(training_hours=20))
    assert not any("spot" in t for t in tips)


def test_qlora_is_suggested_when_a_full_fine_tune_needs_several_gpus():
    query = CompareQuery(workload=workload_from({"model_params_b": 13, "method": "full", "precision": "bf16",
                                                 "dataset_tokens": 20_000_000}))
    tips = job_tips([], None, query)
    assert any(t.startswith("QLoRA") and "13B" in t for t in tips)


def test_the_cheapest_price_in_the_history_is_named(client):
    seed_prices(providers=("lambda",), price_factor=Decimal("0.6"))
    seed_prices(providers=("lambda",))
    body = client.get("/compare/?providers=lambda&training_hours=3&hours_measured_on=same").content.decode()
    assert "Cost tips for this job" in body
    assert "Lambda asked $0.77 per GPU-hour for A100 80GB SXM on" in body and "the lowest in 30 days" in body
