"""Storing a poll: database queries and time for 100, 1,000 and 10,000 offers through
pricing.services.snapshot_record (goal: the same number of queries whatever the number of offers).

    .venv/bin/python -m bench.poll_store [--sizes 100,1000,10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from . import common


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    common.setup_django()

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pricing import services
    from pricing.models import PollRun, ProviderState
    from pricing.providers.base import FetchResult

    common.reset_pricing()
    services.gpu_catalog_sync()
    ProviderState.objects.get_or_create(provider="runpod")
    rows = []
    for size in [int(x) for x in args.sizes.split(",")]:
        offers = common.synthetic_offers(size, providers=("runpod",))["runpod"]
        counts, times, kinds = [], [], {}
        for _ in range(args.runs):
            run = PollRun.objects.create(provider="runpod", started_at=timezone.now(), source="live")
            with CaptureQueriesContext(connection) as q:
                t0 = time.perf_counter()
                with transaction.atomic():  # as poll_provider calls it (on_commit hooks included)
                    services.snapshot_record(run, FetchResult(offers=list(offers)))
                times.append((time.perf_counter() - t0) * 1000)
            counts.append(len(q))
            kinds = {}
            for item in q.captured_queries:
                verb = item["sql"].split(None, 1)[0].upper()
                kinds[verb] = kinds.get(verb, 0) + 1
        rows.append({"offers": size, "queries": max(counts), "query_kinds": kinds,
                     "median_ms": round(statistics.median(times), 1),
                     "ms_per_offer": round(statistics.median(times) / size, 3)})
    print("snapshot_record: queries and time to store one poll (median of "
          f"{args.runs}; bulk_create batches of 2,000 rows)")
    print(common.table([(r["offers"], r["queries"], " ".join(f"{k}={v}" for k, v in sorted(r["query_kinds"].items())),
                         r["median_ms"], r["ms_per_offer"]) for r in rows],
                       ("offers", "queries", "by kind", "median ms", "ms/offer")))
    common.emit("poll_store", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
