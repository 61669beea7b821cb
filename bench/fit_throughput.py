"""Fit the estimator's free constants to the published measurements (offline; not a test).

    python -m bench.fit_throughput            # fit, print the constants, the band and the errors
    python -m bench.fit_throughput --check    # only the errors of the committed constants

Least squares on log(estimated / published) tokens per second per GPU over the ``fit`` rows of
``selector/data/throughput_measurements.csv`` (holdout and excluded rows are never seen) for the
default request (model size, method, GPU and count only: what a user sends and what the acceptance
check uses), with a steep extra penalty for any row off by more than 1.7x. The row's own settings
(sequence length, micro-batch, checkpointing) are reported, not fitted: until the third revision of
2026-12-01 both requests were fitted, and cross-validation inside the fit rows
(``--cross-validate``; docs/estimator.md, "Fit objective") put the default-only fit ahead on the
default request and no worse on the rows' own settings.
Nelder-Mead in log-parameter space, pure Python (no numpy on these machines). Paste the printed
``FIT`` and ``BAND`` into ``selector/estimator.py`` and the tables into ``docs/estimator.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import statistics
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from selector import estimator  # noqa: E402
from selector.measurements import estimated_per_gpu, rows  # noqa: E402

NAMES = list(estimator.FIT)


# Weight of (the default request, the row's own settings) in the objective: the default request only.
WEIGHTS = (1.0, 0.0)


def objective(logp: list[float], fit_rows, weights: tuple[float, float] = WEIGHTS) -> float:
    fit = dict(zip(NAMES, (math.exp(v) for v in logp), strict=True))
    if fit["matmul_efficiency"] > 1:
        return 1e9
    total = 0.0
    for m in fit_rows:
        for default, weight in zip((True, False), weights, strict=True):
            if not weight:
                continue
            est = estimated_per_gpu(m, default=default, fit=fit)
            err = math.log(est / m.tokens_per_second_per_gpu)
            # Squared log error, plus a steep penalty past 1.7x either way (the check allows 2x on
            # every row; 1.7 leaves room for the rows the fit never sees).
            total += weight * (err**2 + 50 * max(0.0, abs(err) - math.log(1.7)) ** 2)
    return total / len(fit_rows)


def nelder_mead(f, x0: list[float], step: float = 0.3, iters: int = 600, tol: float = 1e-7) -> list[float]:
    n = len(x0)
    pts = [list(x0)] + [[x + (step if i == j else 0) for j, x in enumerate(x0)] for i in range(n)]
    vals = [f(p) for p in pts]
    for _ in range(iters):
        order = sorted(range(n + 1), key=vals.__getitem__)
        pts, vals = [pts[i] for i in order], [vals[i] for i in order]
        if abs(vals[-1] - vals[0]) < tol:
            break
        centroid = [sum(p[j] for p in pts[:-1]) / n for j in range(n)]
        worst = pts[-1]
        refl = [c + (c - w) for c, w in zip(centroid, worst, strict=True)]
        fr = f(refl)
        if fr < vals[0]:
            exp = [c + 2 * (c - w) for c, w in zip(centroid, worst, strict=True)]
            fe = f(exp)
            pts[-1], vals[-1] = (exp, fe) if fe < fr else (refl, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = refl, fr
        else:
            con = [c + 0.5 * (w - c) for c, w in zip(centroid, worst, strict=True)]
            fc = f(con)
            if fc < vals[-1]:
                pts[-1], vals[-1] = con, fc
            else:
                best = pts[0]
                pts = [best] + [[b + 0.5 * (p - b) for b, p in zip(best, q, strict=True)] for q in pts[1:]]
                vals = [vals[0]] + [f(p) for p in pts[1:]]
    return pts[min(range(n + 1), key=vals.__getitem__)]


def quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    pos = q * (len(xs) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def report(fit: dict) -> None:
    for split in ("fit", "holdout"):
        for default in (True, False):
            errs = [estimated_per_gpu(m, default=default, fit=fit) / m.tokens_per_second_per_gpu - 1
                    for m in rows(split)]
            label = "default request" if default else "row settings"
            print(f"{split:8s} {label:16s} median |err| {statistics.median(abs(e) for e in errs):.1%}"
                  f"  max {max(abs(e) for e in errs):.1%}  (n={len(errs)})")


# Where every fit starts (not the committed constants: a cross-validation fold must not start from
# values fitted on the rows it is tested on).
START = {"matmul_efficiency": 0.6, "elementwise_bytes": 50.0, "dequant_bytes": 10.0, "layer_overhead_s": 1e-6,
         "adapter_overhead_s": 1e-6, "exposed_communication": 1.0}


def fit_constants(fit_rows, weights: tuple[float, float] = WEIGHTS) -> dict:
    x = [math.log(START[k]) for k in NAMES]
    for step in (0.5, 0.3, 0.1):  # restarts: Nelder-Mead stalls on this objective's flat stretches
        x = nelder_mead(lambda p: objective(p, fit_rows, weights), x, step=step, iters=1500)
    return dict(zip(NAMES, (math.exp(v) for v in x), strict=True))


def cross_validate(variants: dict[str, tuple[float, float]], assignments: int = 3, folds: int = 3) -> None:
    """For each objective weighting: fit on two thirds of the fit rows, estimate the other third,
    over ``assignments`` random fold assignments (sha256 of the seed and row id); print the median
    absolute error per kind with the default request and with the rows' own settings."""
    fit_rows = rows("fit")
    for name, weights in variants.items():
        out = {"fine-tuning": [], "pretraining": [], "own settings": []}
        for seed in range(assignments):
            split: dict[int, list] = {}
            for m in fit_rows:
                split.setdefault(int(hashlib.sha256(f"{seed}:{m.id}".encode()).hexdigest(), 16) % folds, []).append(m)
            errs: dict[str, list[float]] = {k: [] for k in out}
            for k in range(folds):
                fit = fit_constants([m for j in range(folds) if j != k for m in split[j]], weights)
                for m in split[k]:
                    errs[m.kind].append(abs(estimated_per_gpu(m, fit=fit) / m.tokens_per_second_per_gpu - 1))
                    errs["own settings"].append(abs(estimated_per_gpu(m, default=False, fit=fit) / m.tokens_per_second_per_gpu - 1))
            for key in out:
                out[key].append(statistics.median(errs[key]))
        cells = " | ".join(f"{statistics.mean(v):.1%} ({', '.join(f'{x:.1%}' for x in v)})" for v in out.values())
        print(f"| {name} | {cells} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--cross-validate", action="store_true")
    args = ap.parse_args()
    if args.cross_validate:
        print("| Objective | CV fine-tuning, default request | CV pretraining, default request | CV own settings |")
        print("|---|---|---|---|")
        cross_validate({"default request only (taken)": (1.0, 0.0), "default 4 : own settings 1": (4.0, 1.0),
                        "default 1 : own settings 1 (before)": (1.0, 1.0)})
        return
    fit = dict(estimator.FIT)
    if not args.check:
        fit = fit_constants(rows("fit"))
        print("FIT = {")
        for k, v in fit.items():
            print(f'    "{k}": {v:.3g},')
        print("}")
    def band(ms) -> tuple[float, float]:
        ratios = [m.tokens_per_second_per_gpu / estimated_per_gpu(m, fit=fit) for m in ms]
        return (math.floor(quantile(ratios, 0.09) * 100) / 100, math.ceil(quantile(ratios, 0.91) * 100) / 100)

    lo, hi = band(rows("fit"))
    print(f"BAND = ({lo:.2f}, {hi:.2f})  # 9th/91st percentile of measured/estimated, rounded outwards")
    kinds = {kind: band([m for m in rows("fit") if m.kind == kind]) for kind in ("pretraining", "fine-tuning")}
    print("BAND_BY_KIND = {" + ", ".join(f'"{k}": ({b[0]:.2f}, {b[1]:.2f})' for k, b in kinds.items()) + "}")
    report(fit)


if __name__ == "__main__":
    main()
