"""The estimator against published training runs (GPU-hours from the papers and model cards).

Each row is estimated from peak specs only (no calibration) and compared in GPU-hours, since most
papers report GPU-hours, not wall time. The table is printed (``pytest -s``) and copied into
docs/estimator.md; keep the two in step. Figures marked "uncertain" are noted in the row.
"""

import statistics
from dataclasses import dataclass

from pricing.gpus import GPUS_BY_SLUG
from selector.estimator import Workload, estimate_training


@dataclass(frozen=True)
class PublishedRun:
    name: str
    workload: Workload
    gpu_slug: str
    gpu_count: int  # only matters through the multi-GPU efficiency tier (1, <= 8, > 8)
    gpu_hours: float
    source: str


def _pretrain(params_b, tokens, seq_len, checkpointing=False):
    return Workload(model_params_b=params_b, dataset_tokens=tokens, method="pretrain", precision="bf16",
                    seq_len=seq_len, micro_batch_size=1, gradient_checkpointing=checkpointing)


RUNS = (
    PublishedRun("LLaMA 7B", _pretrain(6.7, 1.0e12, 2048), "a100-80gb-sxm", 2048, 82_432,
                 "Touvron et al. 2023, 'LLaMA: Open and Efficient Foundation Language Models', Table 15"),
    PublishedRun("LLaMA 13B", _pretrain(13.0, 1.0e12, 2048), "a100-80gb-sxm", 2048, 135_168,
                 "Touvron et al. 2023 (LLaMA), Table 15"),
    PublishedRun("LLaMA 65B", _pretrain(65.2, 1.4e12, 2048), "a100-80gb-sxm", 2048, 1_022_362,
                 "Touvron et al. 2023 (LLaMA), Table 15; sec. 2.4: 2048 A100-80GB, 380 tokens/s/GPU, ~21 days"),
    PublishedRun("Llama 2 7B", _pretrain(6.74, 2.0e12, 4096), "a100-80gb-sxm", 2048, 184_320,
                 "Touvron et al. 2023, 'Llama 2: Open Foundation and Fine-Tuned Chat Models', Table 2"),
    PublishedRun("Llama 2 13B", _pretrain(13.0, 2.0e12, 4096), "a100-80gb-sxm", 2048, 368_640,
                 "Llama 2 paper, Table 2"),
    PublishedRun("Llama 2 70B", _pretrain(69.0, 2.0e12, 4096), "a100-80gb-sxm", 2048, 1_720_320,
                 "Llama 2 paper, Table 2"),
    PublishedRun("Llama 3 8B", _pretrain(8.03, 15e12, 8192), "h100-sxm", 2048, 1_300_000,
                 "Meta Llama 3 model card (MODEL_CARD.md), 'Training Factors' / carbon table: 1.3M H100-80GB hours, 15T+ tokens"),
    PublishedRun("Llama 3 70B", _pretrain(70.6, 15e12, 8192), "h100-sxm", 2048, 6_400_000,
                 "Meta Llama 3 model card: 6.4M H100-80GB hours, 15T+ tokens"),
    PublishedRun("MPT-7B", _pretrain(6.7, 1.0e12, 2048), "a100-40gb", 440, 440 * 9.5 * 24,
                 "MosaicML 2023-05-05, 'Introducing MPT-7B' (databricks.com/blog/mpt-7b): 1T tokens, 9.5 days on 440 A100-40GB"),
    PublishedRun("BLOOM 176B", _pretrain(176.2, 366e9, 2048, checkpointing=True), "a100-80gb-sxm", 384, 1_082_990,
                 "BigScience 2022, 'BLOOM: A 176B-Parameter Open-Access Multilingual Language Model', sec. 3.4/3.5: "
                 "384 A100-80GB, 366B tokens, 1,082,990 compute hours; activation checkpointing (Megatron-DeepSpeed)"),
    PublishedRun("Alpaca 7B (full fine-tune)",
                 Workload(model_params_b=6.7, dataset_tokens=52_002 * 300, epochs=3, method="full", seq_len=512,
                          micro_batch_size=4, gradient_checkpointing=False),
                 "a100-80gb-sxm", 8, 3 * 8,
                 "Stanford CRFM 2023-03-13, 'Alpaca: A Strong, Replicable Instruction-Following Model': 3 hours on "
                 "8 A100-80GB, 52K examples, 3 epochs. Uncertain: 300 tokens per example (padded) is our assumption; "
                 "the 3 h include model loading and checkpointing"),
)

MEDIAN_ERROR_LIMIT = 0.30


def run_errors():
    rows = []
    for run in RUNS:
        e = estimate_training(run.workload, GPUS_BY_SLUG[run.gpu_slug], run.gpu_count)
        estimated = e.training_hours * run.gpu_count
        rows.append((run, estimated, e.training_hours_low * run.gpu_count, e.training_hours_high * run.gpu_count,
                     (estimated - run.gpu_hours) / run.gpu_hours))
    return rows


def format_table(rows) -> str:
    lines = ["| Run | GPU | Published GPU-h | Estimated GPU-h (band) | Error |", "|---|---|---|---|---|"]
    for run, est, low, high, err in rows:
        lines.append(f"| {run.name} | {GPUS_BY_SLUG[run.gpu_slug].name} | {run.gpu_hours:,.0f} | "
                     f"{est:,.0f} ({low:,.0f}-{high:,.0f}) | {err:+.0%} |")
    median = statistics.median(abs(r[-1]) for r in rows)
    lines.append(f"\nMedian absolute error: {median:.1%} over {len(rows)} runs.")
    return "\n".join(lines)


def test_there_are_at_least_five_sourced_runs():
    assert len(RUNS) >= 5
    assert all(run.source for run in RUNS)


def test_median_error_against_published_runs_is_within_30_percent():
    rows = run_errors()
    print("\n" + format_table(rows))
    median = statistics.median(abs(r[-1]) for r in rows)
    assert median <= MEDIAN_ERROR_LIMIT


def test_most_published_runs_fall_inside_the_band():
    rows = run_errors()
    inside = sum(1 for run, _est, low, high, _err in rows if low <= run.gpu_hours <= high)
    assert inside >= len(rows) // 2


def test_the_table_in_docs_matches_the_estimator():
    """docs/estimator.md shows this table; change both together (paste the output of ``pytest -s``)."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "estimator.md").read_text()
    for line in format_table(run_errors()).splitlines():
        if line.startswith("| ") and not line.startswith("| Run"):
            assert line in docs, f"docs/estimator.md is out of date: {line}"
    median = statistics.median(abs(r[-1]) for r in run_errors())
    assert f"Median absolute error: {median:.1%} over {len(RUNS)} runs" in docs
