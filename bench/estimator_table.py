"""Print the estimator's accuracy tables for docs/estimator.md (offline; not a test).

    python -m bench.estimator_table

The "before" column is bench/data/estimator_before.json (the estimator before issue 14, default
request), "2026-12-01 start" is bench/data/estimator_2026-12-01_start.json (the estimator at the
start of that day's revision, commit 7b1ce40), "midday" is bench/data/estimator_2026-12-01_midday.json
(commit 5ef1cd5, before the second revision), "afternoon" is
bench/data/estimator_2026-12-01_afternoon.json (commit a7c8d9e, before the third); "now" is the current selector.estimator.
tests/selector/test_throughput_measurements.py checks that docs/estimator.md shows the current figures.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from selector.measurements import accuracy_table, summary_lines  # noqa: E402

BEFORE_FILE = Path(__file__).resolve().parent / "data" / "estimator_before.json"
START_FILE = Path(__file__).resolve().parent / "data" / "estimator_2026-12-01_start.json"
MIDDAY_FILE = Path(__file__).resolve().parent / "data" / "estimator_2026-12-01_midday.json"
AFTERNOON_FILE = Path(__file__).resolve().parent / "data" / "estimator_2026-12-01_afternoon.json"


def before() -> dict[str, float]:
    return json.loads(BEFORE_FILE.read_text())["tokens_per_second_per_gpu"]


def start() -> dict[str, float]:
    """The estimator at the start of the 2026-12-01 revision (commit 7b1ce40), default request."""
    return json.loads(START_FILE.read_text())["tokens_per_second_per_gpu"]


def midday() -> dict[str, float]:
    """The estimator at midday 2026-12-01 (commit 5ef1cd5, before the second revision), default request."""
    return json.loads(MIDDAY_FILE.read_text())["tokens_per_second_per_gpu"]


def afternoon() -> dict[str, float]:
    """The estimator in the afternoon of 2026-12-01 (commit a7c8d9e, before the third revision), default request."""
    return json.loads(AFTERNOON_FILE.read_text())["tokens_per_second_per_gpu"]


if __name__ == "__main__":
    print("\n".join(summary_lines(before(), start(), midday(), afternoon())))
    print()
    print(accuracy_table(before()))
