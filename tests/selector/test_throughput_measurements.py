"""The estimator against the published throughput measurements (selector/data/throughput_measurements.csv).

Each row is estimated from the request a user would send (model size, method, tokens, GPU and
count: nothing else) and compared in tokens/s per GPU. ``fit`` rows were used to fit the constants
(bench/fit_throughput.py); ``holdout`` rows never were. The tables in docs/estimator.md come from
``python -m bench.estimator_table``; the last test keeps them in step.
"""

import hashlib
import statistics
from pathlib import Path

import pytest

from pricing.gpus import GPUS_BY_SLUG
from selector.estimator import BAND_BY_KIND, band_for, estimate_training, memory_per_gpu, resolve_checkpointing
from selector.measurements import (
    SPLITS,
    default_workload,
    detailed_workload,
    error,
    load_measurements,
    ratio_band_coverage,
    rows,
)

ROOT = Path(__file__).resolve().parents[2]
MEDIAN_LIMIT = 0.20
ROW_LIMIT = 2.0  # no single row off by more than 2x either way


# Rows added on 2026-12-01 took their split from this rule, fixed before any fit saw them
# (docs/estimator.md, "Split rule"): holdout when sha256(id) is divisible by 3, fit otherwise.
RULE_ROWS_FROM = "phs-sm-mistral7b-qlora-a10g"


def rule_split(row_id: str) -> str:
    return "holdout" if int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 3 == 0 else "fit"


def test_the_data_file_has_sourced_rows_across_methods_gpus_and_counts():
    ms = load_measurements()
    assert len(ms) >= 30
    assert len({m.id for m in ms}) == len(ms)
    for m in ms:
        assert m.split in SPLITS, m.id
        assert m.gpu in GPUS_BY_SLUG, m.id
        assert m.citation_url.startswith("https://") and m.citation_where and m.derivation, m.id
        assert m.tokens_per_second_per_gpu > 0 and m.model_params_b > 0 and m.gpu_count >= 1
        if m.split == "excluded":
            assert "excluded" in m.derivation, m.id  # the reason is on the row
    assert {m.method for m in ms} == {"pretrain", "full", "lora", "qlora"}
    assert len({m.gpu for m in ms}) >= 6
    assert {1, 2, 4, 8} <= {m.gpu_count for m in ms}
    holdout = rows("holdout")
    assert len(holdout) >= 0.2 * len(rows("fit"))
    assert {m.kind for m in holdout} == {"pretraining", "fine-tuning"}


@pytest.mark.parametrize("split", ["fit", "holdout"])
def test_the_default_estimate_is_within_20_percent_median_and_2x_on_every_row(split):
    ms = rows(split)
    errors = {m.id: error(m) for m in ms}
    assert statistics.median(abs(e) for e in errors.values()) <= MEDIAN_LIMIT
    for row_id, e in errors.items():
        assert 1 / ROW_LIMIT <= 1 + e <= ROW_LIMIT, (row_id, e)


@pytest.mark.parametrize("split", ["fit", "holdout"])
def test_pretraining_is_within_20_percent_median(split):
    ms = [m for m in rows(split) if m.kind == "pretraining"]
    assert statistics.median(abs(error(m)) for m in ms) <= MEDIAN_LIMIT


# The 12 fine-tunes held back at midday 2026-12-01, before the VectorLM rows joined the holdout:
# at the second landing the acceptance held on the whole holdout but not on these alone (21.7%); the
# A10G as its own GPU (third revision) brought them within it.
HELD_BACK_AT_MIDDAY = (
    "ttune-l2-7b-lora-4090x2", "ttune-l2-70b-full-a100x8", "ttune-l31-8b-qlora-4090", "ttune-l32-3b-full-ac-a100",
    "qwen-7b-lora-4k-a100", "qwen-14b-qlora-a100", "fsdpq-l2-7b-qlora-fsdp-3090x2", "fsdpq-l2-7b-qlora-4090x2",
    "fsdpq-l2-70b-qlora-a100-40x4", "phs-sm-mistral7b-qlora-a10g", "phs25-l31-8b-qlora-l4-liger", "phs25-l31-8b-qlora-l4x4",
)


def test_fine_tuning_is_within_20_percent_median_on_the_held_back_rows():
    ms = [m for m in rows("holdout") if m.kind == "fine-tuning"]
    assert len(ms) >= 20
    assert statistics.median(abs(error(m)) for m in ms) <= MEDIAN_LIMIT
    assert statistics.median(abs(error(m, default=False)) for m in ms) <= MEDIAN_LIMIT


def test_fine_tuning_is_within_20_percent_median_on_the_rows_held_back_at_midday():
    """The set that failed at the second landing (21.7%, the A10G counted as an A10): ~17% now with
    the default request, ~13% with each run's own settings."""
    ms = [m for m in rows("holdout") if m.id in HELD_BACK_AT_MIDDAY]
    assert len(ms) == len(HELD_BACK_AT_MIDDAY)
    assert statistics.median(abs(error(m)) for m in ms) <= MEDIAN_LIMIT
    assert statistics.median(abs(error(m, default=False)) for m in ms) <= MEDIAN_LIMIT


def test_with_each_runs_own_settings_holdout_rows_are_closer_still():
    ms = rows("holdout")
    assert statistics.median(abs(error(m, default=False)) for m in ms) <= MEDIAN_LIMIT


def test_about_80_percent_of_published_values_fall_inside_the_band():
    ms = [m for m in rows() if m.split != "excluded"]
    assert 0.75 <= ratio_band_coverage(ms) <= 0.9
    assert 0.75 <= ratio_band_coverage(rows("fit")) <= 0.9
    for kind in BAND_BY_KIND:
        assert 0.75 <= ratio_band_coverage([m for m in rows("fit") if m.kind == kind]) <= 0.92, kind
    assert band_for("pretrain") == BAND_BY_KIND["pretraining"] and band_for("qlora") == BAND_BY_KIND["fine-tuning"]


def test_rows_added_on_2026_12_01_took_their_split_from_the_rule():
    ms = load_measurements()
    first = next(i for i, m in enumerate(ms) if m.id == RULE_ROWS_FROM)
    added = [m for m in ms[first:]]
    assert len(added) >= 7
    for m in added:
        if m.split == "excluded":  # kept out of the fit and the checks, saying which split the rule gave it
            assert f"the rule placed it in {rule_split(m.id)}" in m.derivation, m.id
            continue
        assert m.split == rule_split(m.id), m.id
    assert {"l4", "a10g"} <= {m.gpu for m in added}


def test_the_api_default_request_is_what_the_table_measures():
    m = next(m for m in rows() if m.id == "ttune-l2-7b-lora-4090")
    e = estimate_training(default_workload(m), GPUS_BY_SLUG[m.gpu], m.gpu_count)
    assert e.tokens_per_second / m.gpu_count == pytest.approx((1 + error(m)) * m.tokens_per_second_per_gpu)


def test_peak_memory_is_within_a_factor_of_the_published_figures_for_single_gpu_adapters():
    """Published peaks vary with the framework (torchtune: pure bf16 and chunked loss; Hugging
    Face: fp32 norms, wide vocabularies), so the check is a band, not a match."""
    checked = 0
    for m in rows():
        if m.peak_memory_gib is None or m.gpu_count != 1 or m.method not in ("lora", "qlora") or m.split == "excluded":
            continue
        w = resolve_checkpointing(detailed_workload(m), GPUS_BY_SLUG[m.gpu], 1)
        ratio = memory_per_gpu(w, 1).total / m.peak_memory_gib
        assert 0.5 <= ratio <= 2.0, (m.id, ratio)
        checked += 1
    assert checked >= 8


def test_the_published_7b_memory_figures_agree_with_the_fit_checks():
    lora = next(m for m in rows() if m.id == "ttune-l2-7b-lora-4090")  # 21.3 GB on a 24 GB card
    qlora = next(m for m in rows() if m.id == "ttune-l2-7b-qlora-4090")  # 12.3 GB
    w = resolve_checkpointing(detailed_workload(lora), GPUS_BY_SLUG["rtx-4090"], 1)
    assert memory_per_gpu(w, 1).total == pytest.approx(lora.peak_memory_gib, rel=0.15)
    wq = resolve_checkpointing(detailed_workload(qlora), GPUS_BY_SLUG["rtx-4090"], 1)
    assert memory_per_gpu(wq, 1).total == pytest.approx(qlora.peak_memory_gib, rel=0.2)


def test_the_tables_in_docs_match_the_estimator():
    """docs/estimator.md shows these tables; regenerate with ``python -m bench.estimator_table``."""
    docs = (ROOT / "docs" / "estimator.md").read_text()
    from bench.estimator_table import tables

    summary, table = tables()
    for line in [*summary, *table.splitlines()]:
        assert line in docs, f"docs/estimator.md is out of date: {line}"
