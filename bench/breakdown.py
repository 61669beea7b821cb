"""Where a compare-costs request spends its time, in process: input validation, the price read
(database + model instances), the engine and response building, JSON rendering, and the whole
request through Django's middleware stack. Used by api_load and gpuhunt_compare to explain
their figures; run alone to print a pyinstrument profile too:

    .venv/bin/python -m bench.breakdown [--offers N] [--profile]
"""

from __future__ import annotations

import argparse
import statistics
import time

from . import common


def _median_ms(fn, runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def stages(body: dict, runs: int = 15) -> list[tuple[str, float]]:
    from django.db import connection
    from django.test import Client
    from rest_framework.renderers import JSONRenderer

    from pricing.selectors import latest_snapshot
    from selector.api.serializers import CompareCostsInputSerializer, compare_answer_dict
    from selector.compare import compare_costs
    from selector.query import CompareQuery

    def validate():
        ser = CompareCostsInputSerializer(data=body)
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    validated = validate()
    query = CompareQuery.from_validated(validated)
    response = compare_answer_dict(compare_costs(query))
    client = Client(HTTP_HOST="127.0.0.1")
    queries = []  # request_started resets connection.queries, so count with a wrapper instead

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.post("/api/cloud/compare-costs", body, content_type="application/json")
    total = _median_ms(lambda: client.post("/api/cloud/compare-costs", body, content_type="application/json"), runs)
    read = _median_ms(latest_snapshot, runs)
    service = _median_ms(lambda: compare_costs(query), runs)
    render = _median_ms(lambda: JSONRenderer().render(response), runs)
    valid = _median_ms(validate, runs)
    sql_only = _median_ms(lambda: _raw_rows(), runs)
    tuples = _median_ms(lambda: _tuples_read(), runs)
    rows = [
        ("whole request (test client, all middleware)", total),
        ("  input validation (serializer)", valid),
        ("  price read: latest_snapshot() (DB + model instances)", read),
        ("  engine + response dicts (compare_costs minus the read)", max(0.0, service - read)),
        ("  JSON rendering", render),
        ("  the rest (middleware, throttle, request parsing)", max(0.0, total - valid - service - render)),
    ]
    rows += [
        ("  (for comparison) the same offers as plain SQL rows, no model instances", sql_only),
        ("  (for comparison) values_list() + a dict of the ~25 GPU rows", tuples),
    ]
    return rows + [(f"SQL queries per request: {len(queries)}; options returned: {len(response['options'])}; "
                    f"response bytes: {len(JSONRenderer().render(response)):,}", float("nan"))]


def _current_poll_ids() -> list[int]:
    from pricing.models import ProviderState

    return list(ProviderState.objects.filter(current_poll__isnull=False).values_list("current_poll_id", flat=True))


def _raw_rows():
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT o.*, g.slug, g.name, g.memory_gb FROM pricing_offer o JOIN pricing_gpumodel g "
                  "ON g.id = o.gpu_id WHERE o.poll_id = ANY(%s) ORDER BY o.usd_per_hour, o.id", [_current_poll_ids()])
        return c.fetchall()


def _tuples_read():
    """What latest_snapshot's offer read costs without building 10,000 Offer + GpuModel instances."""
    from pricing.models import GpuModel, Offer

    gpus = {g.pk: g for g in GpuModel.objects.all()}
    rows = Offer.objects.filter(poll_id__in=_current_poll_ids()).order_by("usd_per_hour", "id").values_list(
        "id", "provider", "provider_sku", "gpu_id", "gpu_count", "gpu_memory_gb", "usd_per_hour",
        "usd_per_gpu_hour", "region", "availability", "interruptible", "tier", "observed_at")
    return [(r, gpus[r[3]]) for r in rows]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--offers", type=int, default=0)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    common.setup_django()
    n = common.seed_offers(args.offers) if args.offers else common.seed_catalog()
    body = {"training_hours": 1, "min_memory_gb": 24, "gpu_count": 1, "sort": "cost"}
    print(f"compare-costs time by stage, {n} current offers (median ms)")
    rows = stages(body)
    print(common.table([(name, "" if ms != ms else f"{ms:.2f}") for name, ms in rows], ("stage", "ms")))
    if args.profile:
        from django.test import Client
        from pyinstrument import Profiler

        client = Client(HTTP_HOST="127.0.0.1")
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(10):
            client.post("/api/cloud/compare-costs", body, content_type="application/json")
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    common.emit("breakdown", [{"stage": s, "ms": round(ms, 2) if ms == ms else None} for s, ms in rows])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
