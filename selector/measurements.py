"""Published training-throughput measurements the estimator is fitted to and checked against.

``selector/data/throughput_measurements.csv``: one row per published run (tokens/s per GPU with
the model size, method, GPU, count, precision, sequence length, micro-batch and checkpointing it
was taken at), each with its citation (URL and which table) and how the figure was read or derived.
``split`` is ``fit`` (the fit sees it), ``holdout`` (the fit never sees it; reported separately) or
``excluded`` (kept for the record, with the reason in ``derivation``; in no fit and no check).

Pure Python (csv + the estimator); used by the tests, ``bench/fit_throughput.py`` and the docs table.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pricing.gpus import GPUS_BY_SLUG
from selector.estimator import Workload, step_time, tokens_per_second

DATA_FILE = Path(__file__).resolve().parent / "data" / "throughput_measurements.csv"
SPLITS = ("fit", "holdout", "excluded")


@dataclass(frozen=True)
class Measurement:
    id: str
    split: str
    method: str
    model: str
    model_params_b: float
    precision: str
    gpu: str
    gpu_count: int
    seq_len: int
    micro_batch_size: int | None
    gradient_checkpointing: str  # "true", "false", "selective" or "" (not stated)
    tokens_per_second_per_gpu: float
    peak_memory_gib: float | None
    framework: str
    citation_url: str
    citation_where: str
    derivation: str

    @property
    def kind(self) -> str:
        return "pretraining" if self.method == "pretrain" else "fine-tuning"


def _opt_int(v: str) -> int | None:
    return int(v) if v.strip() else None


def _opt_float(v: str) -> float | None:
    return float(v) if v.strip() else None


@lru_cache(maxsize=1)
def load_measurements() -> tuple[Measurement, ...]:
    with DATA_FILE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        out.append(Measurement(
            id=r["id"], split=r["split"], method=r["method"], model=r["model"],
            model_params_b=float(r["model_params_b"]), precision=r["precision"], gpu=r["gpu"],
            gpu_count=int(r["gpu_count"]), seq_len=int(r["seq_len"]),
            micro_batch_size=_opt_int(r["micro_batch_size"]), gradient_checkpointing=r["gradient_checkpointing"],
            tokens_per_second_per_gpu=float(r["tokens_per_second_per_gpu"]),
            peak_memory_gib=_opt_float(r["peak_memory_gib"]), framework=r["framework"],
            citation_url=r["citation_url"], citation_where=r["citation_where"], derivation=r["derivation"],
        ))
    return tuple(out)


def default_workload(m: Measurement) -> Workload:
    """The request a user would send: model size, method and tokens; GPU and count go alongside."""
    return Workload(model_params_b=m.model_params_b, dataset_tokens=1e9, method=m.method)


def detailed_workload(m: Measurement) -> Workload:
    """The row's own settings where it states them (selective checkpointing counts as off)."""
    ckpt = {"true": True, "false": False, "selective": False}.get(m.gradient_checkpointing, "auto")
    return Workload(model_params_b=m.model_params_b, dataset_tokens=1e9, method=m.method, precision=m.precision,
                    seq_len=m.seq_len, micro_batch_size=m.micro_batch_size, gradient_checkpointing=ckpt)


def estimated_per_gpu(m: Measurement, *, default: bool = True, fit: dict | None = None) -> float:
    w = default_workload(m) if default else detailed_workload(m)
    gpu = GPUS_BY_SLUG[m.gpu]
    if fit is None:
        return tokens_per_second(w, gpu, m.gpu_count) / m.gpu_count
    from selector.estimator import resolve_checkpointing

    resolved = resolve_checkpointing(w, gpu, m.gpu_count)
    return 1 / step_time(resolved, gpu, m.gpu_count, fit).total


def error(m: Measurement, **kw) -> float:
    """Signed relative error of the estimate: estimated / published - 1."""
    return estimated_per_gpu(m, **kw) / m.tokens_per_second_per_gpu - 1


def rows(split: str | None = None) -> list[Measurement]:
    return [m for m in load_measurements() if split is None or m.split == split]


def median_abs_error(ms: list[Measurement], **kw) -> float:
    return statistics.median(abs(error(m, **kw)) for m in ms)


def ratio_band_coverage(ms: list[Measurement], band: tuple[float, float] | None = None, **kw) -> float:
    """Share of rows whose published value lies inside the band around the estimate (each row's
    own band, ``selector.estimator.band_for``, unless ``band`` is given)."""
    from selector.estimator import band_for

    inside = 0
    for m in ms:
        est = estimated_per_gpu(m, **kw)
        lo, hi = band if band is not None else band_for(m.method)
        if lo * est <= m.tokens_per_second_per_gpu <= hi * est:
            inside += 1
    return inside / len(ms)


def _fmt(v: float) -> str:
    return f"{v:,.0f}"


def accuracy_table(before: dict[str, float]) -> str:
    """The docs table: every row, published vs the default estimate before issue 14 and now."""
    from selector.estimator import band_for

    lines = ["| Row | Split | Method | Model | GPU x count | Published tok/s/GPU | Before | Error before | Now (band) | Error now |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for m in load_measurements():
        est = estimated_per_gpu(m)
        old = before.get(m.id)
        old_cell = _fmt(old) if old else "-"
        old_err = f"{old / m.tokens_per_second_per_gpu - 1:+.0%}" if old else "-"
        lo, hi = band_for(m.method)
        band = f"{_fmt(est * lo)}-{_fmt(est * hi)}"
        lines.append(f"| {m.id} | {m.split} | {m.method} | {m.model} | {GPUS_BY_SLUG[m.gpu].name} x {m.gpu_count} | "
                     f"{_fmt(m.tokens_per_second_per_gpu)} | {old_cell} | {old_err} | {_fmt(est)} ({band}) | "
                     f"{est / m.tokens_per_second_per_gpu - 1:+.0%} |")
    return "\n".join(lines)


def summary_lines(before: dict[str, float], earlier: Sequence[tuple[str, dict[str, float]]] = ()) -> list[str]:
    """Median and max absolute error of the default estimate, before issue 14, at each of the
    ``earlier`` estimators (a column each: name, figures by row id; bench/estimator_table.py's
    ``SNAPSHOTS``) and now, by split and kind, with the band's coverage."""
    cols = list(earlier)
    mid = "".join(f" Median {name} |" for name, _ in cols)
    out = [f"| Rows | n | Median abs. error before |{mid} Median now | Max before | Max now | Inside band now |",
           "|---|---|---|---|---|---|---|" + "---|" * len(cols)]
    groups = [("fit", None), ("holdout", None), ("fit", "pretraining"), ("fit", "fine-tuning"),
              ("holdout", "pretraining"), ("holdout", "fine-tuning"), ("fit+holdout", None)]
    for split, kind in groups:
        ms = [m for m in load_measurements() if m.split in split.split("+") and (kind is None or m.kind == kind)]
        now = [abs(error(m)) for m in ms]
        old = [abs(before[m.id] / m.tokens_per_second_per_gpu - 1) for m in ms]
        label = f"{split}{' ' + kind if kind else ''}"
        mid = "".join(f" {statistics.median(abs(d[m.id] / m.tokens_per_second_per_gpu - 1) for m in ms):.1%} |"
                      for _, d in cols)
        out.append(f"| {label} | {len(ms)} | {statistics.median(old):.1%} |{mid} {statistics.median(now):.1%} | "
                   f"{max(old):.0%} | {max(now):.0%} | {ratio_band_coverage(ms):.0%} |")
    return out
