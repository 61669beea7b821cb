"""One ranking across billing models (issue 11): a fine-tune with a known token count lists
Together's fine-tuning, priced per token, ranked with hourly GPUs by total cost; every option says
how it is billed; Together's dedicated inference endpoints stay out of a training recommendation
unless asked for."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from pricing.providers.price_list import fine_tune_price

from .conftest import offer, seed_provider

pytestmark = pytest.mark.django_db

URL = "/api/cloud/compare-costs"
LORA_7B = {"model_params_b": 7, "method": "lora", "dataset_tokens": 50_000_000, "epochs": 2}


def post(api, body):
    r = api.post(URL, body, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def test_a_7b_lora_fine_tune_lists_together_fine_tuning_priced_per_token_ranked_by_total_cost(seeded, api):
    data = post(api, {"workload": LORA_7B, "validation_tokens": 1_000_000, "evaluations": 4})
    options = data["options"]
    ft = next(o for o in options if o["id"] == "together:fine-tuning:lora")
    price = fine_tune_price("together", "lora", 7).usd_per_million_tokens
    processed = 50_000_000 * 2 + 1_000_000 * 4  # dataset x epochs + validation x evaluations
    assert ft["billing"] == "per_token"
    assert ft["tokens"] == {"tokens_processed": processed, "usd_per_million_tokens": float(price)}
    assert ft["total_cost"] == float((Decimal(processed) * price / 1_000_000).quantize(Decimal("0.01")))
    # The hour equivalent: the total over the estimated hours.
    assert ft["training_hours"] > 0
    assert ft["hourly_rate"] == pytest.approx(ft["total_cost"] / ft["training_hours"], rel=1e-3)
    # Ranked with the hourly GPUs by total cost (sort=cost).
    assert [o["total_cost"] for o in options] == sorted(o["total_cost"] for o in options)
    hourly = [o for o in options if o["billing"] in ("per_hour", "per_second")]
    assert hourly  # one list, one axis: per-token and per-hour options side by side
    position = options.index(ft)
    assert all(o["total_cost"] <= ft["total_cost"] for o in options[:position])
    assert all(o["total_cost"] >= ft["total_cost"] for o in options[position + 1:])
    # What it cannot do is said.
    cons = " ".join(ft["cons"])
    assert "Only the base models Together hosts" in cons and "No custom training code" in cons


def test_every_option_says_how_it_is_billed(seeded, api):
    data = post(api, {"training_hours": 5, "local_gpu_type": "RTX 4090"})
    billing = {o["provider"]: o["billing"] for o in data["options"]}
    assert billing["local"] == "local" and billing["vast"] == "per_second" and billing["runpod"] == "per_hour"
    assert set(billing.values()) <= {"per_hour", "per_second", "per_token", "local"}
    # No workload: no per-token option.
    assert not any(o["billing"] == "per_token" for o in data["options"])


def test_no_per_token_option_for_pretraining_or_a_pinned_gpu(seeded, api):
    data = post(api, {"workload": {**LORA_7B, "method": "pretrain"}})
    assert not any(o["billing"] == "per_token" for o in data["options"])
    data = post(api, {"workload": LORA_7B, "gpu_type": "H100"})
    assert not any(o["billing"] == "per_token" for o in data["options"])
    assert any(x["code"] == "per_token_service" for x in data["excluded"])


def test_full_fine_tune_of_a_70b_model_uses_its_band(seeded, api):
    data = post(api, {"workload": {**LORA_7B, "model_params_b": 70, "method": "full"}})
    ft = next(o for o in data["options"] if o["billing"] == "per_token")
    assert ft["id"] == "together:fine-tuning:full"
    assert ft["tokens"]["usd_per_million_tokens"] == float(fine_tune_price("together", "full", 70).usd_per_million_tokens)


def test_dedicated_inference_endpoints_stay_out_of_training_unless_asked(db, api):
    endpoint = dataclasses.replace(offer("together", "1x_nvidia_h100_80gb_sxm", "h100-sxm", "5.40"),
                                   kind="dedicated endpoint")
    seed_provider("together", [endpoint])
    seed_provider("runpod", [offer("runpod", "h100", "h100-sxm", "2.99", region="US-TX-3")])
    data = post(api, {"training_hours": 3})
    assert {o["provider"] for o in data["options"]} == {"runpod"}
    reason = next(x for x in data["excluded"] if x["code"] == "inference_endpoint")
    assert "dedicated inference endpoint" in reason["reason"] and reason["count"] == 1
    data = post(api, {"training_hours": 3, "include_inference_endpoints": True})
    assert {o["provider"] for o in data["options"]} == {"runpod", "together"}
    # The instances listing is not a training recommendation: it lists them.
    r = api.post("/api/cloud/instances", {}, format="json")
    assert r.status_code == 200 and any(i["provider"] == "together" for i in r.json()["instances"])


def test_include_inference_endpoints_must_be_a_boolean(seeded, api):
    r = api.post(URL, {"training_hours": 3, "include_inference_endpoints": "maybe"}, format="json")
    assert r.status_code == 400 and "include_inference_endpoints" in r.json()


def test_the_wizard_lists_the_per_token_option_for_a_fine_tune(seeded):
    from wizard.compare_page import compare
    from wizard.questions import wizard_query

    query = wizard_query({"model_params_b": 7, "method": "lora", "dataset_tokens": 20_000_000, "epochs": 1}, {})
    outcome = compare(query)
    assert not outcome.errors, outcome.errors
    ft = [o for o in outcome.options if o.billing == "per_token"]
    assert len(ft) == 1 and ft[0].provider_name == "Together AI fine-tuning"
