"""The instances listing: ``list_instances`` answers an ``InstancesQuery`` (``POST
/api/cloud/instances``): current offers matching the filters, cheapest first, with ``count`` of
every match and the page asked for (``limit``/``offset``)."""

from __future__ import annotations

from dataclasses import dataclass

from pricing.selectors import ProviderFreshness, Snapshot, latest_snapshot

from . import engine
from .options import Excluded, PricedSnapshot, match_cloud, priced_snapshot
from .query import InstancesQuery


@dataclass(frozen=True)
class InstancesAnswer:
    instances: tuple[engine.OptionInput, ...]  # the page, cheapest first
    count: int  # every match
    prices: tuple[ProviderFreshness, ...]


def current_prices() -> tuple[Snapshot, PricedSnapshot]:
    """The latest snapshot and its pricing (the one the process holds when the key matches)."""
    snapshot = latest_snapshot()
    return snapshot, priced_snapshot(snapshot)


def list_instances(query: InstancesQuery, *,
                   prices: tuple[Snapshot, PricedSnapshot] | None = None) -> InstancesAnswer:
    """``prices`` (from ``current_prices``): answer from a snapshot the caller already read."""
    snapshot, priced = prices or current_prices()
    matches = match_cloud(priced, Excluded(), providers=[query.provider] if query.provider else None,
                          gpu_type=query.gpu_type, gpu_count=query.gpu_count, region=query.region,
                          continent=query.continent, min_memory_gb=query.min_memory_gb)
    if query.available_only:
        matches = [i for i in matches if i.availability != "unavailable"]
    # Cheapest first by the rate as shown (4 places), then the id.
    matches.sort(key=lambda i: (i.hourly_rate, i.id))
    end = None if query.limit is None else query.offset + query.limit
    return InstancesAnswer(instances=tuple(matches[query.offset:end]), count=len(matches),
                           prices=tuple(snapshot.freshness.values()))
