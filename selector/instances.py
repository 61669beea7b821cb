"""The instances listing: ``list_instances`` answers ``POST /api/cloud/instances``."""

from __future__ import annotations

from pricing.regions import continent_of
from pricing.selectors import latest_snapshot

from . import engine
from .options import Excluded, cloud_options, gpu_slugs_for, prices_block


def list_instances(validated: dict) -> dict:
    """The ``POST /api/cloud/instances`` response: current offers matching the filters, cheapest
    first, with the freshness of every provider's prices."""
    provider = validated.get("provider")
    gpu_slugs = gpu_slugs_for(validated.get("gpu_type"))
    offers, fresh = latest_snapshot(providers=[provider] if provider else None,
                                    gpu_slugs=sorted(gpu_slugs) if gpu_slugs is not None else None)
    filters = {
        "providers": [provider] if provider else None,
        "gpu_type": validated.get("gpu_type"),
        "gpu_count": validated.get("gpu_count") or 1,
        "region": validated.get("region"),
        "continent": validated.get("continent"),
        "min_memory_gb": validated.get("min_memory_gb") or 0,
    }
    excluded = Excluded()
    inputs = cloud_options(filters, offers, fresh, excluded, apply_count=validated.get("gpu_count") is not None)
    instances = []
    for i in inputs:
        if validated.get("available_only") and i.availability == "unavailable":
            continue
        per_gpu = (i.hourly_rate / i.gpu_count).quantize(engine.RATE_PLACES)
        instances.append({
            "id": i.id, "provider": i.provider, "provider_name": i.provider_name, "gpu_type": i.gpu_type,
            "gpu_slug": i.gpu_slug, "gpu_count": i.gpu_count, "gpu_memory_gb": i.gpu_memory_gb,
            "hourly_rate": float(i.hourly_rate.quantize(engine.RATE_PLACES)), "price_per_gpu_hour": float(per_gpu),
            "availability": i.availability, "availability_reported": i.availability_reported, "region": i.region,
            "continent": continent_of(i.region) if i.region else None, "interruptible": i.interruptible,
            "source": i.source, "as_of": i.as_of, "stale": i.stale, "provider_sku": i.provider_sku,
            "tier": i.tier, "any_region": i.any_region,
            "setup_minutes": {"min": i.setup_minutes[0], "max": i.setup_minutes[1]}, "setup_time": i.setup_time,
        })
    instances.sort(key=lambda r: (r["hourly_rate"], r["id"]))
    return {"instances": instances, "count": len(instances), "prices": prices_block(fresh)}


