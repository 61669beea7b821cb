"""Questions never asked before, at 1,000 and 10,000 current offers, side by side with dstack's
gpuhunt in process on the same offers, in one run.

    .venv/bin/python -m bench.never_asked [--sizes 1000,10000] [--questions 30] [--profile]

Every question differs (minimum memory 16-48 GB and the training hours vary, one GPU), so no
answer, rendered body or validated body can be reused: this is what real users asking their own
question get, not a page refreshing the same question. For each size:

- gpuhunt 0.1.34 ``Catalog.query(provider=..., min_gpu_memory=M, min_gpu_count=1, max_gpu_count=1)``
  sorted by price, catalog held in memory (loaded once), the same M per question: once alone, and
  once before each of our timed requests (interleaved: the same seconds, so the same load; the
  "x gpuhunt" column is against the interleaved median);
- ours over HTTP (gunicorn, 2 sync workers, ``DJANGO_DEBUG=0``, one keep-alive client):
  ``POST /api/cloud/compare-costs`` without and with ``limit: 20``, ``POST /api/cloud/instances``
  without and with ``limit: 20`` (code before ``limit`` existed ignores the field and answers in
  full: the "before" figures then equal the unlimited ones), and one question asked again, without
  and with ``limit: 20`` (the cached-repeat figure of ``bench.gpuhunt_compare``).

Median (and p90) over the questions. ``--profile`` adds a pyinstrument profile, at the smallest
size, of whole requests in process (Django's test client: every middleware, DRF, the throttle on
Redis, the view, the service; the server's pointer hold and Redis cache) for never-asked
``limit: 20`` questions, then of the service alone (no HTTP) answering every option at the largest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from . import common
from .gpuhunt_compare import GPUHUNT_NAME, write_catalog

MEMORY_GB = (16, 20, 24, 32, 40, 48)


def questions(k: int) -> list[dict]:
    """``k`` different compare-costs questions (1 GPU, varying memory and hours)."""
    return [{"training_hours": round(1 + i * 0.37, 2), "min_memory_gb": MEMORY_GB[i % len(MEMORY_GB)],
             "gpu_count": 1, "sort": "cost"} for i in range(k)]


def instance_questions(k: int) -> list[dict]:
    # Unique bodies: the memory floor moves by a thousandth of a GB per question (same matches).
    return [{"min_memory_gb": MEMORY_GB[i % len(MEMORY_GB)] + (i // len(MEMORY_GB)) * 0.001, "gpu_count": 1}
            for i in range(k)]


def stats(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s), s[max(0, int(len(s) * 0.9) - 1)]


def gpuhunt_rows(offers_by_provider: dict, qs: list[dict], root: Path):
    """gpuhunt's figure asked alone, its catalog load time, and ``ask(min_memory_gb) -> ms`` (one
    more query, for the interleaved figure)."""
    from gpuhunt._internal import catalog as gh_catalog

    write_catalog(root, offers_by_provider)
    names = [GPUHUNT_NAME[p] for p in offers_by_provider]
    gh_catalog.OFFLINE_PROVIDERS[:] = names  # only ours: never touch the network
    os.environ["GPUHUNT_CATALOG_URL"] = (root / "url").as_uri()
    t0 = time.perf_counter()
    cat = gh_catalog.Catalog(auto_reload=False)
    cat.load()
    load_ms = (time.perf_counter() - t0) * 1000
    def query(memory):
        return sorted(cat.query(provider=names, min_gpu_memory=memory, min_gpu_count=1, max_gpu_count=1),
                      key=lambda i: i.price)

    def ask(memory) -> float:
        t0 = time.perf_counter()
        query(memory)
        return (time.perf_counter() - t0) * 1000

    samples, answers = [], []
    for q in [qs[0], *qs]:  # the first is a warm-up
        t0 = time.perf_counter()
        items = query(q["min_memory_gb"])
        samples.append((time.perf_counter() - t0) * 1000)
        answers.append(len(items))
    med, p90 = stats(samples[1:])
    return {"what": "gpuhunt in process, catalog in memory, asked alone first", "median_ms": med, "p90_ms": p90,
            "answers": int(statistics.median(answers[1:])), "bytes": ""}, load_ms, ask


def http_rows(base: str, qs: list[dict], iqs: list[dict], side=None) -> list[dict]:
    """``side(min_memory_gb)``, when given, runs (untimed here) before each timed request: gpuhunt's
    query for the same memory, so its figure is taken in the same seconds as ours."""
    import httpx

    rows = []
    with httpx.Client(timeout=120) as client:
        def post(path, body):
            resp = client.post(base + path, json=body)
            assert resp.status_code == 200, resp.text[:300]
            return resp

        for i in range(4):  # both workers load the snapshot (a question nobody asks later)
            post("/api/cloud/compare-costs", {"training_hours": 999 - i, "gpu_count": 1})
        cases = [
            ("compare-costs, never asked", "/api/cloud/compare-costs", qs, None, "options"),
            ("compare-costs, never asked, limit=20", "/api/cloud/compare-costs",
             [{**q, "training_hours": q["training_hours"] + 0.005} for q in qs], 20, "options"),
            ("instances, never asked", "/api/cloud/instances", iqs, None, "instances"),
            ("instances, never asked, limit=20", "/api/cloud/instances",
             [{**q, "min_memory_gb": q["min_memory_gb"] + 0.0005} for q in iqs], 20, "instances"),
        ]
        for label, path, bodies, limit, key in cases:
            samples, sizes, answers, counts = [], [], [], []
            for body in bodies:
                if limit is not None:
                    body = {**body, "limit": limit}
                if side is not None:
                    side(body["min_memory_gb"])
                t0 = time.perf_counter()
                resp = post(path, body)
                samples.append((time.perf_counter() - t0) * 1000)
                data = resp.json()
                sizes.append(len(resp.content))
                answers.append(len(data[key]))
                counts.append(data.get("count", len(data[key])))
            med, p90 = stats(samples)
            rows.append({"what": f"ours over HTTP: {label}", "median_ms": med, "p90_ms": p90,
                         "answers": int(statistics.median(answers)), "matches": int(statistics.median(counts)),
                         "bytes": int(statistics.median(sizes))})
        # The same question again and again (both workers have answered it once).
        for label, limit in (("", None), (", limit=20", 20)):
            repeat = {**qs[0], "training_hours": 1234.5}
            if limit is not None:
                repeat["limit"] = limit
            for _ in range(4):
                post("/api/cloud/compare-costs", repeat)
            samples = []
            for _ in range(len(qs)):
                if side is not None:
                    side(repeat["min_memory_gb"])
                t0 = time.perf_counter()
                resp = post("/api/cloud/compare-costs", repeat)
                samples.append((time.perf_counter() - t0) * 1000)
            med, p90 = stats(samples)
            rows.append({"what": f"ours over HTTP: compare-costs, the same question again{label}", "median_ms": med,
                         "p90_ms": p90, "answers": len(resp.json()["options"]), "bytes": len(resp.content)})
    return rows


def profile_requests(qs: list[dict]) -> None:
    """Whole never-asked ``limit: 20`` requests in process, with the server's settings for what a
    request pays for (the pointer hold, the throttle's Redis)."""
    import json

    from django.test import Client, override_settings
    from pyinstrument import Profiler

    env = common.server_env()
    caches = {"default": {"BACKEND": "config.cache.FailSoftRedisCache", "LOCATION": env["REDIS_URL"],
                          "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}}
    with override_settings(CACHES=caches, PRICE_POINTERS_CACHE_SECONDS=1, ALLOWED_HOSTS=["*"]):
        client = Client()

        def ask(body):
            resp = client.post("/api/cloud/compare-costs", json.dumps({**body, "limit": 20}),
                               content_type="application/json")
            assert resp.status_code == 200, resp.content[:300]

        ask(qs[0])
        prof = Profiler(interval=0.0002)
        prof.start()
        for k in range(10):
            for q in qs[1:]:
                ask(dict(q, training_hours=q["training_hours"] + 0.0001 * (k + 1)))
        prof.stop()
    print(prof.output_text(unicode=False, color=False, show_all=False)[:7000])


def profile(qs: list[dict]) -> None:
    from pyinstrument import Profiler

    from selector.api.serializers import CompareCostsInputSerializer

    try:  # after issue 10: typed question in, typed answer out, serialised by the API
        from selector.api.serializers import compare_answer_dict
        from selector.compare import compare_costs

        def ask(body):
            ser = CompareCostsInputSerializer(data=body)
            ser.is_valid(raise_exception=True)
            return compare_answer_dict(compare_costs(ser.query()))
    except ImportError:  # before
        from selector.services import compare_costs

        def ask(body):
            ser = CompareCostsInputSerializer(data=body)
            ser.is_valid(raise_exception=True)
            return compare_costs(ser.validated_data)

    ask(qs[0])
    prof = Profiler(interval=0.0005)
    prof.start()
    for q in qs[1:]:
        ask(dict(q, training_hours=q["training_hours"] + 0.001))
    prof.stop()
    print(prof.output_text(unicode=False, color=False, show_all=False)[:6000])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    common.setup_django()
    qs, iqs = questions(args.questions), instance_questions(args.questions)
    all_rows = []
    for size in [int(x) for x in args.sizes.split(",")]:
        n = common.seed_offers(size)
        with tempfile.TemporaryDirectory(prefix="gpuhunt-") as tmp:
            alone, load_ms, ask = gpuhunt_rows(common.synthetic_offers(size), qs, Path(tmp))
            interleaved: list[float] = []
            with common.gunicorn(workers=2) as base:
                ours = http_rows(base, qs, iqs, side=lambda memory, out=interleaved, ask=ask: out.append(ask(memory)))
        med, p90 = stats(interleaved)
        # The ratio is against gpuhunt's queries interleaved with ours (same seconds, same load).
        gh = {"what": "gpuhunt in process, catalog in memory, interleaved with ours", "median_ms": med,
              "p90_ms": p90, "answers": alone["answers"], "bytes": ""}
        rows = [gh, alone, *ours]
        for r in rows:
            r["offers"] = n
            r["vs_gpuhunt"] = round(r["median_ms"] / gh["median_ms"], 1)
            r["median_ms"], r["p90_ms"] = round(r["median_ms"], 2), round(r["p90_ms"], 2)
        print(f"\n{n:,} current offers, {args.questions} different questions "
              f"(1 GPU, >= 16-48 GB; gpuhunt catalog load {load_ms:.0f} ms, once)")
        print(common.table([(r["what"], r["median_ms"], r["p90_ms"], r["answers"], r.get("matches", ""), r["bytes"],
                             r["vs_gpuhunt"]) for r in rows],
                           ("what", "median ms", "p90 ms", "answers", "matches", "bytes", "x gpuhunt")))
        all_rows += rows
        sizes = [int(x) for x in args.sizes.split(",")]
        if args.profile and size == min(sizes):
            profile_requests(qs)
        if args.profile and size == max(sizes):
            profile(qs)
    common.emit("never_asked", all_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
