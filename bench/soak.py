"""Soak: mixed API and page traffic with distinct questions while polls land (issue 12).

    .venv/bin/python -m bench.soak [--seconds 120] [--offers 10000] [--poll-every 30] [--clients 4]

Loopback only, bounded: --seconds (default 120; the recorded run used 600) of traffic from
--clients threads against gunicorn (2 sync workers, DJANGO_DEBUG=0, Redis cache, throttles off)
over --offers synthetic current offers, while this process stores a new poll of one provider every
--poll-every seconds (rotating providers, prices moved a little: every cached answer goes stale).
The mix, per client loop: a distinct POST compare-costs, POST instances, GET providers, GET gpus,
a distinct GET /compare/, GET /prices/, GET /tips/, GET /healthz. Reports requests, errors (any
status >= 400 or transport error), latency percentiles, and each worker's RSS at start and end.
Pass: no error, and no worker grows more than the answer caches' budgets plus 80 MB.
"""

from __future__ import annotations

import argparse
import math
import random
import threading
import time
from decimal import Decimal

from . import common

QUESTION = {"min_memory_gb": 24, "gpu_count": 1}


def land_poll(provider: str, n_offers: int, bump: int) -> None:
    from dataclasses import replace

    from django.utils import timezone

    from pricing import services
    from pricing.models import PollRun
    from pricing.providers.base import FetchResult

    offers = common.synthetic_offers(n_offers)[provider]
    factor = Decimal(100 + bump % 7) / 100
    offers = [replace(o, usd_per_hour=(o.usd_per_hour * factor).quantize(Decimal("0.0001"))) for o in offers]
    run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source="live")
    services.snapshot_record(run, FetchResult(offers=offers))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--poll-every", type=float, default=30)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args(argv)
    common.setup_django()
    from django.conf import settings

    n = common.seed_offers(args.offers)
    common.collectstatic(common.server_env())
    budget_mb = getattr(settings, "PRICE_SNAPSHOT_MAX_BYTES", 0) / 2**20 + 18
    import httpx

    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**9))
    info: dict = {}
    polls = 0
    with common.gunicorn(workers=2, info=info) as base:
        pids = common.worker_pids(info["pid"])
        rss_start = [common.rss_mb(p) for p in pids]

        def client_loop(seed: int):
            rnd = random.Random(seed)
            with httpx.Client(timeout=60) as c:
                while not stop.is_set():
                    i = next(counter)
                    hours = round(1 + (i * 0.731) % 9000, 3)
                    for name, call in (
                        ("compare-costs", lambda hours=hours: c.post(f"{base}/api/cloud/compare-costs",
                                                         json={**QUESTION, "training_hours": hours})),
                        ("instances", lambda: c.post(f"{base}/api/cloud/instances",
                                                     json={"min_memory_gb": rnd.choice([16, 24, 40, 80])})),
                        ("providers", lambda: c.get(f"{base}/api/cloud/providers")),
                        ("gpus", lambda: c.get(f"{base}/api/cloud/gpus")),
                        ("/compare/", lambda hours=hours: c.get(f"{base}/compare/", params={**QUESTION, "training_hours": hours})),
                        ("/prices/", lambda: c.get(f"{base}/prices/")),
                        ("/tips/", lambda: c.get(f"{base}/tips/")),
                        ("/healthz", lambda: c.get(f"{base}/healthz")),
                    ):
                        if stop.is_set():
                            return
                        t0 = time.perf_counter()
                        try:
                            r = call()
                            bad = r.status_code >= 400 and f"{name}: HTTP {r.status_code}"
                        except httpx.HTTPError as exc:
                            bad = f"{name}: {type(exc).__name__}"
                        ms = (time.perf_counter() - t0) * 1000
                        with lock:
                            latencies.setdefault(name, []).append(ms)
                            if bad:
                                errors.append(bad)

        threads = [threading.Thread(target=client_loop, args=(k,), daemon=True) for k in range(args.clients)]
        t_start = time.monotonic()
        for t in threads:
            t.start()
        providers = list(common.synthetic_offers(0))
        next_poll = t_start + args.poll_every
        rss_samples = []
        while time.monotonic() - t_start < args.seconds:
            time.sleep(1)
            if time.monotonic() >= next_poll:
                land_poll(providers[polls % len(providers)], args.offers, polls)
                polls += 1
                next_poll += args.poll_every
                rss_samples.append([round(common.rss_mb(p), 1) for p in pids])
        stop.set()
        for t in threads:
            t.join(90)
        elapsed = time.monotonic() - t_start
        rss_end = [common.rss_mb(p) for p in pids]

    every = [ms for v in latencies.values() for ms in v]

    def pct(values, q):  # nearest rank
        ordered = sorted(values)
        return round(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)], 1) if ordered else None

    rows = [{"what": name, "requests": len(v), "p50_ms": pct(v, 50), "p90_ms": pct(v, 90), "p99_ms": pct(v, 99),
             "max_ms": round(max(v), 1)} for name, v in sorted(latencies.items())]
    rows.append({"what": "all", "requests": len(every), "p50_ms": pct(every, 50), "p90_ms": pct(every, 90),
                 "p99_ms": pct(every, 99), "max_ms": round(max(every), 1) if every else None})
    growth = [e - s for s, e in zip(rss_start, rss_end, strict=True)]
    ok = not errors and all(g <= budget_mb + 80 for g in growth)
    print(f"soak: {elapsed:.0f} s, {n} offers, {args.clients} clients, {polls} polls landed "
          f"(every {args.poll_every:g} s), {len(every)} requests, {len(errors)} errors")
    print(common.table([tuple(r.values()) for r in rows], tuple(rows[0].keys())))
    print("worker RSS MiB start -> end: " + ", ".join(f"{s:.0f} -> {e:.0f} ({e - s:+.0f})"
                                                     for s, e in zip(rss_start, rss_end, strict=True))
          + f"; bound: growth <= {budget_mb + 80:.0f} MB")
    print("RSS after each poll: " + " ".join(str(x) for x in rss_samples))
    if errors:
        print("errors (first 10):", errors[:10])
    common.emit("soak", rows + [{"rss_start": rss_start, "rss_end": rss_end, "errors": len(errors), "polls": polls}])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
