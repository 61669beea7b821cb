"""RunPod: REST API v2 GPU catalog, queried once per cloud tier (Secure, Community).

API: https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types
     (``GET /v2/catalog/gpus?include=AVAILABILITY&product=POD&cloud=SECURE|COMMUNITY``)
Notes: shared/reference/provider-apis.md section 2.1.

Prices are USD per hour for ONE GPU; a pod of n GPUs costs n times that. A type carries a price
for a cloud it is not on (``community: 0.0``), so the ``secure``/``community`` flag decides.
Spot/interruptible pods were discontinued in 2026: on-demand only. Two requests per poll keeps us
far below the per-minute rate-limit window.
"""

from __future__ import annotations

from ..gpus import resolve_gpu
from .base import FetchResult, ProviderOffer, positive_int, quantize_usd, require, usd
from .price_list import catalog_result

SLUG = "runpod"
NAME = "RunPod"
SETUP_MINUTES = (5, 10)
BILLING_INCREMENT_SECONDS = 60
SIGNUP_URL = "https://www.runpod.io/console/signup"
DOCS_URL = "https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types"

CLOUDS = (("SECURE", "secure"), ("COMMUNITY", "community"))
POD_SIZES = (1, 2, 4, 8)
AVAILABILITY = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low", "NONE": "unavailable"}


def fetch(client) -> FetchResult:
    result = FetchResult(offers=[])
    for cloud, tier in CLOUDS:
        payload = client.request_json(
            "GET", "catalog/gpus", params={"include": "AVAILABILITY", "product": "POD", "cloud": cloud}
        )
        for row in require(payload, "gpus", list, SLUG):
            _parse_row(row, tier, result)
    return result


def catalog_offers() -> FetchResult:
    # The product document: "Availability: Generally high".
    return catalog_result(SLUG, availability="high")


def _availability(value) -> str:
    return AVAILABILITY.get(value, "unknown") if isinstance(value, str) else "unknown"


def _parse_row(row, tier: str, result: FetchResult) -> None:
    if not isinstance(row, dict):
        result.skipped += 1
        return
    if row.get(tier) is False:
        return  # not offered on this cloud: its placeholder price means nothing
    gpu_id = str(row.get("id") or row.get("name") or "").strip()
    price = usd((row.get("price") or {}).get(tier) if isinstance(row.get("price"), dict) else None)
    if not gpu_id or price is None or row.get(tier) is not True:
        result.skipped += 1
        return
    memory = row.get("memory") if isinstance(row.get("memory"), int | float) else None
    gpu = resolve_gpu(gpu_id, memory) or resolve_gpu(str(row.get("name") or ""), memory)
    if gpu is None:
        result.skipped += 1
        result.unknown_gpus.append(gpu_id)
        return
    max_counts = row.get("maxCount") if isinstance(row.get("maxCount"), dict) else {}
    max_count = positive_int(max_counts.get(tier)) or 1
    data_centers = [dc for dc in row.get("dataCenters") or [] if isinstance(dc, dict) and dc.get("id")]
    # Per datacenter when the catalog says where; else one offer with the overall availability.
    places = [(str(dc["id"]), _availability(dc.get("availability"))) for dc in data_centers] or [
        ("", _availability(row.get("availability")))
    ]
    for count in (n for n in POD_SIZES if n <= max_count):
        for region, availability in places:
            result.offers.append(ProviderOffer(
                provider=SLUG, provider_sku=f"{gpu_id}/{tier}/{count}x", gpu_slug=gpu.slug, gpu_count=count,
                gpu_memory_gb=int(memory or gpu.memory_gb), usd_per_hour=quantize_usd(price * count),
                region=region, availability=availability, tier=tier,
            ))
