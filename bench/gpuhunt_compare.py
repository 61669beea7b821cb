"""Our HTTP answer vs dstack's gpuhunt in process, on the same 10,000 current offers, in one run.

    .venv/bin/python -m bench.gpuhunt_compare [--offers 10000] [--runs 30]

The question: "1 GPU, at least 24 GB, by price". Ours: POST /api/cloud/instances (the offer list)
and POST /api/cloud/compare-costs (offers priced for a 1-hour job, sorted by cost) over HTTP to
gunicorn (DJANGO_DEBUG=0, 2 workers), one client, keep-alive, median of --runs. gpuhunt 0.1.34:
``Catalog.query(provider=[...], min_gpu_memory=24, min_gpu_count=1, max_gpu_count=1)`` sorted by
price, from a local catalog of the same offers (shared/reference/gpuhunt-offline.md): loaded once
and held in memory (``GPUHUNT_CATALOG_URL=file://...``), and read from CSV per query
(``GPUHUNT_CATALOG_DIR``). gpuhunt has no Together or Vast provider, so the bench adds those names
to its offline provider list (timing only).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from . import common

GPUHUNT_NAME = {"runpod": "runpod", "lambda": "lambdalabs", "together": "together", "vast": "vast"}
QUESTION_INSTANCES = {"min_memory_gb": 24, "gpu_count": 1}
QUESTION_COMPARE = {"training_hours": 1, "min_memory_gb": 24, "gpu_count": 1, "sort": "cost"}


def write_catalog(root: Path, offers_by_provider: dict[str, list]) -> None:
    """Both layouts: {root}/url/{provider}/version + {version}/catalog.zip, and {root}/dir/{provider}.csv."""
    from gpuhunt._internal import storage
    from gpuhunt._internal.models import AcceleratorVendor, CatalogItem

    from pricing.gpus import GPUS_BY_SLUG

    (root / "dir").mkdir(parents=True, exist_ok=True)
    for ours, offers in offers_by_provider.items():
        name = GPUHUNT_NAME[ours]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=storage.CATALOG_V2_FIELDS)
        writer.writeheader()
        for o in offers:
            spec = GPUS_BY_SLUG[o.gpu_slug]
            vendor = AcceleratorVendor.AMD if spec.vendor.upper() == "AMD" else AcceleratorVendor.NVIDIA
            item = CatalogItem(provider=name, instance_name=o.provider_sku, location=o.region or "any",
                               price=float(o.usd_per_hour), cpu=8 * o.gpu_count, memory=32.0 * o.gpu_count,
                               gpu_count=o.gpu_count, gpu_name=spec.name, gpu_memory=float(o.gpu_memory_gb),
                               spot=o.interruptible, disk_size=100.0, gpu_vendor=vendor)
            writer.writerow(storage.item_to_row(item))
        data = buf.getvalue()
        (root / "dir" / f"{name}.csv").write_text(data)
        version_dir = root / "url" / name / "v1"
        version_dir.mkdir(parents=True, exist_ok=True)
        (root / "url" / name / "version").write_text("v1")
        with zipfile.ZipFile(version_dir / "catalog.zip", "w") as z:
            z.writestr(f"{name}.csv", data)


def median_ms(fn, runs: int) -> tuple[float, float, object]:
    result = fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1], result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args(argv)
    common.setup_django()
    n = common.seed_offers(args.offers)
    offers = common.synthetic_offers(args.offers)

    import httpx
    from gpuhunt._internal import catalog as gh_catalog

    rows = []
    with tempfile.TemporaryDirectory(prefix="gpuhunt-") as tmp:
        root = Path(tmp)
        write_catalog(root, offers)
        names = [GPUHUNT_NAME[p] for p in offers]
        for extra in names:
            if extra not in gh_catalog.OFFLINE_PROVIDERS:
                gh_catalog.OFFLINE_PROVIDERS.append(extra)
        gh_catalog.OFFLINE_PROVIDERS[:] = names  # only ours: never touch the network
        os.environ["GPUHUNT_CATALOG_URL"] = (root / "url").as_uri()

        def gh_query(cat):
            items = cat.query(provider=names, min_gpu_memory=24, min_gpu_count=1, max_gpu_count=1)
            return sorted(items, key=lambda i: i.price)

        t0 = time.perf_counter()
        in_memory = gh_catalog.Catalog(auto_reload=False)
        in_memory.load()
        load_ms = (time.perf_counter() - t0) * 1000
        med, p90, items = median_ms(lambda: gh_query(in_memory), args.runs)
        rows.append({"what": "gpuhunt in process, catalog in memory", "median_ms": med, "p90_ms": p90,
                     "answers": len(items), "bytes": ""})
        os.environ["GPUHUNT_CATALOG_DIR"] = str(root / "dir")
        per_query = gh_catalog.Catalog(auto_reload=False)
        per_query.loaded_at = time.monotonic()
        med, p90, items_csv = median_ms(lambda: gh_query(per_query), max(5, args.runs // 3))
        del os.environ["GPUHUNT_CATALOG_DIR"]
        rows.append({"what": "gpuhunt in process, CSV read per query", "median_ms": med, "p90_ms": p90,
                     "answers": len(items_csv), "bytes": ""})

    with common.gunicorn(workers=2) as base, httpx.Client(timeout=60) as client:
        for label, path, body, key in (
            ("ours over HTTP: POST /api/cloud/instances", "/api/cloud/instances", QUESTION_INSTANCES, "instances"),
            ("ours over HTTP: POST /api/cloud/compare-costs", "/api/cloud/compare-costs", QUESTION_COMPARE, "options"),
        ):
            def call(path=path, body=body):
                resp = client.post(base + path, json=body)
                assert resp.status_code == 200, resp.text[:300]
                return resp

            for _ in range(4):  # warm both workers
                call()
            med, p90, resp = median_ms(call, args.runs)
            data = resp.json()
            answers = len(data.get(key) or data.get("offers") or data.get("results") or [])
            rows.append({"what": label, "median_ms": med, "p90_ms": p90, "answers": answers,
                         "bytes": len(resp.content)})

    gh = rows[0]["median_ms"]
    for r in rows:
        r["vs_gpuhunt_in_memory"] = round(r["median_ms"] / gh, 1)
        r["median_ms"], r["p90_ms"] = round(r["median_ms"], 2), round(r["p90_ms"], 2)
    print(f"'1 GPU, >= 24 GB, by price' over {n:,} current offers ({args.runs} runs; gpuhunt catalog load "
          f"{load_ms:.0f} ms, once)")
    print(common.table([(r["what"], r["median_ms"], r["p90_ms"], r["answers"], r["bytes"], r["vs_gpuhunt_in_memory"])
                        for r in rows], ("what", "median ms", "p90 ms", "answers", "bytes", "x gpuhunt")))
    common.emit("gpuhunt_compare", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
