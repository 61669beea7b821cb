"""Together AI: ``GET /hardware`` lists the dedicated-endpoint hardware configurations and their
per-minute price.

API: https://docs.together.ai/reference/listhardware
Notes: shared/reference/provider-apis.md section 4.

``{"object": "list", "data": [...]}``; ``pricing.cents_per_minute`` is for the whole configuration
(a 2x config costs twice a 1x), so USD/h = cents_per_minute * 60 / 100. The ``specs.gpu_type``
spelling varies between docs, so the GPU comes from the id ("2x_nvidia_h100_80gb_sxm").
Availability is only present when ``?model=`` is given; without it the offer is "unknown".
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..gpus import resolve_gpu
from .base import FetchResult, ProviderOffer, positive_int, quantize_usd, require, usd
from .price_list import catalog_result

SLUG = "together"
NAME = "Together AI"
SETUP_MINUTES = (1, 2)
BILLING_INCREMENT_SECONDS = 60
SIGNUP_URL = "https://api.together.ai/signup"
DOCS_URL = "https://docs.together.ai/reference/listhardware"

ID_PATTERN = re.compile(r"^(\d+)x_(?:nvidia_)?(.+)$")
AVAILABILITY = {"available": "high", "insufficient": "low", "unavailable": "unavailable"}


def fetch(client) -> FetchResult:
    payload = client.request_json("GET", "hardware")
    result = FetchResult(offers=[])
    for row in require(payload, "data", list, SLUG):
        _parse_row(row, result)
    return result


def catalog_offers() -> FetchResult:
    # The product document: "Availability: High (auto-scaling)".
    return catalog_result(SLUG, availability="high")


def _parse_row(row, result: FetchResult) -> None:
    if not isinstance(row, dict) or not row.get("id"):
        result.skipped += 1
        return
    hw_id = str(row["id"])
    specs = row.get("specs") if isinstance(row.get("specs"), dict) else {}
    pricing = row.get("pricing") if isinstance(row.get("pricing"), dict) else {}
    cents_per_minute = usd(pricing.get("cents_per_minute"))
    match = ID_PATTERN.match(hw_id)
    count = positive_int(specs.get("gpu_count")) or (int(match[1]) if match else None)
    if cents_per_minute is None or not count:
        result.skipped += 1
        return
    memory = specs.get("gpu_memory") if isinstance(specs.get("gpu_memory"), int | float) else None
    gpu = resolve_gpu(match[2], memory) if match else None
    if gpu is None and specs.get("gpu_type"):
        gpu = resolve_gpu(f"{specs['gpu_type']} {specs.get('gpu_link') or ''}", memory)
    if gpu is None:
        result.skipped += 1
        result.unknown_gpus.append(hw_id)
        return
    status = (row.get("availability") or {}).get("status") if isinstance(row.get("availability"), dict) else None
    result.offers.append(ProviderOffer(
        provider=SLUG, provider_sku=hw_id, gpu_slug=gpu.slug, gpu_count=count,
        gpu_memory_gb=int(memory or gpu.memory_gb),
        usd_per_hour=quantize_usd(cents_per_minute * 60 / Decimal(100)),
        availability=AVAILABILITY.get(status, "unknown"),
    ))
