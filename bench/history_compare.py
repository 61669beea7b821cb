"""compare-costs latency as price history grows: the same current offers, with 10 thousand and
with millions of history rows behind them (goal: within 10%).

    .venv/bin/python -m bench.history_compare [--rows 10000,10000000] [--runs 30]

History is built with bench.history_scale's builder (generated inside Postgres); then every
provider is polled from the built-in list, so the current offers are the same at every size
and only the history differs. Timed in process through Django's test client (all middleware),
median and p90 of --runs, plus the history API for one GPU family over 90 days.
"""

from __future__ import annotations

import argparse
import statistics
import time

from . import common

BODY = {"training_hours": 10, "local_gpu_type": "RTX 4090", "min_memory_gb": 24}


def _timed(fn, runs):
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.9) - 1)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="10000,10000000", help="history sizes, comma-separated")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args(argv)
    common.setup_django()

    from django.test import Client

    from bench.history_scale import build
    from pricing.models import Offer

    client = Client(HTTP_HOST="127.0.0.1")
    rows = []
    for size in [int(x) for x in args.rows.split(",")]:
        info = build(rows=size, days=args.days)
        current = common.seed_catalog(reset=False)  # keep the history just built

        def compare():
            resp = client.post("/api/cloud/compare-costs", BODY, content_type="application/json")
            assert resp.status_code == 200, resp.content[:300]

        def history():
            resp = client.get("/api/cloud/history?gpu_type=H100&days=90")
            assert resp.status_code == 200, resp.content[:300]

        c_med, c_p90 = _timed(compare, args.runs)
        h_med, h_p90 = _timed(history, max(5, args.runs // 3))
        rows.append({"history_rows": Offer.objects.count(), "rollup_rows": info["rollup_rows"],
                     "build_s": round(info["total_s"], 1), "current_offers": current,
                     "compare_median_ms": round(c_med, 2), "compare_p90_ms": round(c_p90, 2),
                     "history_api_median_ms": round(h_med, 2), "history_api_p90_ms": round(h_p90, 2)})
        print(f"built {info['offers']:,} history rows in {info['total_s']:.0f} s; compare-costs median {c_med:.1f} ms",
              flush=True)
    base = rows[0]["compare_median_ms"]
    for r in rows:
        r["vs_smallest"] = round(r["compare_median_ms"] / base, 2)
    print(common.table([(f"{r['history_rows']:,}", f"{r['rollup_rows']:,}", r["build_s"], r["current_offers"],
                         r["compare_median_ms"], r["compare_p90_ms"], r["vs_smallest"], r["history_api_median_ms"])
                        for r in rows],
                       ("Offer rows", "rollup rows", "build s", "current offers", "compare median ms", "p90 ms",
                        "x smallest", "history API ms")))
    worst = max(r["vs_smallest"] for r in rows)
    print(f"compare-costs at the largest history is {worst:.2f}x the smallest: "
          f"{'meets' if worst <= 1.10 else 'MISSES'} the 10% goal")
    common.emit("history_compare", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
