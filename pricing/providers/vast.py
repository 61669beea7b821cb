"""Vast.ai marketplace: ``POST /bundles/`` searches the rentable offers (each one a real machine).

API: https://docs.vast.ai/api-reference/search/search-offers
Notes: shared/reference/provider-apis.md section 5.

Thousands of individual hosts; we keep the cheapest verified, rentable offer per (GPU model, GPU
count, country) so the comparison stays readable. ``dph_total`` is USD/h for the whole offer
(all its GPUs plus the storage we ask to be priced in); ``min_bid`` is the floor for an
interruptible ("bid") rental of the same machine. The search is rate limited to 10 requests/min per
IP and its 429 is plain text without Retry-After: one request per poll, the client's backoff does the
rest.
"""

from __future__ import annotations

from decimal import Decimal

from ..gpus import resolve_gpu
from .base import FetchResult, ProviderOffer, positive_int, quantize_usd, require, usd
from .price_list import catalog_result

SLUG = "vast"
NAME = "Vast.ai"
SETUP_MINUTES = (2, 10)
BILLING_INCREMENT_SECONDS = 1
SIGNUP_URL = "https://cloud.vast.ai/"
DOCS_URL = "https://docs.vast.ai/api-reference/search/search-offers"

SEARCH = {
    "verified": {"eq": True}, "rentable": {"eq": True}, "rented": {"eq": False}, "external": {"eq": False},
    "num_gpus": {"gte": 1}, "type": "on-demand", "order": [["dph_total", "asc"]], "limit": 1000,
    "allocated_storage": 5.0,
}


def fetch(client) -> FetchResult:
    payload = client.request_json("POST", "bundles/", json_body=SEARCH)
    result = FetchResult(offers=[])
    cheapest: dict[tuple, tuple[Decimal, dict, object]] = {}
    min_bids: dict[tuple, Decimal] = {}
    for row in require(payload, "offers", list, SLUG):
        parsed = _parse_row(row, result)
        if parsed is None:
            continue
        key, price, gpu = parsed
        if key not in cheapest or price < cheapest[key][0]:
            cheapest[key] = (price, row, gpu)
        bid = usd(row.get("min_bid"))
        if bid is not None and (key not in min_bids or bid < min_bids[key]):
            min_bids[key] = bid
    for key, (price, row, gpu) in cheapest.items():
        _, count, country = key
        common = dict(provider=SLUG, gpu_slug=gpu.slug, gpu_count=count, gpu_memory_gb=gpu.memory_gb,
                      region=country, availability="high")
        sku = str(row.get("id") or row.get("ask_contract_id") or f"{gpu.slug}/{count}x/{country}")
        result.offers.append(ProviderOffer(provider_sku=sku, usd_per_hour=quantize_usd(price), tier="on-demand",
                                           **common))
        if key in min_bids:
            result.offers.append(ProviderOffer(provider_sku=f"{sku}:bid", usd_per_hour=quantize_usd(min_bids[key]),
                                               interruptible=True, tier="interruptible", **common))
    return result


def catalog_offers() -> FetchResult:
    return catalog_result(SLUG, availability="unknown",
                          notes=["Vast.ai is a marketplace: these are averages of listed offers, not list prices"])


def _parse_row(row, result: FetchResult):
    if not isinstance(row, dict):
        result.skipped += 1
        return None
    # The search already asks for these; a row that slipped through is not an offer, not an error.
    if row.get("rentable") is False or row.get("rented") is True:
        return None
    if row.get("verification") not in (None, "verified"):
        return None
    name = str(row.get("gpu_name") or "").strip()
    count = positive_int(row.get("num_gpus"))
    price = usd(row.get("dph_total"))
    if not name or not count or price is None:
        result.skipped += 1
        return None
    gpu_ram_mib = row.get("gpu_ram")
    memory_gb = gpu_ram_mib / 1024 if isinstance(gpu_ram_mib, int | float) and gpu_ram_mib > 0 else None
    gpu = resolve_gpu(name, memory_gb)
    if gpu is None:
        result.skipped += 1
        result.unknown_gpus.append(name if memory_gb is None else f"{name} ({memory_gb:.0f} GB)")
        return None
    country = str(row.get("geolocation") or "").split(",")[-1].strip().upper()[:100]
    return (gpu.slug, count, country), price, gpu
