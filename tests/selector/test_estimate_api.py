"""POST /api/cloud/estimate, GET /api/cloud/local-gpu and the estimates service."""

import json

import pytest
from rest_framework.test import APIClient

from pricing import local_gpu
from pricing.gpus import GPUS, GPUS_BY_SLUG
from selector.api.estimate import EstimateApi, WorkloadSerializer
from selector.engine import HoursResult
from selector.estimates import estimate, hours_for_workload

URL = "/api/cloud/estimate"
LORA_7B = {"model_params_b": 7, "method": "lora", "dataset_tokens": 100_000_000}


@pytest.fixture(autouse=True)
def _db(db):
    """The estimate prices its scaling options from the current snapshot (empty here)."""


@pytest.fixture
def client():
    return APIClient(enforce_csrf_checks=True)


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_it_estimates_a_7b_lora_for_every_catalog_gpu(client):
    r = post(client, {"workload": LORA_7B})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["flops"] > 0
    assert [e["gpu_type"] for e in body["estimates"]] == [g.slug for g in GPUS]
    for e in body["estimates"]:
        assert e["gpu_count"] == 1
        assert 0 < e["training_hours_low"] < e["training_hours"] < e["training_hours_high"]
        assert set(e["memory_gb_per_gpu"]) == {"total", "weights", "gradients", "optimizer", "activations", "overhead"}
        assert "utilisation" in e["assumptions"] and "multi_gpu_efficiency" in e["assumptions"]
    by_slug = {e["gpu_type"]: e for e in body["estimates"]}
    assert by_slug["rtx-4090"]["fits"] is True
    t4 = by_slug["t4"]
    assert t4["fits"] is False
    assert t4["min_gpus_to_fit"] == 2
    assert "has 16 GB" in t4["reason"]


def test_the_five_field_request_gets_defaults_overhead_and_scaling_options(client):
    r = post(client, {"workload": LORA_7B, "gpu_type": "RTX 4090", "gpu_count": 1})
    assert r.status_code == 200, r.content
    [e] = r.json()["estimates"]
    assert e["gradient_checkpointing"] is True  # auto: it is what makes a 7B LoRA fit 24 GB
    assert "gradient checkpointing on" in e["assumptions"]["gradient_checkpointing_note"]
    # micro-batch "auto": the recipes' 2 x 2048 where it fits (a 7B LoRA on 24 GB does), and the answer says so
    assert e["assumptions"]["seq_len"] == 2048 and e["assumptions"]["micro_batch_size"] == 2
    assert "(auto)" in e["assumptions"]["micro_batch_size_note"]
    assert e["overhead_hours"] > 0
    assert e["training_hours"] == pytest.approx(e["compute_hours"] + e["overhead_hours"], rel=1e-3)
    assert set(e["overhead"]) >= {"hours", "download", "load", "checkpoints", "evaluation", "checkpoint_saves"}
    assert [o["gpu_count"] for o in e["scaling"]] == [1, 2]
    assert e["scaling"][1]["training_hours"] < e["scaling"][0]["training_hours"]


def test_a_13b_full_fine_tune_gets_options_instead_of_a_dead_end(client):
    r = post(client, {"workload": {**LORA_7B, "model_params_b": 13, "method": "full"}, "gpu_type": "RTX 4090"})
    [e] = r.json()["estimates"]
    assert e["fits"] is False
    n = e["min_gpus_to_fit"]
    assert [o["gpu_count"] for o in e["scaling"]] == [n, 2 * n]
    assert all(o["gpu_hours"] > 0 for o in e["scaling"])


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("auto", True)])
def test_gradient_checkpointing_takes_true_false_or_auto(client, value, expected):
    body = {"workload": {**LORA_7B, "gradient_checkpointing": value}, "gpu_type": "RTX 4090"}
    [e] = post(client, body).json()["estimates"]
    assert e["gradient_checkpointing"] is expected


def test_a_7b_full_fine_tune_does_not_fit_a_24gb_card_and_says_so(client):
    r = post(client, {"workload": {**LORA_7B, "method": "full"}, "gpu_type": "RTX 4090"})
    assert r.status_code == 200
    [e] = r.json()["estimates"]
    assert e["fits"] is False
    assert e["memory_gb_per_gpu"]["total"] > 24
    assert e["reason"].startswith(f"needs about {e['memory_gb_per_gpu']['total']:.0f} GB per GPU, has 24 GB")
    assert e["min_gpus_to_fit"] > 1


def test_a_gpu_family_means_each_variant_at_the_requested_count(client):
    r = post(client, {"workload": LORA_7B, "gpu_type": "H100", "gpu_count": 4})
    assert r.status_code == 200
    estimates = r.json()["estimates"]
    assert {e["gpu_type"] for e in estimates} == {"h100-pcie", "h100-sxm", "h100-nvl"}
    assert all(e["gpu_count"] == 4 for e in estimates)
    # A 7B LoRA fits one H100: replicated (DDP) with only the adapters' gradients exchanged.
    assert "DDP" in estimates[0]["assumptions"]["sharding"]
    full = post(client, {"workload": {**LORA_7B, "method": "full"}, "gpu_type": "H100 SXM", "gpu_count": 4})
    assert "ZeRO-3" in full.json()["estimates"][0]["assumptions"]["sharding"]


def test_dataset_size_can_be_examples_times_tokens(client):
    a = post(client, {"workload": {"model_params_b": 7, "dataset_examples": 50_000, "avg_tokens_per_example": 2000},
                      "gpu_type": "A100 80GB SXM"}).json()
    b = post(client, {"workload": LORA_7B, "gpu_type": "A100 80GB SXM"}).json()
    assert a["estimates"][0]["training_hours"] == b["estimates"][0]["training_hours"]


def test_a_measurement_calibrates_the_estimate(client):
    body = {"workload": {**LORA_7B, "measured_tokens_per_second": 2000, "measured_gpu_type": "RTX 4090"},
            "gpu_type": "RTX 4090"}
    [e] = post(client, body).json()["estimates"]
    assert e["compute_hours"] == pytest.approx(100e6 / 2000 / 3600, rel=1e-3)
    assert e["training_hours"] == pytest.approx(e["compute_hours"] + e["overhead_hours"], rel=1e-3)
    assert "calibrated" in e["assumptions"]["basis"]


def test_it_needs_no_csrf_token_and_no_login(client):
    assert post(client, {"workload": LORA_7B, "gpu_type": "L4"}).status_code == 200
    assert EstimateApi.authentication_classes == []


@pytest.mark.parametrize("workload, field", [
    ({"method": "lora", "dataset_tokens": 1e8}, "model_params_b"),
    ({"model_params_b": 7}, "dataset_tokens"),
    ({"model_params_b": 7, "dataset_examples": 1000}, "dataset_tokens"),
    ({**LORA_7B, "model_params_b": -7}, "model_params_b"),
    ({**LORA_7B, "model_params_b": 0}, "model_params_b"),
    ({**LORA_7B, "model_params_b": "7"}, "model_params_b"),
    ({**LORA_7B, "model_params_b": True}, "model_params_b"),
    ({**LORA_7B, "model_params_b": None}, "model_params_b"),
    ({**LORA_7B, "dataset_tokens": [1]}, "dataset_tokens"),
    ({**LORA_7B, "method": "sft"}, "method"),
    ({**LORA_7B, "precision": "int3"}, "precision"),
    ({**LORA_7B, "epochs": -1}, "epochs"),
    ({**LORA_7B, "seq_len": 2048.5}, "seq_len"),
    ({**LORA_7B, "seq_len": "2048"}, "seq_len"),
    ({**LORA_7B, "micro_batch_size": 0}, "micro_batch_size"),
    ({**LORA_7B, "gradient_checkpointing": "yes"}, "gradient_checkpointing"),
    ({**LORA_7B, "gradient_checkpointing": 1}, "gradient_checkpointing"),
    ({**LORA_7B, "lora_rank": False}, "lora_rank"),
    ({**LORA_7B, "gradient_checkpointing": "sometimes"}, "gradient_checkpointing"),
    ({**LORA_7B, "save_every_hours": -1}, "save_every_hours"),
    ({**LORA_7B, "eval_passes": 1.5}, "eval_passes"),
    ({**LORA_7B, "eval_tokens": "many"}, "eval_tokens"),
    ({**LORA_7B, "measured_tokens_per_second": 1000}, "measured_gpu_type"),
    ({**LORA_7B, "measured_gpu_type": "A100"}, "measured_gpu_type"),
    ({**LORA_7B, "measured_hours": 2, "measured_gpu_type": "Voodoo 5"}, "measured_gpu_type"),
])
def test_bad_workload_fields_are_a_400_naming_the_field(client, workload, field):
    r = post(client, {"workload": workload})
    assert r.status_code == 400, r.content
    assert field in r.json()["workload"]


def test_an_unknown_gpu_is_a_400_listing_the_known_ones(client):
    r = post(client, {"workload": LORA_7B, "gpu_type": "Voodoo 5"})
    assert r.status_code == 400
    message = r.json()["gpu_type"][0]
    assert "Voodoo 5" in message and "H100 SXM" in message and "RTX 4090" in message


@pytest.mark.parametrize("raw", [
    '{"workload": {"model_params_b": 1e400, "dataset_tokens": 1e8}}',
    '{"workload": {"model_params_b": NaN, "dataset_tokens": 1e8}}',
    '{"workload": {"model_params_b": Infinity, "dataset_tokens": 1e8}}',
    '{"workload": {"model_params_b": 7, "dataset_tokens": 1e8}, "gpu_count": 1e400}',
    '{"workload": {"model_params_b": 7, "dataset_tokens": 1e8}, "gpu_count": -1}',
    '{"workload": {"model_params_b": 7, "dataset_tokens": 1e8}, "gpu_count": true}',
    '{"workload": "7B"}',
    '{"workload": {"model_params_b": 7, "dataset_tokens": 1e400}}',
    '{"workload": {"model_params_b": 1' + "0" * 400 + ', "dataset_tokens": 1e8}}',
    '{"workload": {"model_params_b": 7, "dataset_tokens": 1e8, "seq_len": 1' + "0" * 400 + '}}',
    '[1, 2]',
    '{"workload": ' + "[" * 5000 + "]" * 5000 + "}",
    'not json',
    '{}',
])
def test_malformed_bodies_are_a_400_never_a_500(client, raw):
    r = client.post(URL, data=raw, content_type="application/json")
    assert r.status_code == 400, r.content
    assert r.json()


def test_the_service_returns_exactly_the_endpoint_response(client):
    body = {"workload": LORA_7B, "gpu_type": "A100", "gpu_count": 2}
    serializer = EstimateApi.InputSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    assert estimate(serializer.validated_data) == post(client, body).json()


def test_scaling_options_are_costed_at_the_cheapest_current_rate(client, two_gpus):
    [e] = post(client, {"workload": LORA_7B, "gpu_type": "H100 SXM"}).json()["estimates"]
    assert e["usd_per_gpu_hour"] == {"usd": 2.5, "provider": "runpod", "provider_sku": "h100-sxm-secure"}
    one, two = e["scaling"]
    assert one["cost_usd"] == pytest.approx(one["gpu_hours"] * 2.5, abs=0.01)
    assert one["cost_usd_low"] < one["cost_usd"] < one["cost_usd_high"]
    assert two["cost_usd"] > one["cost_usd"]  # twice the GPUs: sooner, a little dearer
    body = post(client, {"workload": LORA_7B, "gpu_type": "L4"}).json()
    assert body["estimates"][0]["usd_per_gpu_hour"] is None and body["estimates"][0]["scaling"][0]["cost_usd"] is None
    assert any(p["provider"] == "runpod" for p in body["prices"])


def test_the_service_fills_in_defaults_for_a_hand_built_workload():
    out = estimate({"workload": {"model_params_b": 7, "dataset_tokens": 1e8}, "gpu_type": "L4"})
    [e] = out["estimates"]
    assert e["gpu_type"] == "l4" and e["gpu_count"] == 1 and e["fits"] is True


def test_hours_for_workload_gives_hours_results_for_compare_costs():
    serializer = WorkloadSerializer(data={**LORA_7B, "method": "full"})
    assert serializer.is_valid(), serializer.errors
    hours_for = hours_for_workload(serializer.validated_data)
    on_h100x2 = hours_for("h100-sxm", 2)
    assert isinstance(on_h100x2, HoursResult)
    assert on_h100x2.fits and on_h100x2.low < on_h100x2.hours < on_h100x2.high
    on_4090 = hours_for("rtx-4090", 1)
    assert not on_4090.fits
    assert on_4090.memory_needed_gb > 24
    assert "has 24 GB" in on_4090.reason
    unknown = hours_for("voodoo-5", 1)
    assert not unknown.fits and "not in the GPU catalog" in unknown.reason


def test_faster_gpus_get_fewer_hours_from_hours_for_workload():
    hours_for = hours_for_workload({"model_params_b": 7, "dataset_tokens": 1e9, "method": "lora"})
    assert hours_for("h100-sxm", 1).hours < hours_for("a100-80gb-sxm", 1).hours < hours_for("a10", 1).hours
    assert GPUS_BY_SLUG["h100-sxm"].peak_tflops > GPUS_BY_SLUG["a100-80gb-sxm"].peak_tflops


# --- GET /api/cloud/local-gpu -------------------------------------------------------------------


@pytest.fixture
def signed_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("gpu-owner", password="pw-gpu-owner-1"))
    return client


def test_local_gpu_endpoint_is_refused_to_anonymous_clients(client, db, monkeypatch):
    """Issue 12 point 9: the server's GPU and driver were shown to anyone."""
    monkeypatch.setattr("selector.api.estimate.detect_local_gpus", lambda: pytest.fail("detected for anonymous"))
    r = client.get("/api/cloud/local-gpu")
    assert r.status_code == 403
    assert "Sign in" in r.json()["detail"]


def test_local_gpu_endpoint_answers_anyone_in_debug(client, db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr("selector.api.estimate.detect_local_gpus",
                        lambda: local_gpu.DetectionResult((), None, "No NVIDIA driver found on this machine."))
    assert client.get("/api/cloud/local-gpu").status_code == 200


def test_local_gpu_endpoint_reports_the_detection(signed_in, monkeypatch):
    client = signed_in
    result = local_gpu.DetectionResult(
        gpus=(local_gpu.LocalGpu(0, "NVIDIA GeForce RTX 4090", "rtx-4090", "RTX 4090", 24.0, 450.0),),
        driver_version="550.54.14", message="Found 1 NVIDIA GPU: RTX 4090 (24 GB).",
    )
    monkeypatch.setattr("selector.api.estimate.detect_local_gpus", lambda: result)
    r = client.get("/api/cloud/local-gpu")
    assert r.status_code == 200
    assert r.json() == {
        "gpus": [{"index": 0, "name": "NVIDIA GeForce RTX 4090", "gpu_type": "rtx-4090", "gpu_name": "RTX 4090",
                  "memory_gb": 24.0, "power_limit_w": 450.0}],
        "driver_version": "550.54.14",
        "message": "Found 1 NVIDIA GPU: RTX 4090 (24 GB).",
    }


def test_local_gpu_endpoint_says_plainly_when_there_is_none(signed_in, monkeypatch):
    client = signed_in
    monkeypatch.setattr(
        "selector.api.estimate.detect_local_gpus",
        lambda: local_gpu.DetectionResult((), None, "No NVIDIA driver found on this machine."),
    )
    r = client.get("/api/cloud/local-gpu")
    assert r.status_code == 200
    assert r.json() == {"gpus": [], "driver_version": None, "message": "No NVIDIA driver found on this machine."}


# --- POST /api/cloud/compare-costs with a workload ------------------------------------------------

COMPARE_URL = "/api/cloud/compare-costs"
# 7B LoRA on 1B tokens: ~55 h on an A100, ~27 h on an H100 (~2x: the fitted throughput model,
# not the 3.2x of the peak TFLOPS), so the H100 at $2.50/h still beats the A100 at $1.50/h.
LORA_7B_1B = {"model_params_b": 7, "method": "lora", "dataset_tokens": 1_000_000_000}


@pytest.fixture
def two_gpus(db):
    from .conftest import offer, seed_provider

    seed_provider("runpod", [
        offer("runpod", "a100-80gb-sxm-secure", "a100-80gb-sxm", "1.50", region="US-TX-3", tier="secure"),
        offer("runpod", "h100-sxm-secure", "h100-sxm", "2.50", region="US-TX-3", tier="secure"),
        offer("runpod", "rtx4090-community", "rtx-4090", "0.69", region="US-KS-2", tier="community"),
    ])


def compare(client, body):
    return client.post(COMPARE_URL, data=json.dumps(body), content_type="application/json")


def by_sku(data):
    return {o["provider_sku"]: o for o in data["options"]}


def test_with_flat_hours_the_lower_hourly_rate_wins(client, two_gpus):
    data = compare(client, {"training_hours": 10, "providers": ["runpod"], "gpu_type": "H100"}).json()
    assert "estimate" not in data
    data = compare(client, {"training_hours": 10, "providers": ["runpod"]}).json()
    assert data["summary"]["cheapest"]["provider_sku"] == "rtx4090-community"


def test_a_workload_estimates_hours_per_gpu_so_the_faster_gpu_is_cheaper_overall(client, two_gpus):
    flat = compare(client, {"training_hours": 10, "providers": ["runpod"], "gpu_type": "A100 80GB SXM"}).json()
    r = compare(client, {"workload": LORA_7B_1B, "providers": ["runpod"]})
    assert r.status_code == 200, r.content
    data = r.json()
    options = by_sku(data)
    a100, h100 = options["a100-80gb-sxm-secure"], options["h100-sxm-secure"]
    assert a100["training_hours"] / 3 < h100["training_hours"] < a100["training_hours"] / 1.7
    assert h100["hourly_rate"] > a100["hourly_rate"]
    assert h100["total_cost"] < a100["total_cost"]
    assert data["summary"]["cheapest"]["provider_sku"] == "h100-sxm-secure"
    # With flat hours the ranking follows the hourly rate instead.
    assert flat["options"][0]["training_hours"] == 10
    for o in data["options"]:
        assert o["training_hours_low"] < o["training_hours"] < o["training_hours_high"]
        assert 0 < o["overhead_hours"] < o["training_hours"] and o["gpus_needed"] == 1
    assert any("costs more per hour" in n and "so its total is lower" in n for n in data["notes"])
    assert "H100 SXM" in data["notes"][0]
    estimate_block = data["estimate"]
    assert estimate_block["flops"] > 0
    assert {"weights", "activations", "overhead"} <= set(estimate_block["estimates"][0]["memory_gb_per_gpu"])
    assert "utilisation" in estimate_block["estimates"][0]["assumptions"]


def test_options_the_job_does_not_fit_on_are_excluded_with_the_memory_reason(client, two_gpus):
    r = compare(client, {"workload": {**LORA_7B_1B, "method": "full"}, "providers": ["runpod"],
                         "local_gpu_type": "RTX 4090"})
    assert r.status_code == 200, r.content
    data = r.json()
    skus = {o["provider_sku"] for o in data["options"]}
    assert "rtx4090-community" not in skus
    assert data["summary"]["local"] is None
    reasons = [e["reason"] for e in data["excluded"] if e["code"] == "does_not_fit"]
    assert any(reason.startswith("needs about") and "per GPU, has 24 GB" in reason for reason in reasons)
    assert any("has 80 GB" in reason for reason in reasons)  # a 7B full fine-tune needs 2 x 80 GB


def test_compare_needs_training_hours_or_a_workload(client, two_gpus):
    r = compare(client, {"providers": ["runpod"]})
    assert r.status_code == 400
    assert "training_hours" in r.json()


def test_a_bad_workload_in_compare_is_a_400_naming_the_field(client, two_gpus):
    r = compare(client, {"workload": {**LORA_7B_1B, "method": "dpo"}})
    assert r.status_code == 400
    assert "method" in r.json()["workload"]


def test_the_service_takes_a_workload_too(two_gpus):
    from selector.api.serializers import CompareCostsInputSerializer, compare_answer_dict
    from selector.compare import compare_costs

    ser = CompareCostsInputSerializer(data={"workload": LORA_7B_1B, "providers": ["runpod"]})
    assert ser.is_valid(), ser.errors
    data = compare_answer_dict(compare_costs(ser.query()))
    assert data["summary"]["cheapest"]["provider_sku"] == "h100-sxm-secure"
    assert data["estimate"]["estimates"]


# --- Acceptance: the five-field request against held-back published runs --------------------------


def _five_field_errors(client, kind=None):
    from selector.measurements import rows

    errors = {}
    for m in rows("holdout"):
        if kind is not None and m.kind != kind:
            continue
        body = {"workload": {"model_params_b": m.model_params_b, "method": m.method, "dataset_tokens": 1e9},
                "gpu_type": m.gpu, "gpu_count": m.gpu_count}
        r = post(client, body)
        assert r.status_code == 200, r.content
        [e] = r.json()["estimates"]
        errors[m.id] = (e["tokens_per_second"] / m.gpu_count) / m.tokens_per_second_per_gpu - 1
    return errors


def test_the_five_field_request_lands_within_20_percent_median_of_held_back_runs(client):
    import statistics

    errors = _five_field_errors(client)
    assert statistics.median(abs(v) for v in errors.values()) <= 0.20, errors
    assert all(0.5 <= 1 + v <= 2.0 for v in errors.values()), errors
    pretraining = _five_field_errors(client, "pretraining")
    assert statistics.median(abs(v) for v in pretraining.values()) <= 0.20, pretraining


def test_the_five_field_request_lands_within_20_percent_median_of_held_back_fine_tunes(client):
    import statistics

    errors = _five_field_errors(client, "fine-tuning")
    assert statistics.median(abs(v) for v in errors.values()) <= 0.20, errors


def test_the_five_field_request_lands_within_20_percent_median_of_the_fine_tunes_held_back_at_midday(client):
    """The 12 fine-tunes held back before the VectorLM rows (the set that failed at the second
    landing, 21.7%): ~17% since the A10G is its own GPU (docs/estimator.md, third revision)."""
    import statistics

    from tests.selector.test_throughput_measurements import HELD_BACK_AT_MIDDAY

    errors = {k: v for k, v in _five_field_errors(client, "fine-tuning").items() if k in HELD_BACK_AT_MIDDAY}
    assert len(errors) == len(HELD_BACK_AT_MIDDAY)
    assert statistics.median(abs(v) for v in errors.values()) <= 0.20, errors


# --- The five fields at the top level (the issue's own wording of the request) -------------------


def test_the_workload_fields_may_sit_at_the_top_level_beside_the_gpu(client):
    flat = post(client, {"model_params_b": 7, "method": "lora", "dataset_tokens": 100_000_000,
                         "gpu_type": "RTX 4090", "gpu_count": 1})
    nested = post(client, {"workload": {"model_params_b": 7, "method": "lora", "dataset_tokens": 100_000_000},
                           "gpu_type": "RTX 4090", "gpu_count": 1})
    assert flat.status_code == 200, flat.content
    assert flat.json()["estimates"] == nested.json()["estimates"]


def test_a_flat_body_with_a_bad_field_names_that_field(client):
    r = post(client, {"model_params_b": "seven", "method": "lora", "dataset_tokens": 1e8, "gpu_type": "RTX 4090"})
    assert r.status_code == 400
    assert "model_params_b" in r.json()["workload"]


def test_a_body_mixing_flat_and_nested_workload_fields_is_refused_naming_the_stray_ones(client):
    r = post(client, {"workload": {"model_params_b": 7, "dataset_tokens": 1e8}, "method": "lora"})
    assert r.status_code == 400
    assert "method" in r.json()
