"""Replicate: per-second billed GPU hardware for models and deployments.

API: https://replicate.com/docs/reference/http#hardware.list (``GET /hardware``: a bare JSON array
     of ``{name, sku}``, no prices, no availability)
Pricing: https://replicate.com/pricing
Notes: shared/reference/provider-apis.md sections 7 and 8.

Prices only exist on the pricing page, so they come from the dated table. With a key, a poll asks
``/hardware`` which SKUs exist now and serves only those table rows; the result stays "catalog"
because the prices are still the table's. Multi-GPU SKUs (-2x/-4x/-8x) scale linearly.
"""

from __future__ import annotations

from .base import FetchResult, PayloadError
from .price_list import catalog_result, list_prices

SLUG = "replicate"
NAME = "Replicate"
SETUP_MINUTES = (1, 5)
BILLING_INCREMENT_SECONDS = 1
SIGNUP_URL = "https://replicate.com/signin"
DOCS_URL = "https://replicate.com/docs/reference/http#hardware.list"


def fetch(client) -> FetchResult:
    payload = client.request_json("GET", "hardware")
    if not isinstance(payload, list):
        raise PayloadError(f"{SLUG}: expected a JSON array of hardware, got {type(payload).__name__}")
    listed, skipped = set(), 0
    for item in payload:
        if isinstance(item, dict) and isinstance(item.get("sku"), str) and item["sku"].strip():
            listed.add(item["sku"].strip())
        else:
            skipped += 1
    rows = [r for r in list_prices(SLUG) if r.sku in listed]
    priced = {r.sku for r in list_prices(SLUG)}
    # GPU SKUs Replicate lists that our table has no price for: tell whoever maintains the table.
    unpriced = sorted(s for s in listed - priced if s.startswith("gpu-"))
    result = catalog_result(SLUG, availability="unknown", rows=rows, notes=["SKUs confirmed by GET /hardware"])
    result.skipped = skipped
    result.unknown_gpus = unpriced
    return result


def catalog_offers() -> FetchResult:
    return catalog_result(SLUG, availability="unknown")
