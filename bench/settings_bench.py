"""Settings for benchmark servers: production settings, plus the framework-floor view when
BENCH_FLOOR_VIEW=1 (never part of the production URLconf)."""

import os

from config.settings import *  # noqa: F403

if os.environ.get("BENCH_FLOOR_VIEW") == "1":
    ROOT_URLCONF = "bench.floor_urls"
