"""Every benchmark, one after the other, on the local Postgres; prints each bench's table and a
summary. ``make bench`` runs this.

    .venv/bin/python -m bench.run_all [--only api_load,poll_store] [--history-rows 100000]
                                      [--compare-history-rows 10000,1000000] [--seconds 10]

DATABASE_URL for the benches: BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/cps_bench
(created if missing, then migrated). The benches empty and reseed the pricing tables of that
database: do not point it at data you want to keep. The 10-million-row history run is its own
command (``python -m bench.history_scale``, and ``python -m bench.history_compare --rows
10000,10000000``): it takes several minutes to build.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from . import common


def benches(args) -> list[tuple[str, list[str]]]:
    return [
        ("poll_store", ["--sizes", "100,1000,10000"]),
        ("page_weight", []),
        ("api_load", ["--seconds", str(args.seconds)]),
        ("gpuhunt_compare", ["--offers", "10000"]),
        ("never_asked", ["--sizes", "1000,10000"]),
        ("breakdown", ["--offers", "10000"]),
        ("history_compare", ["--rows", args.compare_history_rows]),
        ("history_scale", ["--rows", str(args.history_rows)]),
        ("memory_distinct", ["--offers", "10000", "--questions", "1000"]),
        ("soak", ["--seconds", "120"]),  # the recorded run: --seconds 600
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help="comma-separated bench names")
    ap.add_argument("--seconds", type=int, default=10, help="load duration per endpoint in api_load")
    ap.add_argument("--history-rows", type=int, default=100_000, help="rows for bench.history_scale")
    ap.add_argument("--compare-history-rows", default="10000,1000000", help="history sizes for history_compare")
    args = ap.parse_args(argv)
    url = common.database_url()
    common.ensure_database(url)
    env = {**os.environ, "BENCH_DATABASE_URL": url, "PYTHONWARNINGS": "ignore"}
    wanted = {x for x in args.only.split(",") if x}
    summary = []
    print(f"benchmarks on {url.rsplit('@', 1)[-1]}\n", flush=True)
    for name, extra in benches(args):
        if wanted and name not in wanted:
            continue
        print(f"=== {name}: python -m bench.{name} {' '.join(extra)}", flush=True)
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", f"bench.{name}", *extra], cwd=common.ROOT, env=env,
                              capture_output=True, text=True)
        took = time.monotonic() - t0
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH_RESULT "):
                summary.append(json.loads(line[len("BENCH_RESULT "):]))
            else:
                print(line)
        if proc.returncode != 0:
            print(proc.stderr[-3000:])
            summary.append({"bench": name, "rows": [], "error": f"exit {proc.returncode}"})
        print(f"--- {name}: {took:.0f} s\n", flush=True)
    print("=== summary")
    for block in summary:
        if block.get("error"):
            print(f"{block['bench']}: FAILED ({block['error']})")
        else:
            print(f"{block['bench']}: {len(block['rows'])} rows")
    return 1 if any(b.get("error") for b in summary) else 0


if __name__ == "__main__":
    raise SystemExit(main())
