"""Fit the estimator's free constants to the published measurements (offline; not a test).

    python -m bench.fit_throughput            # fit, print the constants, the band and the errors
    python -m bench.fit_throughput --check    # only the errors of the committed constants

Least squares on log(estimated / published) tokens per second per GPU over the ``fit`` rows of
``selector/data/throughput_measurements.csv`` (holdout and excluded rows are never seen), summed
over two requests per row, with a steep extra penalty for any row off by more than 1.7x: the
default request (model size, method, GPU and count only: what the
acceptance check uses) and the row's own settings (sequence length, micro-batch, checkpointing).
Nelder-Mead in log-parameter space, pure Python (no numpy on these machines). Paste the printed
``FIT`` and ``BAND`` into ``selector/estimator.py`` and the tables into ``docs/estimator.md``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from selector import estimator  # noqa: E402
from selector.measurements import estimated_per_gpu, rows  # noqa: E402

NAMES = list(estimator.FIT)


def objective(logp: list[float], fit_rows) -> float:
    fit = dict(zip(NAMES, (math.exp(v) for v in logp), strict=True))
    if fit["matmul_efficiency"] > 1:
        return 1e9
    total = 0.0
    for m in fit_rows:
        for default in (True, False):
            est = estimated_per_gpu(m, default=default, fit=fit)
            err = math.log(est / m.tokens_per_second_per_gpu)
            # Squared log error, plus a steep penalty past 1.7x either way (the check allows 2x on
            # every row; 1.7 leaves room for the rows the fit never sees).
            total += err**2 + 50 * max(0.0, abs(err) - math.log(1.7)) ** 2
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    fit = dict(estimator.FIT)
    if not args.check:
        fit_rows = rows("fit")
        x = nelder_mead(lambda p: objective(p, fit_rows), [math.log(fit[k]) for k in NAMES])
        x = nelder_mead(lambda p: objective(p, fit_rows), x, step=0.1)
        fit = dict(zip(NAMES, (math.exp(v) for v in x), strict=True))
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
