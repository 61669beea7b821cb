"""match_cloud's count index (selector.options._CountIndex): a question for one GPU count looks
only at the offers of that count, and answers exactly what a scan of every offer answers: the same
matches in the same order, the same exclusion groups, counts, first ids and group order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import selectors
from pricing.gpus import GPUS_BY_SLUG
from pricing.providers.base import KIND_DEDICATED_ENDPOINT
from selector import options

GPUS = ("rtx-4090", "a100-80gb-sxm", "h100-sxm", "a10")
REGIONS = ("", "US-TX-1", "EU-RO-1", "eu-west-1", "asia-south-1")
PROVIDERS = ("runpod", "lambda", "together", "vast")


@st.composite
def snapshots(draw):
    n = draw(st.integers(min_value=0, max_value=120))
    offers = []
    for i in range(n):
        gpu = GPUS_BY_SLUG[draw(st.sampled_from(GPUS))]
        offers.append(selectors.CurrentOffer(
            pk=i, poll_id=1, provider=draw(st.sampled_from(PROVIDERS)), provider_sku=f"s{i % 7}", gpu=gpu,
            gpu_count=draw(st.sampled_from((1, 2, 4, 8))), gpu_memory_gb=gpu.memory_gb,
            usd_per_hour=Decimal(i + 1) / 10, usd_per_gpu_hour=Decimal(i + 1) / 10,
            region=draw(st.sampled_from(REGIONS)), availability="high", interruptible=False, tier="",
            observed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            kind=KIND_DEDICATED_ENDPOINT if draw(st.integers(0, 5)) == 0 else "instance"))
    return selectors.Snapshot(key=("k",), offers=tuple(offers), freshness=MappingProxyType({}))


@settings(max_examples=300, deadline=None)
@given(snapshots(), st.sampled_from((1, 2, 8)), st.sampled_from((None, "US-TX-1", "eu-west-1")),
       st.sampled_from((None, "US", "EU", "Asia")), st.sampled_from((0, 24, 40, 80)), st.booleans(), st.booleans())
def test_the_index_answers_what_a_scan_answers(snapshot, count, region, continent, memory, skip, seeded):
    priced = options.price_snapshot(snapshot)
    fast, slow = options.Excluded(), options.Excluded()
    if seeded:  # the local option's exclusion comes first, as in compare_costs
        for ex in (fast, slow):
            ex.add("memory", "Local RTX 4090: 24 GB, less than the 80 GB asked for", "local:rtx-4090")
    kwargs = dict(gpu_count=count, region=region, continent=continent, min_memory_gb=memory, skip_endpoints=skip)
    got = options.match_cloud(priced, fast, **kwargs)
    want = options._scan(priced.rows, slow, **kwargs)
    assert [i.id for i in got] == [i.id for i in want]
    assert fast.as_list() == slow.as_list()
