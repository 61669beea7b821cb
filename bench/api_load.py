"""API under concurrent load: compare-costs and instances vs the framework's floor (a trivial JSON
view on the same gunicorn, same middleware), in one run.

    .venv/bin/python -m bench.api_load [--seconds 10] [--connections 8] [--workers 2] [--offers N]

Prices: the built-in dated list (what PRICING_OFFLINE=1 polls), or --offers N synthetic offers.
gunicorn runs with DJANGO_DEBUG=0, a bench secret key, throttling off (API_THROTTLE_ANON=1000000/min)
and Redis as the cache. Goal: compare-costs within 1.5x of the floor.
"""

from __future__ import annotations

import argparse

from . import common

COMPARE = {"training_hours": 10, "local_gpu_type": "RTX 4090", "min_memory_gb": 24}
INSTANCES = {"min_memory_gb": 24}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--offers", type=int, default=0, help="seed N synthetic offers instead of the built-in list")
    args = ap.parse_args(argv)
    common.setup_django()
    offers = common.seed_offers(args.offers) if args.offers else common.seed_catalog()

    import httpx

    rows = []
    with common.gunicorn(workers=args.workers, BENCH_FLOOR_VIEW="1") as base:
        targets = [
            ("floor GET /bench/floor", f"{base}/bench/floor", None),
            ("floor POST /bench/floor", f"{base}/bench/floor", COMPARE),
            ("POST /api/cloud/compare-costs", f"{base}/api/cloud/compare-costs", COMPARE),
            ("POST /api/cloud/instances", f"{base}/api/cloud/instances", INSTANCES),
            ("GET /api/cloud/providers", f"{base}/api/cloud/providers", None),
        ]
        for name, url, body in targets:  # warm every worker, check the answer
            for _ in range(args.workers * 4):
                resp = httpx.post(url, json=body) if body is not None else httpx.get(url)
                assert resp.status_code == 200, (url, resp.status_code, resp.text[:300])
            size = len(resp.content)
            r = common.load(url, body=body, seconds=args.seconds, connections=args.connections)
            rows.append({"endpoint": name, "rps": round(r["rps"], 1), "p50_ms": round(r["p50_ms"], 2),
                         "p90_ms": round(r["p90_ms"], 2), "p99_ms": round(r["p99_ms"], 2),
                         "requests": r["requests"], "errors": r["errors"], "bytes": size, "tool": r["tool"]})
    floor = rows[1]["rps"]
    for row in rows:
        row["floor_rps_ratio"] = round(floor / row["rps"], 2) if row["rps"] else None
    print(f"API load: {offers} current offers, gunicorn {args.workers} workers, {args.connections} connections, "
          f"{args.seconds} s per endpoint ({rows[0]['tool']})")
    print(common.table([(r["endpoint"], r["rps"], r["p50_ms"], r["p90_ms"], r["p99_ms"], r["errors"], r["bytes"],
                         r["floor_rps_ratio"]) for r in rows],
                       ("endpoint", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors", "bytes", "floor/x")))
    compare = next(r for r in rows if "compare-costs" in r["endpoint"])
    verdict = "meets" if compare["floor_rps_ratio"] <= 1.5 else "MISSES"
    print(f"compare-costs throughput is 1/{compare['floor_rps_ratio']} of the floor: {verdict} the 1.5x goal")
    common.emit("api_load", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
