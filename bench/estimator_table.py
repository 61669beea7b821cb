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

DATA = Path(__file__).resolve().parent / "data"
# Earlier estimators' default-request figures (tokens/s per GPU per row, each computed once by running
# that commit's estimator), oldest first: the docs' "before" column, then one column each.
SNAPSHOTS = {
    "before": "estimator_before.json",  # commit 575de18, before issue 14
    "2026-12-01 start": "estimator_2026-12-01_start.json",  # commit 7b1ce40
    "midday": "estimator_2026-12-01_midday.json",  # commit 5ef1cd5, before the second revision
    "afternoon": "estimator_2026-12-01_afternoon.json",  # commit a7c8d9e, before the third
}


def snapshot(name: str) -> dict[str, float]:
    """One earlier estimator's figures (``SNAPSHOTS``), by row id."""
    return json.loads((DATA / SNAPSHOTS[name]).read_text())["tokens_per_second_per_gpu"]


def tables() -> tuple[list[str], str]:
    """The summary lines and the per-row table docs/estimator.md shows."""
    earlier = [(name, snapshot(name)) for name in SNAPSHOTS if name != "before"]
    return summary_lines(snapshot("before"), earlier), accuracy_table(snapshot("before"))


if __name__ == "__main__":
    summary, table = tables()
    print("\n".join(summary))
    print()
    print(table)
