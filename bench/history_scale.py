"""Price history at scale: build ten million Offer rows (plus their rollup) in a separate Postgres
database and time the reads that must not slow down as history grows.

    .venv/bin/python -m bench.history_scale [--rows 10000000] [--days 365] [--keep]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/cps_bench (created if missing, then
migrated). The database is emptied and rebuilt on every run unless --keep reuses a built one.

Rows are generated inside Postgres (INSERT ... SELECT generate_series, foreign-key triggers off,
secondary indexes built after the load), and the rollup is computed in SQL with the same rules as
pricing.history.rollup_rows (on-demand only, per poll x GPU model-or-family x continent x count).

Timed (warm median of several runs, and the first run):
- the history read for one GPU model and for the H100 family over 90 days (pricing.history.price_history,
  what /api/cloud/history runs), also over 365 days;
- the same 90-day history computed from the raw Offer table (what a rollup-less design would do);
- the latest-prices read (pricing.selectors.latest_snapshot) at 10 thousand rows and at full size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cps_bench"
PROVIDERS = ("runpod", "lambda", "together", "vast")
REGIONS = ("US-TX-1", "US-KS-2", "EU-RO-1", "EU-SE-1", "us-east-1", "asia-south-1", "CA-MTL-1", "")
COUNTS = (1, 2, 4, 8)
AVAIL = "ARRAY['high','medium','low','unavailable','unknown']"


def ensure_database(url: str) -> None:
    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    admin = u._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")  # bulk loads run for minutes
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn, runs: int = 7) -> tuple[float, float]:
    """(first run ms, warm median ms)."""
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        warm.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(warm)


def build(*, rows: int, days: int) -> dict:
    """Empty the history tables and load ``rows`` offers spread over ``days`` days."""
    from django.db import connection

    from pricing.gpus import GPUS
    from pricing.history import FAMILY_KEYS
    from pricing.models import GpuModel
    from pricing.regions import continent_of
    from pricing.services import gpu_catalog_sync

    gpu_catalog_sync()
    gpus = list(GpuModel.objects.order_by("id"))
    # Offers per poll and polls per provider: about 24 GPU models x 4 counts, every 15 minutes
    # for a year gives ~140 thousand polls of ~70 offers for ten million rows.
    n_polls_per_provider = max(2, min(days * 96, rows // (len(PROVIDERS) * 8)))
    per_poll = max(1, rows // (len(PROVIDERS) * n_polls_per_provider))
    step_s = days * 86400 / n_polls_per_provider
    base = {g.slug: 0.15 + g.memory_gb / 40 for g in GPUS}
    t_all = time.perf_counter()
    with connection.cursor() as c:
        c.execute("TRUNCATE pricing_pricehistorypoint, pricing_offer, pricing_providerstate, pricing_pollrun "
                  "RESTART IDENTITY CASCADE")
        c.execute("SET session_replication_role = replica")  # no FK triggers during the load
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("SET work_mem = '256MB'")
        c.execute("DROP TABLE IF EXISTS bench_slot, bench_key, bench_region")
        c.execute("CREATE TEMP TABLE bench_slot (provider text, k int, gpu_id bigint, cnt int, region text, "
                  "base numeric, mem int)")
        # Offers cluster like real ones: each provider lists ~12 GPU models (the H100s everywhere),
        # each in a few regions and GPU counts.
        h100 = [g for g in gpus if g.slug.startswith("h100")]
        others = [g for g in gpus if g not in h100]
        slots = []
        for pi, provider in enumerate(PROVIDERS):
            models = h100 + [others[(pi * 5 + j) % len(others)] for j in range(9)]
            for k in range(per_poll):
                g = models[k % len(models)]
                variant = k // len(models)
                slots.append((provider, k, g.id, COUNTS[(variant // 3) % len(COUNTS)],
                               REGIONS[(variant + pi) % len(REGIONS)], base[g.slug], g.memory_gb))
        c.executemany("INSERT INTO bench_slot VALUES (%s, %s, %s, %s, %s, %s, %s)", slots)
        c.execute("CREATE TEMP TABLE bench_key (gpu_id bigint, key text)")
        keys = [(g.id, g.slug) for g in gpus] + [(g.id, f) for g in gpus for f in FAMILY_KEYS.get(g.slug, ())]
        c.executemany("INSERT INTO bench_key VALUES (%s, %s)", keys)
        c.execute("CREATE TEMP TABLE bench_region (region text, continent text)")
        c.executemany("INSERT INTO bench_region VALUES (%s, %s)",
                      [(r, continent_of(r)) for r in REGIONS if continent_of(r)])

        t0 = time.perf_counter()
        c.execute(
            "INSERT INTO pricing_pollrun (provider, started_at, finished_at, status, source, offer_count, "
            "skipped_count, unknown_gpus, error, duration_ms) "
            "SELECT p, now() - make_interval(secs => %s * i), now() - make_interval(secs => %s * i), 'ok', 'live', "
            "%s, 0, '[]'::jsonb, '', 900 FROM unnest(%s::text[]) p, generate_series(0, %s - 1) i",
            [step_s, step_s, per_poll, list(PROVIDERS), n_polls_per_provider])
        c.execute("INSERT INTO pricing_providerstate (provider, current_poll_id, last_attempt_id, lock_token) "
                  "SELECT provider, max(id) FILTER (WHERE started_at = mx), max(id) FILTER (WHERE started_at = mx), '' "
                  "FROM (SELECT id, provider, started_at, max(started_at) OVER (PARTITION BY provider) mx "
                  "FROM pricing_pollrun) s GROUP BY provider")
        polls_s = time.perf_counter() - t0

        # Secondary indexes are built after the load: much faster than maintaining them row by row.
        c.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'pricing_offer' "
                  "AND indexname NOT LIKE '%%pkey'", [])
        offer_indexes = c.fetchall()
        for name, _ in offer_indexes:
            c.execute(f'DROP INDEX "{name}"')
        t0 = time.perf_counter()
        c.execute(
            "INSERT INTO pricing_offer (poll_id, provider, provider_sku, gpu_id, gpu_count, gpu_memory_gb, "
            "usd_per_hour, usd_per_gpu_hour, region, availability, interruptible, tier, observed_at) "
            "SELECT p.id, p.provider, 'bench-' || s.k, s.gpu_id, s.cnt, s.mem, x.price * s.cnt, x.price, s.region, "
            f"({AVAIL})[1 + (abs(hashint4(p.id::int # s.k)) %% 5)], (s.k %% 10 = 9), '', p.finished_at "
            "FROM pricing_pollrun p JOIN bench_slot s ON s.provider = p.provider "
            "CROSS JOIN LATERAL (SELECT round(s.base * (0.8 + 0.4 * ((abs(hashint4(p.id::int * 31 + s.k)) %% 1000) / 1000.0)), 4) AS price) x", [])
        offers_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _, ddl in offer_indexes:
            c.execute(ddl)
        index_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        c.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'pricing_pricehistorypoint' "
                  "AND indexname NOT LIKE '%%pkey'", [])
        rollup_indexes = c.fetchall()
        for name, _ in rollup_indexes:
            if name == "pricehistory_poll_key_uniq":
                c.execute(f'ALTER TABLE pricing_pricehistorypoint DROP CONSTRAINT "{name}"')
            else:
                c.execute(f'DROP INDEX "{name}"')
        # One pass over Offer: all regions + all counts, per continent, per count (GROUPING SETS).
        c.execute(
            "INSERT INTO pricing_pricehistorypoint (poll_id, provider, gpu_key, region, gpu_count, observed_at, "
            "min_usd_per_gpu_hour, median_usd_per_gpu_hour, best_availability, offer_count) "
            "SELECT o.poll_id, o.provider, m.key, CASE WHEN GROUPING(r.continent) = 0 THEN r.continent ELSE '' END, "
            "CASE WHEN GROUPING(o.gpu_count) = 0 THEN o.gpu_count ELSE 0 END, o.observed_at, min(o.usd_per_gpu_hour), "
            "round(percentile_cont(0.5) WITHIN GROUP (ORDER BY o.usd_per_gpu_hour)::numeric, 4), "
            f"({AVAIL})[min(array_position({AVAIL}, o.availability::text))], count(*) "
            "FROM pricing_offer o JOIN bench_key m ON m.gpu_id = o.gpu_id "
            "LEFT JOIN bench_region r ON r.region = o.region WHERE NOT o.interruptible "
            "GROUP BY o.poll_id, o.provider, o.observed_at, m.key, GROUPING SETS ((), (r.continent), (o.gpu_count)) "
            "HAVING NOT (GROUPING(r.continent) = 0 AND r.continent IS NULL)", [])
        for name, ddl in rollup_indexes:
            if name == "pricehistory_poll_key_uniq":
                c.execute(f'ALTER TABLE pricing_pricehistorypoint ADD CONSTRAINT "{name}" '
                          'UNIQUE (poll_id, gpu_key, region, gpu_count)')
            else:
                c.execute(ddl)
        rollup_s = time.perf_counter() - t0
        c.execute("SET session_replication_role = origin")
        c.execute("ANALYZE pricing_offer")
        c.execute("ANALYZE pricing_pollrun")
        c.execute("ANALYZE pricing_pricehistorypoint")
        c.execute("SELECT count(*) FROM pricing_offer")
        n_offers = c.fetchone()[0]
        c.execute("SELECT count(*) FROM pricing_pricehistorypoint")
        n_rollup = c.fetchone()[0]
        c.execute("SELECT pg_total_relation_size('pricing_offer'), pg_total_relation_size('pricing_pricehistorypoint')")
        offer_bytes, rollup_bytes = c.fetchone()
    return {
        "offers": n_offers, "rollup_rows": n_rollup, "polls": n_polls_per_provider * len(PROVIDERS),
        "offers_per_poll": per_poll, "poll_every_min": step_s / 60, "polls_s": polls_s, "offers_s": offers_s,
        "index_s": index_s, "rollup_s": rollup_s, "total_s": time.perf_counter() - t_all,
        "offer_mb": offer_bytes / 2**20, "rollup_mb": rollup_bytes / 2**20,
    }


def raw_history(gpu_ids: list[int], days: int):
    """The 90-day history straight from Offer (per poll: min, median, best availability)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT provider, observed_at, min(usd_per_gpu_hour), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY usd_per_gpu_hour), count(*) "
            "FROM pricing_offer WHERE gpu_id = ANY(%s) AND observed_at >= now() - make_interval(days => %s) "
            "AND NOT interruptible GROUP BY provider, poll_id, observed_at ORDER BY observed_at",
            [gpu_ids, days])
        return c.fetchall()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--keep", action="store_true", help="reuse the history already in the database")
    args = ap.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    setup_django(url)

    from rest_framework.renderers import JSONRenderer

    from pricing.gpus import match_gpu_query
    from pricing.history import gpu_key_for, price_history
    from pricing.models import GpuModel, Offer
    from pricing.selectors import latest_snapshot
    from selector.api.history import NOTES

    results: list[tuple[str, str, str]] = []

    from django.utils import timezone

    def history_api(gpu_type: str, days: int, cached: bool = False):
        # now= bypasses the per-process answer cache, so the rows below time the query itself.
        specs = match_gpu_query(gpu_type)
        series = price_history(gpu_key=gpu_key_for(specs), days=days, **({} if cached else {"now": timezone.now()}))
        return JSONRenderer().render({"series": [s.as_dict() for s in series], "notes": NOTES})

    if not args.keep:  # --keep reuses the big history, so there is no small one to time
        small = build(rows=10_000, days=args.days)
        first, warm = timed(lambda: latest_snapshot())
        offers_now = len(latest_snapshot()[0])
        results.append((f"latest_snapshot() at {small['offers']:,} offers ({offers_now} current)",
                        f"{first:.1f}", f"{warm:.1f}"))

    info = build(rows=args.rows, days=args.days) if not args.keep else None
    if info:
        print(f"built {info['offers']:,} offers in {info['polls']:,} polls ({info['offers_per_poll']} offers/poll, "
              f"one poll per provider every {info['poll_every_min']:.0f} min over {args.days} days) and "
              f"{info['rollup_rows']:,} rollup rows in {info['total_s']:.0f} s "
              f"(polls {info['polls_s']:.0f} s, offers {info['offers_s']:.0f} s, offer indexes {info['index_s']:.0f} s, "
              f"rollup {info['rollup_s']:.0f} s); Offer {info['offer_mb']:.0f} MiB, rollup {info['rollup_mb']:.0f} MiB")
    n_offers = Offer.objects.count()

    first, warm = timed(lambda: latest_snapshot())
    offers_now = len(latest_snapshot()[0])
    results.append((f"latest_snapshot() at {n_offers:,} offers ({offers_now} current)", f"{first:.1f}", f"{warm:.1f}"))
    for gpu_type, days in (("H100 SXM", 90), ("H100", 90), ("H100", 365), ("L4", 30)):
        first, warm = timed(lambda g=gpu_type, d=days: history_api(g, d))
        pts = sum(len(s.points) for s in price_history(gpu_key=gpu_key_for(match_gpu_query(gpu_type)), days=days))
        results.append((f"history {gpu_type!r} {days} d via rollup ({pts} points)", f"{first:.1f}", f"{warm:.1f}"))
    first, warm = timed(lambda: history_api("H100", 90, cached=True))
    results.append(("history 'H100' 90 d, answer cached until the next poll", f"{first:.1f}", f"{warm:.1f}"))
    ids = list(GpuModel.objects.filter(slug__in=[g.slug for g in match_gpu_query("H100")]).values_list("id", flat=True))
    first, warm = timed(lambda: raw_history(ids, 90), runs=3)
    results.append((f"history 'H100' 90 d from raw Offer ({len(raw_history(ids, 90)):,} poll rows, no downsampling)",
                    f"{first:.1f}", f"{warm:.1f}"))

    w = max(len(r[0]) for r in results)
    print(f"\n{'read':<{w}}  {'first ms':>9}  {'warm ms':>9}")
    for name, first_ms, warm_ms in results:
        print(f"{name:<{w}}  {first_ms:>9}  {warm_ms:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
