"""compare-costs figures people decide on (issue #13): finishes_first and the finish sort, each GPU
model at the smallest count the job fits on, what the local GPU saves, typical (unreported)
availability, tier and any-region list prices."""

from __future__ import annotations

import pytest

from .conftest import STANDARD, offer, seed_provider

URL = "/api/cloud/compare-costs"
FULL_13B = {"model_params_b": 13, "method": "full", "precision": "bf16", "dataset_tokens": 20_000_000, "epochs": 1}


def post(api, body):
    r = api.post(URL, body, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def test_finishes_first_is_setup_plus_training_and_fastest_stays_quickest_setup(db, api):
    seed_provider("lambda", [offer("lambda", "gpu_1x_a10", "a10", "0.75", region="us-east-1")])
    seed_provider("runpod", [offer("runpod", "h100", "h100-sxm", "2.99", region="US-TX-3")])
    data = post(api, {"training_hours": 9, "reference_gpu": "A10"})
    s = data["summary"]
    assert s["fastest"]["provider"] == "lambda"  # quickest setup: the product document's "fastest"
    assert s["fastest"]["training_hours"] == 9
    assert s["finishes_first"]["provider"] == "runpod"  # trains in well under an hour
    assert s["finishes_first"]["finish_hours"] == min(o["finish_hours"] for o in data["options"])
    assert s["finishes_first"]["finish_hours"] < 2 < 9 < s["fastest"]["finish_hours"]


def test_finish_sort_orders_by_setup_plus_training(seeded, api):
    data = post(api, {"training_hours": 9, "reference_gpu": "RTX 3090", "sort": "finish"})
    finishes = [o["finish_hours"] for o in data["options"]]
    assert finishes == sorted(finishes)


def test_a_workload_without_gpu_count_offers_each_gpu_at_the_smallest_count_that_fits(seeded, api):
    data = post(api, {"workload": FULL_13B})
    h100 = [o for o in data["options"] if o["gpu_slug"] == "h100-sxm"]
    assert h100 and {o["gpu_count"] for o in h100} == {8}  # 1x does not fit; 8x is the smallest offered that does
    codes = {x["code"] for x in data["excluded"]}
    assert "does_not_fit" in codes
    assert data["summary"]["recommended"] is not None


def test_larger_counts_than_the_smallest_fit_are_excluded_with_the_reason(seeded, api):
    data = post(api, {"workload": {**FULL_13B, "model_params_b": 1, "method": "lora"}})
    assert {o["gpu_count"] for o in data["options"] if o["gpu_slug"] == "h100-sxm"} == {1}
    reason = next(x for x in data["excluded"] if x["code"] == "gpu_count")
    assert "the job fits on 1" in reason["reason"] and reason["ids"] == ["runpod:h100-sxm-secure-8x:US-TX-3:8"]


def test_explicit_gpu_count_or_no_workload_keeps_its_meaning(seeded, api):
    data = post(api, {"workload": FULL_13B, "gpu_count": 1})
    assert all(o["gpu_count"] == 1 for o in data["options"])
    data = post(api, {"training_hours": 3})
    assert {o["gpu_count"] for o in data["options"]} == {1}
    data = post(api, {"training_hours": 3, "any_gpu_count": True, "gpu_type": "H100"})
    assert {o["gpu_count"] for o in data["options"]} == {1}  # the smallest count offered for H100


def test_savings_say_what_the_local_gpu_saves_and_how_much_longer(seeded, api):
    data = post(api, {"training_hours": 10, "reference_gpu": "RTX 4090", "local_gpu_type": "RTX 4090",
                      "local_electricity_cost": 0.10})
    s = data["summary"]
    local, cloud = s["local"], s["best_cloud"]
    assert cloud["source"] != "local"
    sv = s["savings_vs_local"]
    assert sv["local_saves"] == pytest.approx(cloud["total_cost"] - local["total_cost"])
    assert sv["local_extra_hours"] == pytest.approx(local["finish_hours"] - cloud["finish_hours"], abs=1e-3)


def test_a_memory_minimum_the_local_gpu_cannot_meet_is_said(seeded, api):
    data = post(api, {"training_hours": 10, "local_gpu_type": "RTX 4090", "min_memory_gb": 48})
    assert data["summary"]["local"] is None
    assert "24 GB, less than the 48 GB" in data["summary"]["local_excluded"]


def test_unreported_availability_is_the_typical_level_and_never_ranked_as_live(db, api):
    seed_provider("runpod", [offer("runpod", "a", "a100-80gb-sxm", "2.00", availability="medium", region="US")])
    seed_provider("together", [offer("together", "b", "a100-80gb-sxm", "1.99", availability="unknown")])
    data = post(api, {"training_hours": 1, "sort": "availability"})
    together = next(o for o in data["options"] if o["provider"] == "together")
    assert (together["availability"], together["availability_reported"]) == ("high", False)
    assert data["options"][0]["provider"] == "runpod"  # a reported medium ranks before a typical high
    assert any("typical level, not live" in c for c in together["cons"])
    assert not any("readily available now" in p for p in together["pros"])


def test_catalog_offers_are_never_live_stock_even_with_a_level(db, api):
    seed_provider("runpod", [offer("runpod", "a", "rtx-4090", "0.50", availability="high")], source="catalog")
    o = post(api, {"training_hours": 1})["options"][0]
    assert (o["availability"], o["availability_reported"], o["any_region"]) == ("high", False, True)


def test_tier_is_in_each_option_and_pros_cons_do_not_repeat(seeded, api):
    data = post(api, {"training_hours": 1, "providers": ["runpod"]})
    tiers = {o["provider_sku"]: o["tier"] for o in data["options"]}
    assert tiers["rtx4090-community"] == "community" and tiers["h100-sxm-secure"] == "secure"
    for o in data["options"]:
        text = " ".join(o["pros"]).lower()
        assert not ("per-minute billing" in text and "billed per minute" in text), o["pros"]
        assert len(o["pros"]) == len(set(o["pros"])) and len(o["cons"]) == len(set(o["cons"]))


def test_local_power_con_names_the_field_the_forms_have(seeded, api):
    local = post(api, {"training_hours": 1, "local_gpu_type": "RTX 4090"})["summary"]["local"]
    assert any("power in watts" in c for c in local["cons"])


def test_standard_fixture_has_the_8x_h100():
    assert any(o.gpu_count == 8 for o in STANDARD["runpod"])
