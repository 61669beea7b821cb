"""The pure estimator: FLOPs, memory, fit, hours, calibration. No database."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.gpus import GPUS, GPUS_BY_SLUG
from selector.estimator import (
    METHODS,
    Workload,
    estimate_training,
    fits_on,
    memory_per_gpu,
    min_gpus_to_fit,
    model_shape,
    multi_gpu_efficiency,
    training_flops,
)

A100 = GPUS_BY_SLUG["a100-80gb-sxm"]
H100 = GPUS_BY_SLUG["h100-sxm"]
RTX4090 = GPUS_BY_SLUG["rtx-4090"]
T4 = GPUS_BY_SLUG["t4"]


def lora_7b(**kw) -> Workload:
    return Workload(model_params_b=7, dataset_tokens=100e6, method=kw.pop("method", "lora"), **kw)


def test_it_uses_6n_per_token_for_full_training_plus_attention():
    w = Workload(model_params_b=7, dataset_tokens=1e9, method="full", gradient_checkpointing=False, seq_len=2048)
    f = training_flops(w)
    six_nd = 6 * 7e9 * 1e9
    # Attention scores add 6 x n_layers x n_ctx x d_model per token: a few percent at 2k context.
    assert six_nd < f.total < 1.1 * six_nd
    assert f.total == f.model


def test_it_counts_one_extra_forward_with_gradient_checkpointing():
    off = training_flops(Workload(model_params_b=7, dataset_tokens=1e9, method="full", gradient_checkpointing=False))
    on = training_flops(Workload(model_params_b=7, dataset_tokens=1e9, method="full", gradient_checkpointing=True))
    assert on.total == pytest.approx(off.total * 8 / 6)
    assert on.model == off.model


def test_it_makes_lora_about_two_thirds_of_full_training_flops():
    full = training_flops(Workload(model_params_b=7, dataset_tokens=1e9, method="full", gradient_checkpointing=False))
    lora = training_flops(Workload(model_params_b=7, dataset_tokens=1e9, method="lora", gradient_checkpointing=False))
    assert lora.total / full.total == pytest.approx(4 / 6, abs=0.02)


def test_it_multiplies_flops_by_epochs():
    one = training_flops(lora_7b())
    three = training_flops(lora_7b(epochs=3))
    assert three.total == pytest.approx(3 * one.total)


def test_it_guesses_a_llama_like_shape():
    shape = model_shape(6.74e9)
    assert 3800 < shape.d_model < 4400
    assert 30 <= shape.n_layers <= 34


def test_a_7b_lora_fits_on_a_24gb_card_and_not_on_16gb():
    w = lora_7b()
    on_4090 = estimate_training(w, RTX4090, 1)
    assert on_4090.fits
    assert on_4090.reason == ""
    on_t4 = estimate_training(w, T4, 1)
    assert not on_t4.fits
    assert on_t4.reason.startswith(f"needs about {on_t4.memory.total:.0f} GB per GPU, has 16 GB")
    assert on_t4.min_gpus_to_fit == 2


def test_a_7b_full_fine_tune_needs_more_than_a_24gb_card():
    w = lora_7b(method="full")
    e = estimate_training(w, RTX4090, 1)
    assert not e.fits
    assert e.memory.total > 24
    assert "has 24 GB" in e.reason
    # 16 bytes per parameter of model states alone (ZeRO paper) is 104 GiB for 7B.
    assert e.memory.weights + e.memory.gradients + e.memory.optimizer == pytest.approx(7e9 * 16 / 1024**3)
    assert e.min_gpus_to_fit > 4
    assert not estimate_training(w, A100, 1).fits
    assert estimate_training(w, A100, 2).fits


def test_memory_parts_add_up_to_the_total():
    m = memory_per_gpu(lora_7b(method="full"), 4)
    d = m.as_dict()
    parts = d["weights"] + d["gradients"] + d["optimizer"] + d["activations"] + d["overhead"]
    assert d["total"] == pytest.approx(parts, abs=0.05)


def test_qlora_stores_the_base_in_about_half_a_byte_per_parameter():
    q = memory_per_gpu(lora_7b(method="qlora"))
    lora = memory_per_gpu(lora_7b(method="lora"))
    assert 3.2 < q.weights < 3.8
    assert q.total < lora.total / 2 + 3


def test_checkpointing_shrinks_activations():
    on = memory_per_gpu(lora_7b(gradient_checkpointing=True))
    off = memory_per_gpu(lora_7b(gradient_checkpointing=False))
    assert off.activations > 3 * on.activations


def test_it_says_so_when_activations_alone_are_too_big():
    w = Workload(model_params_b=7, dataset_tokens=1e9, method="full", seq_len=131072, micro_batch_size=64,
                 gradient_checkpointing=False)
    e = estimate_training(w, RTX4090, 1)
    assert e.min_gpus_to_fit is None
    assert "activations alone" in e.reason


def test_min_gpus_to_fit_is_the_smallest_count_that_fits():
    w = lora_7b(method="full")
    for gpu in (RTX4090, A100, T4):
        n = min_gpus_to_fit(w, gpu)
        assert fits_on(w, gpu, n)
        assert n == 1 or not fits_on(w, gpu, n - 1)


def test_every_catalog_gpu_gets_hours_a_band_and_memory():
    w = lora_7b()
    for gpu in GPUS:
        e = estimate_training(w, gpu, 1)
        assert 0 < e.training_hours_low < e.training_hours < e.training_hours_high, gpu.slug
        assert e.memory.total > 0
        assert e.assumptions["utilisation"] > 0
        assert e.min_gpus_to_fit is not None


def test_a_faster_gpu_finishes_sooner():
    w = lora_7b()
    assert estimate_training(w, H100, 1).training_hours < estimate_training(w, A100, 1).training_hours


def test_more_gpus_finish_sooner_but_not_linearly():
    w = lora_7b(method="full")
    one = estimate_training(w, H100, 1).training_hours
    eight = estimate_training(w, H100, 8).training_hours
    assert one / 8 < eight < one / 6


def test_pcie_scales_worse_than_nvlink():
    assert multi_gpu_efficiency(8, "pcie") < multi_gpu_efficiency(8, "nvlink")
    assert multi_gpu_efficiency(1, "pcie") == 1.0


def test_gpus_without_bf16_are_estimated_as_fp16_and_say_so():
    e = estimate_training(lora_7b(), T4, 1)
    assert e.assumptions["precision_used"] == "fp16"
    assert any("no BF16" in n for n in e.assumptions["notes"])


def test_fp32_is_much_slower_than_bf16():
    bf16 = estimate_training(lora_7b(), A100, 1).training_hours
    fp32 = estimate_training(lora_7b(precision="fp32"), A100, 1).training_hours
    assert fp32 > 10 * bf16


def test_a_measured_throughput_sets_the_hours_on_that_gpu():
    w = lora_7b(measured_tokens_per_second=2500, measured_gpu_type="a100-80gb-sxm")
    e = estimate_training(w, A100, 1)
    assert e.training_hours == pytest.approx(100e6 / 2500 / 3600)
    assert e.training_hours_low < e.training_hours < e.training_hours_high
    assert "calibrated" in e.assumptions["basis"]


def test_calibration_scales_to_other_gpus_by_relative_peak():
    w = lora_7b(measured_tokens_per_second=2500, measured_gpu_type="a100-80gb-sxm")
    a100 = estimate_training(w, A100, 1).training_hours
    h100 = estimate_training(w, H100, 1).training_hours
    assert a100 / h100 == pytest.approx(H100.peak_tflops / A100.peak_tflops)


def test_measured_hours_calibrate_like_a_throughput():
    by_hours = lora_7b(measured_hours=10, measured_gpu_type="a100-80gb-sxm")
    assert estimate_training(by_hours, A100, 1).training_hours == pytest.approx(10)
    by_tps = lora_7b(measured_tokens_per_second=100e6 / 36000, measured_gpu_type="a100-80gb-sxm")
    assert estimate_training(by_tps, H100, 2).training_hours == pytest.approx(
        estimate_training(by_hours, H100, 2).training_hours
    )


def test_a_measurement_on_several_gpus_is_per_gpu_throughput_times_efficiency():
    w = lora_7b(measured_hours=2, measured_gpu_type="a100-80gb-sxm", measured_gpu_count=8)
    assert estimate_training(w, A100, 8).training_hours == pytest.approx(2)
    assert estimate_training(w, A100, 1).training_hours == pytest.approx(2 * 8 * multi_gpu_efficiency(8, "nvlink"))


@pytest.mark.parametrize("bad", [
    {"method": "sft"}, {"precision": "int4"}, {"model_params_b": -1}, {"model_params_b": math.nan},
    {"dataset_tokens": math.inf}, {"epochs": 0}, {"seq_len": 0},
    {"measured_hours": 3, "measured_gpu_type": "not-a-gpu"},
])
def test_it_rejects_a_bad_workload(bad):
    kw = {"model_params_b": 7, "dataset_tokens": 1e6, **bad}
    with pytest.raises(ValueError):
        Workload(**kw)


@settings(max_examples=60, deadline=None)
@given(
    params=st.floats(0.1, 500),
    method=st.sampled_from(METHODS),
    seq_len=st.integers(128, 32768),
    mbs=st.integers(1, 32),
    ckpt=st.booleans(),
    count=st.integers(2, 64),
)
def test_memory_never_grows_with_more_sharded_gpus_and_hours_stay_ordered(params, method, seq_len, mbs, ckpt, count):
    w = Workload(model_params_b=params, dataset_tokens=1e9, method=method, seq_len=seq_len,
                 micro_batch_size=mbs, gradient_checkpointing=ckpt)
    assert memory_per_gpu(w, count + 1).total <= memory_per_gpu(w, count).total + 1e-9
    e = estimate_training(w, H100, count)
    assert 0 < e.training_hours_low <= e.training_hours <= e.training_hours_high
    assert math.isfinite(e.training_hours)
