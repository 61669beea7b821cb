"""RunPod: REST API v2 GPU catalog, asked once per cloud tier AND per GPU count we publish.

API: https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types
     (``GET /v2/catalog/gpus?include=AVAILABILITY&product=POD&cloud=SECURE|COMMUNITY&count=N``)
Rate limits: https://docs.runpod.io/api-reference-v2/rate-limits
Notes: shared/reference/provider-apis.md section 2.1.

What we ask and why:

- ``include=AVAILABILITY`` (which requires ``product=POD``) for the stock level and the
  datacenters, ``cloud=`` once per tier (the default is SECURE only).
- ``count=N``: the catalog reports availability and ``dataCenters`` *for the GPU count sent*
  (default 1). A datacenter with two free H100s is "HIGH" for one GPU and absent for eight, so
  every pod size we publish (1, 2, 4, 8, and a type's own ``maxCount`` when it is another number)
  is asked for separately and an 8-GPU offer carries the 8-GPU answer, never the 1-GPU one.
  The count=1 answer comes first: it tells us each type's ``maxCount`` and so which other counts
  are worth asking. A count that no type allows is not asked.
- Requests stay inside RunPod's per-user windows: every authenticated answer carries the IETF
  ``RateLimit`` header (``"minute";r=<remaining>;t=<seconds to reset>, "hour";..., "day";...``).
  Before each further call we read it; when a window has fewer calls left than a reserve we wait
  for its reset if that fits in the poll's deadline, otherwise stop and record the poll as
  incomplete (the counts not asked keep their price with availability "unknown"). A typical poll
  makes 2 clouds x 4 counts = 8 calls; the PollRun records the number.

Prices are USD per hour for ONE GPU; a pod of n GPUs costs n times that. A type carries a price
for a cloud it is not on (``community: 0.0``), so the ``secure``/``community`` flag decides.
Spot/interruptible pods were discontinued in 2026: on-demand only.
"""

from __future__ import annotations

import re

from ..gpus import resolve_gpu
from . import http
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

SLUG = "runpod"
NAME = "RunPod"
SETUP_MINUTES = (5, 10)
BILLING_INCREMENT_SECONDS = 60
SIGNUP_URL = "https://www.runpod.io/console/signup"
DOCS_URL = "https://docs.runpod.io/api-reference-v2/catalog/list-gpu-types"

CLOUDS = (("SECURE", "secure"), ("COMMUNITY", "community"))
POD_SIZES = (1, 2, 4, 8)
MAX_PUBLISHED_COUNT = 16  # a maxCount above this is not published as a pod size of its own
AVAILABILITY = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low", "NONE": "unavailable"}
# Calls kept in hand in every window (other tools of the team share the key's quota).
RATE_RESERVE = 2
# Longest wait for a window to reset inside one poll (seconds); longer: stop, poll incomplete.
MAX_RATE_WAIT_S = 20.0

_RATE_ITEM = re.compile(r'^\s*"?([A-Za-z0-9_-]+)"?\s*((?:;\s*[a-z]+\s*=\s*[0-9.]+\s*)*)$')


def fetch(client) -> FetchResult:
    result = FetchResult(offers=[])
    for cloud, tier in CLOUDS:
        types = _ask(client, cloud, 1)  # the first call of a cloud must work: failures propagate
        published = _published_counts(types, tier)
        by_count = {1: types}
        for count in sorted(published - {1}):
            wait = _rate_wait(client.last_headers)
            if wait is None or wait > MAX_RATE_WAIT_S:
                result.incomplete(f"{cloud.lower()} {count}-GPU availability not asked: RunPod's rate-limit "
                                  "window is spent")
                continue
            if wait:
                http.sleep(wait)
            try:
                by_count[count] = _ask(client, cloud, count)
            except TransientProviderError as exc:
                result.incomplete(f"{cloud.lower()} {count}-GPU availability not asked: {exc}")
        for row in types:
            _parse_type(row, tier, by_count, result)
    return result


def catalog_offers() -> FetchResult:
    # The product document: "Availability: Generally high".
    return catalog_result(SLUG, availability="high")


def _ask(client, cloud: str, count: int) -> list:
    params = {"include": "AVAILABILITY", "product": "POD", "cloud": cloud}
    if count != 1:
        params["count"] = str(count)
    payload = client.request_json("GET", "catalog/gpus", params=params)
    return require(payload, "gpus", list, SLUG)


def _published_counts(types: list, tier: str) -> set[int]:
    counts = {1}
    for row in types:
        if not isinstance(row, dict) or row.get(tier) is not True:
            continue
        top = _max_count(row, tier)
        counts |= {n for n in POD_SIZES if n <= top}
        if top <= MAX_PUBLISHED_COUNT:
            counts.add(top)
    return counts


def _max_count(row: dict, tier: str) -> int:
    max_counts = row.get("maxCount") if isinstance(row.get("maxCount"), dict) else {}
    return positive_int(max_counts.get(tier)) or 1


def parse_rate_limit(value: str | None) -> dict[str, tuple[float, float]]:
    """``"minute";r=58;t=42, "hour";r=2990;t=3000`` -> {"minute": (58, 42), "hour": (2990, 3000)}."""
    windows: dict[str, tuple[float, float]] = {}
    for item in (value or "").split(","):
        match = _RATE_ITEM.match(item)
        if not match:
            continue
        params = dict(re.findall(r"([a-z]+)\s*=\s*([0-9.]+)", match[2]))
        if "r" in params:
            windows[match[1]] = (float(params["r"]), float(params.get("t", 0)))
    return windows


def _rate_wait(headers) -> float | None:
    """Seconds to wait before the next call (0 = go now), or None when no window resets soon
    enough. No RateLimit header: the request is not subject to the limits (RunPod's docs)."""
    windows = parse_rate_limit(headers.get("RateLimit") if headers is not None else None)
    wait = 0.0
    for remaining, reset in windows.values():
        if remaining <= RATE_RESERVE:
            if reset > MAX_RATE_WAIT_S:
                return None
            wait = max(wait, reset)
    return wait


def _availability(value) -> str:
    return AVAILABILITY.get(value, "unknown") if isinstance(value, str) else "unknown"


def _places(row: dict) -> list[tuple[str, str]]:
    data_centers = [dc for dc in row.get("dataCenters") or [] if isinstance(dc, dict) and dc.get("id")]
    # Per datacenter when the catalog says where; else one offer with the overall availability.
    return [(str(dc["id"]), _availability(dc.get("availability"))) for dc in data_centers] or [
        ("", _availability(row.get("availability")))
    ]


def _parse_type(row, tier: str, by_count: dict[int, list], result: FetchResult) -> None:
    if not isinstance(row, dict):
        result.drop(DROP_BAD_ROW, "?", f"{tier}: a catalog entry that is not an object")
        return
    if row.get(tier) is False:
        return  # not offered on this cloud: its placeholder price means nothing
    gpu_id = str(row.get("id") or row.get("name") or "").strip()
    price = usd((row.get("price") or {}).get(tier) if isinstance(row.get("price"), dict) else None)
    if not gpu_id or price is None or row.get(tier) is not True:
        result.drop(DROP_BAD_ROW, gpu_id or "?", f"{tier}: no id, no {tier} flag or no positive {tier} price")
        return
    memory = row.get("memory") if isinstance(row.get("memory"), int | float) else None
    gpu = resolve_gpu(gpu_id, memory) or resolve_gpu(str(row.get("name") or ""), memory)
    if gpu is None:
        result.drop(DROP_UNKNOWN_GPU, gpu_id, f"{tier}: not in the GPU catalog")
        return
    top = _max_count(row, tier)
    counts = {n for n in POD_SIZES if n <= top} | ({top} if top <= MAX_PUBLISHED_COUNT else set())
    for count in sorted(counts):
        if count in by_count:
            same = [r for r in by_count[count] if isinstance(r, dict) and r.get("id") == row.get("id")]
            if not same:
                continue  # RunPod did not list the type for this many GPUs: no such pod now
            places = _places(same[0])
        else:
            places = [("", "unknown")]  # not asked (rate limit): the price holds, the stock is unknown
        for region, availability in places:
            result.offers.append(ProviderOffer(
                provider=SLUG, provider_sku=f"{gpu_id}/{tier}/{count}x", gpu_slug=gpu.slug, gpu_count=count,
                gpu_memory_gb=int(memory or gpu.memory_gb), usd_per_hour=quantize_usd(price * count),
                region=region, availability=availability, tier=tier,
            ))

