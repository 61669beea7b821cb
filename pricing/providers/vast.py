"""Vast.ai marketplace: ``POST /bundles/`` searches the rentable offers (each one a real machine).

API: https://docs.vast.ai/api-reference/search/search-offers
Rate limits: https://docs.vast.ai/api-reference/rate-limits-and-errors
Notes: shared/reference/provider-apis.md section 5; dstack gpuhunt ``providers/vastai.py`` (asks
with ``limit: 3000``) and vast-cli ``vastai/api/query.py`` (filter syntax, ``allocated_storage``).

What we ask and why:

- One search, paged by price: ``order: [["dph_total", "asc"]]`` with ``limit`` rows, then the
  same search with ``dph_total >= <dearest price seen>`` until a page brings nothing new. A busy
  marketplace has thousands of listings and one capped search silently drops exactly the
  expensive machines (H100/H200/B200, 8-GPU boxes); paging by price reaches them. A page shorter
  than ``limit`` is not trusted to be the last one (a third party measured the search capping at
  64 rows whatever the limit): we stop when a page adds no listing we had not seen.
- Vast allows 10 searches a minute per IP and answers more with a plain-text 429 without
  Retry-After: the client keeps 6 s between searches and waits a whole 6 s window after a 429
  (settings.PROVIDER_SETTINGS["vast"]). A poll asks at most ``MAX_SEARCHES`` pages; a marketplace
  still not exhausted then is recorded as incomplete, naming the price it reached.
- ``verified``, ``rentable``, not ``rented``, not ``external``, ``type: on-demand``, and
  ``allocated_storage`` so that ``dph_total`` includes the disk a training job needs: the hourly
  price we show includes Vast's storage charge.

Every listed (GPU model, GPU count, country) becomes an offer: its cheapest listing, with the
``min_bid`` of that SAME machine (plus the same storage charge) as its interruptible row. Stock
maps to the four levels from the number of rentable listings of the key (each listing is a machine
free now): 5 or more "high", 2-4 "medium", 1 "low".
"""

from __future__ import annotations

from decimal import Decimal

from ..gpus import resolve_gpu
from .base import (
    DROP_BAD_ROW,
    DROP_UNKNOWN_GPU,
    FetchResult,
    ProviderOffer,
    TransientProviderError,
    positive_int,
    quantize_usd,
    require,
    usd,
)
from .price_list import catalog_result

SLUG = "vast"
NAME = "Vast.ai"
SETUP_MINUTES = (2, 10)
BILLING_INCREMENT_SECONDS = 1
SIGNUP_URL = "https://cloud.vast.ai/"
DOCS_URL = "https://docs.vast.ai/api-reference/search/search-offers"

STORAGE_GB = 50.0  # disk priced into dph_total: a training job's dataset and checkpoints
PAGE_ROWS = 3000
MAX_SEARCHES = 6  # 6 searches = 30 s of the 10/minute pacing: a poll stays under a minute
SEARCH = {
    "verified": {"eq": True}, "rentable": {"eq": True}, "rented": {"eq": False}, "external": {"eq": False},
    "num_gpus": {"gte": 1}, "type": "on-demand", "order": [["dph_total", "asc"]], "limit": PAGE_ROWS,
    "allocated_storage": STORAGE_GB,
}
HOURS_PER_MONTH = Decimal(730)


def stock_level(listings: int) -> str:
    """The four RunPod-style levels from how many machines of a key are rentable now."""
    if listings >= 5:
        return "high"
    return "medium" if listings >= 2 else "low"


def fetch(client) -> FetchResult:
    result = FetchResult(offers=[])
    seen: set = set()
    listings: list[dict] = []
    floor: Decimal | None = None
    longest = 0
    for search in range(1, MAX_SEARCHES + 1):
        body = dict(SEARCH)
        if floor is not None:
            body["dph_total"] = {"gte": float(floor)}
        try:
            answer = client.request_json("POST", "bundles/", json_body=body)
        except TransientProviderError as exc:
            if floor is None:
                raise  # not even one page: the poll failed
            result.incomplete(f"search {search} failed ({exc}); listings above ${floor}/h were not seen")
            break
        page = require(answer, "offers", list, SLUG)
        longest = max(longest, len(page))
        new = []
        for row in page:
            key = row.get("id") if isinstance(row, dict) and row.get("id") is not None else ("row", len(seen))
            if key not in seen:
                seen.add(key)
                new.append(row)
        listings += new
        prices = [p for p in (usd(r.get("dph_total")) for r in page if isinstance(r, dict)) if p is not None]
        if not new or not prices:
            if len(page) > 1 and len(page) >= longest and prices and min(prices) == max(prices):
                result.incomplete(f"more than {len(page)} listings at exactly ${floor}/h; the rest were not seen")
            break  # nothing we had not seen: the marketplace is exhausted
        floor = max(prices)
        if search == MAX_SEARCHES:
            result.incomplete(
                f"saw {len(listings)} listings priced up to ${floor}/h in {MAX_SEARCHES} searches (Vast allows 10 "
                "a minute); dearer listings may not have been seen this poll")
    _aggregate(listings, result)
    result.notes.append(f"{len(listings)} marketplace listings read; prices include {STORAGE_GB:g} GB of storage")
    return result


def _aggregate(listings: list[dict], result: FetchResult) -> None:
    cheapest: dict[tuple, tuple[Decimal, dict, object]] = {}
    counts: dict[tuple, int] = {}
    for row in listings:
        parsed = _parse_row(row, result)
        if parsed is None:
            continue
        key, price, gpu = parsed
        counts[key] = counts.get(key, 0) + 1
        if key not in cheapest or price < cheapest[key][0]:
            cheapest[key] = (price, row, gpu)
    for key, (price, row, gpu) in cheapest.items():
        _, count, country = key
        common = dict(provider=SLUG, gpu_slug=gpu.slug, gpu_count=count, gpu_memory_gb=gpu.memory_gb,
                      region=country, availability=stock_level(counts[key]))
        sku = str(row.get("id") or row.get("ask_contract_id") or f"{gpu.slug}/{count}x/{country}")
        result.offers.append(ProviderOffer(provider_sku=sku, usd_per_hour=quantize_usd(price), tier="on-demand",
                                           **common))
        bid = usd(row.get("min_bid"))
        if bid is not None:
            # The interruptible floor of the same machine, with the same storage charge on top.
            result.offers.append(ProviderOffer(
                provider_sku=f"{sku}:bid", usd_per_hour=quantize_usd(bid + _storage_per_hour(row)),
                interruptible=True, tier="interruptible", **common))


def catalog_offers() -> FetchResult:
    return catalog_result(SLUG, availability="unknown",
                          notes=["Vast.ai is a marketplace: these are averages of listed offers, not list prices"])


def _storage_per_hour(row: dict) -> Decimal:
    """USD/h of the allocated storage: Vast's own figure when it sends one, else computed."""
    search = row.get("search") if isinstance(row.get("search"), dict) else {}
    disk_hour = usd(search.get("diskHour"))
    if disk_hour is not None:
        return disk_hour
    total, base = usd(row.get("dph_total")), usd(row.get("dph_base"))
    if total is not None and base is not None and total >= base:
        return total - base
    per_gb_month = usd(row.get("storage_cost"))
    return per_gb_month * Decimal(str(STORAGE_GB)) / HOURS_PER_MONTH if per_gb_month is not None else Decimal(0)


def _parse_row(row, result: FetchResult):
    if not isinstance(row, dict):
        result.drop(DROP_BAD_ROW, "?", "a listing that is not an object")
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
        result.drop(DROP_BAD_ROW, str(row.get("id") or name or "?"), "no GPU name, GPU count or positive price")
        return None
    gpu_ram_mib = row.get("gpu_ram")
    memory_gb = gpu_ram_mib / 1024 if isinstance(gpu_ram_mib, int | float) and gpu_ram_mib > 0 else None
    gpu = resolve_gpu(name, memory_gb)
    if gpu is None:
        result.drop(DROP_UNKNOWN_GPU, name if memory_gb is None else f"{name} ({memory_gb:.0f} GB)",
                    f"listing {row.get('id')}")
        return None
    country = str(row.get("geolocation") or "").split(",")[-1].strip().upper()[:100]
    return (gpu.slug, count, country), price, gpu
