"""Replicate: per-second billed GPU hardware for models and deployments.

API: https://replicate.com/docs/reference/http#hardware.list (``GET /v1/hardware``: a bare JSON
     array of ``{name, sku}``, no prices, no availability), authenticated with
     ``Authorization: Bearer $REPLICATE_API_TOKEN`` (the name Replicate's docs and its Python client,
     replicate/replicate-python ``replicate/client.py``, read; ``REPLICATE_API_KEY`` works too).
Pricing: https://replicate.com/pricing
Notes: shared/reference/provider-apis.md sections 7 and 8.

What we ask and why: ``/hardware`` once per poll, to learn which SKUs exist now. Prices only exist
on the pricing page, so they come from the dated table (the poll's source stays "catalog").
Every GPU SKU is mapped: the count comes first in multi-GPU SKUs (``gpu-2x-l40s``,
``gpu-4x-l40s``, ``gpu-8x-l40s``, ``gpu-2x-a100-large``, ``gpu-2x-h100``) and is priced at count x the
single GPU's per-second rate, as the pricing page lists them. A GPU SKU whose single-GPU model has
no price in the table is listed on the poll record as an "unpriced SKU", never silently dropped;
CPU SKUs are not GPU offers and are named in the poll's notes.
"""

from __future__ import annotations

import re

from ..gpus import GPUS_BY_SLUG
from .base import DROP_BAD_ROW, DROP_UNPRICED_SKU, FetchResult, PayloadError, ProviderOffer, quantize_usd
from .price_list import catalog_result, list_prices

SLUG = "replicate"
NAME = "Replicate"
SETUP_MINUTES = (1, 5)
BILLING_INCREMENT_SECONDS = 1
SIGNUP_URL = "https://replicate.com/signin"
DOCS_URL = "https://replicate.com/docs/reference/http#hardware.list"

SKU_PATTERN = re.compile(r"^gpu-(?:(\d+)x-)?([a-z0-9][a-z0-9-]*)$")


def parse_sku(sku: str) -> tuple[int, str] | None:
    """``gpu-2x-l40s`` -> (2, "gpu-l40s"); ``gpu-h100`` -> (1, "gpu-h100"); ``cpu`` -> None."""
    match = SKU_PATTERN.match(sku)
    if not match:
        return None
    count = int(match[1]) if match[1] else 1
    return (count, f"gpu-{match[2]}") if count >= 1 else None


def single_gpu_prices() -> dict:
    """The table's one-GPU rows by SKU: the per-GPU price multi-GPU SKUs scale from."""
    return {r.sku: r for r in list_prices(SLUG) if r.gpu_count == 1}


def fetch(client) -> FetchResult:
    payload = client.request_json("GET", "hardware")
    if not isinstance(payload, list):
        raise PayloadError(f"{SLUG}: expected a JSON array of hardware, got {type(payload).__name__}")
    base_rows = single_gpu_prices()
    result = catalog_result(SLUG, rows=list(base_rows.values()), notes=["SKUs confirmed by GET /hardware"])
    result.offers = []
    cpu, seen = [], set()
    for item in payload:
        sku = item.get("sku").strip() if isinstance(item, dict) and isinstance(item.get("sku"), str) else ""
        if not sku:
            result.drop(DROP_BAD_ROW, str(item)[:60] if not isinstance(item, dict) else str(item.get("name") or "?"),
                        "a hardware entry without a SKU")
            continue
        if sku in seen:
            continue
        seen.add(sku)
        parsed = parse_sku(sku)
        if parsed is None:
            cpu.append(sku)  # "cpu", "cpu-small": not a GPU offer
            continue
        count, base = parsed
        row = base_rows.get(base)
        if row is None:
            result.drop(DROP_UNPRICED_SKU, sku, f"{item.get('name') or sku}: no price for {base} in the built-in "
                                                "list (replicate.com/pricing)")
            continue
        result.offers.append(ProviderOffer(
            provider=SLUG, provider_sku=sku, gpu_slug=row.gpu_slug, gpu_count=count,
            gpu_memory_gb=GPUS_BY_SLUG[row.gpu_slug].memory_gb, usd_per_hour=quantize_usd(row.usd_per_hour * count),
            availability="unknown",
        ))
    if cpu:
        result.notes.append(f"CPU hardware not listed as GPU offers: {', '.join(sorted(cpu))}")
    return result


def catalog_offers() -> FetchResult:
    return catalog_result(SLUG, availability="unknown")
