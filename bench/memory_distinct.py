"""Worker memory with distinct questions (issue 12 point 1): flat, however many arrive.

    .venv/bin/python -m bench.memory_distinct [--offers 10000] [--questions 1000] [--workers 2]

Seeds --offers synthetic current offers (bench database, see bench/common.py), starts gunicorn on
127.0.0.1 (DJANGO_DEBUG=0, --workers sync workers, Redis cache, no throttles), warms every worker,
then sends --questions distinct questions, half POST /api/cloud/compare-costs and half
GET /compare/ pages ("1 GPU, >= 24 GB", each with its own training_hours, so no answer is ever
reused), 4 clients at a time. Prints each worker's RSS before, half-way and after. Before the
byte bound, 300 distinct /compare/ questions grew a worker from ~120 MB to ~1.4 GB.

Bound checked: each worker ends within PRICE_SNAPSHOT_MAX_BYTES + COMPARE_ANSWER_CACHE_MAX_BYTES (the
one answer cache, rendered bytes, held on the priced snapshot; issue 10) (+16 MB history, +2 MB
bodies) + 80 MB slack of where it started, and grows less than 40 MB over the
second half (the caches are full by then: flat). Exit status 1 when a bound is missed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import time

from . import common

QUESTION = {"min_memory_gb": 24, "gpu_count": 1, "sort": "cost"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--min-memory", type=int, default=24, help="the questions' min_memory_gb (24: 2,304 options)")
    args = ap.parse_args(argv)
    common.setup_django()
    from django.conf import settings

    n = common.seed_offers(args.offers)
    common.collectstatic(common.server_env())  # DJANGO_DEBUG=0 serves hashed static names
    from selector.options import answer_cache_max_bytes

    budget_mb = (getattr(settings, "PRICE_SNAPSHOT_MAX_BYTES", 0) + answer_cache_max_bytes()) / 2**20 + 18
    import httpx

    info: dict = {}
    errors = 0
    samples: dict[str, list[float]] = {}
    with common.gunicorn(workers=args.workers, info=info, PAGE_THROTTLE_ANON="") as base:
        pids = common.worker_pids(info["pid"])
        clients = [httpx.Client(timeout=120) for _ in range(args.clients)]

        def ask(i: int) -> int:
            c = clients[i % len(clients)]
            hours = round(1 + (i % 50_000) * 0.137 % 9000, 3)  # a new question every time (API: <= 10,000 h)
            question = {**QUESTION, "min_memory_gb": args.min_memory, "training_hours": hours}
            if i % 2:
                r = c.post(f"{base}/api/cloud/compare-costs", json=question)
            else:
                r = c.get(f"{base}/compare/", params=question)
            if r.status_code != 200:
                print("ERROR", r.status_code, r.request.method, r.request.url, r.text[:200].replace("\n", " "))
            return r.status_code

        def run(start: int, count: int) -> int:
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                return sum(code != 200 for code in pool.map(ask, range(start, start + count)))

        errors += run(50_000, 8 * args.workers)  # warm every worker (imports, snapshot, templates)
        samples["before"] = [common.rss_mb(p) for p in pids]
        t0 = time.monotonic()
        total = args.questions
        errors += run(0, total // 2)
        samples["half-way"] = [common.rss_mb(p) for p in pids]
        errors += run(total // 2, total - total // 2)
        samples["after"] = [common.rss_mb(p) for p in pids]
        elapsed = time.monotonic() - t0
        for c in clients:
            c.close()

    rows = []
    ok = errors == 0
    for i, pid in enumerate(pids):
        before, half, after = (samples[k][i] for k in ("before", "half-way", "after"))
        within = after - before <= budget_mb + 80 and after - half < 40
        ok &= within
        rows.append({"worker": pid, "before_mb": round(before, 1), "half_way_mb": round(half, 1),
                     "after_mb": round(after, 1), "growth_mb": round(after - before, 1),
                     "second_half_mb": round(after - half, 1), "within_bound": within})
    print(f"{n} offers, {total} distinct questions ({total // 2} compare-costs + {total - total // 2} /compare/), "
          f"min_memory_gb={args.min_memory}, {args.workers} workers, {args.clients} clients, {elapsed:.0f} s, "
          f"{errors} errors; "
          f"bound: growth <= {budget_mb + 80:.0f} MB, second half < 40 MB")
    print(common.table([tuple(r.values()) for r in rows], tuple(rows[0].keys())))
    common.emit("memory_distinct", rows)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
