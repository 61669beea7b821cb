"""Together AI: ``GET /v1/hardware`` lists the hardware configurations of Together's DEDICATED
INFERENCE ENDPOINTS and their per-minute price.

API: https://docs.together.ai/reference/listhardware (base URL ``https://api.together.ai/v1``; the
     old ``api.together.xyz`` host may redirect, and a redirect to Together's own hosts is
     followed, any other is reported: settings.PROVIDER_SETTINGS["together"]["redirect_hosts"])
Dedicated endpoints: https://docs.together.ai/docs/dedicated-endpoints/overview
Notes: shared/reference/provider-apis.md section 4.

What we ask and why:

- ``GET /hardware`` once: every configuration and its price. ``{"object": "list", "data": [...]}``;
  ``pricing.cents_per_minute`` is for the whole configuration (a 2x config costs twice a 1x), so
  USD/h = cents_per_minute * 60 / 100. The ``specs.gpu_type`` spelling varies between docs, so the
  GPU comes from the id ("2x_nvidia_h100_80gb_sxm"). Without ``?model=`` there is no availability.
- ``GET /hardware?model=<id>`` for each model in ``settings.TOGETHER_AVAILABILITY_MODELS``: only
  then does Together report ``availability.status`` (available / insufficient / unavailable) per
  configuration. An offer's availability is the best any asked model got ("can an endpoint be
  started on it now"); a model Together cannot serve on dedicated hardware answers with an error,
  which is noted on the poll and does not fail it.

These are inference endpoints serving a model Together hosts, not machines a training job can run
on: every offer is labelled kind "dedicated endpoint", and the selector keeps them out of training
recommendations unless the user asks (``include_inference_endpoints``). Together's training
product is its fine-tuning API, priced per token (the built-in list, see price_list.py).
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from django.conf import settings

from ..gpus import resolve_gpu
from .base import (
    DROP_BAD_ROW,
    DROP_UNKNOWN_GPU,
    KIND_DEDICATED_ENDPOINT,
    AuthError,
    FetchResult,
    ProviderError,
    ProviderOffer,
    positive_int,
    quantize_usd,
    require,
    usd,
)
from .price_list import catalog_result

SLUG = "together"
NAME = "Together AI"
SETUP_MINUTES = (1, 2)
BILLING_INCREMENT_SECONDS = 60
SIGNUP_URL = "https://api.together.ai/signup"
DOCS_URL = "https://docs.together.ai/reference/listhardware"

ID_PATTERN = re.compile(r"^(\d+)x_(?:nvidia_)?(.+)$")
AVAILABILITY = {"available": "high", "insufficient": "low", "unavailable": "unavailable"}
_RANK = {"high": 3, "low": 2, "unavailable": 1, "unknown": 0}


def fetch(client) -> FetchResult:
    payload = client.request_json("GET", "hardware")
    result = FetchResult(offers=[])
    for row in require(payload, "data", list, SLUG):
        _parse_row(row, result)
    statuses = _availability_by_model(client, result)
    if statuses:
        result.offers = [dataclasses.replace(o, availability=statuses.get(o.provider_sku, "unknown"))
                         for o in result.offers]
    return result


def catalog_offers() -> FetchResult:
    # The product document: "Availability: High (auto-scaling)".
    result = catalog_result(SLUG, availability="high")
    result.offers = [dataclasses.replace(o, kind=KIND_DEDICATED_ENDPOINT) for o in result.offers]
    return result


def _availability_by_model(client, result: FetchResult) -> dict[str, str]:
    """Best availability per hardware id over the configured models ({} when none is asked)."""
    best: dict[str, str] = {}
    models = [m for m in getattr(settings, "TOGETHER_AVAILABILITY_MODELS", ()) if m]
    for model in models:
        try:
            payload = client.request_json("GET", "hardware", params={"model": model})
            rows = require(payload, "data", list, SLUG)
        except AuthError:
            raise
        except ProviderError as exc:
            result.notes.append(f"availability for {model} not known: {exc}")
            continue
        for row in rows:
            if not isinstance(row, dict) or not row.get("id"):
                continue
            status = (row.get("availability") or {}).get("status") if isinstance(row.get("availability"), dict) else None
            level = AVAILABILITY.get(status, "unknown")
            hw_id = str(row["id"])
            if _RANK[level] > _RANK.get(best.get(hw_id, "unknown"), 0):
                best[hw_id] = level
    if models:
        result.notes.append(f"availability asked per model: {', '.join(models)}")
    return best


def _parse_row(row, result: FetchResult) -> None:
    if not isinstance(row, dict) or not row.get("id"):
        result.drop(DROP_BAD_ROW, "?", "a hardware entry without an id")
        return
    hw_id = str(row["id"])
    specs = row.get("specs") if isinstance(row.get("specs"), dict) else {}
    pricing = row.get("pricing") if isinstance(row.get("pricing"), dict) else {}
    cents_per_minute = usd(pricing.get("cents_per_minute"))
    match = ID_PATTERN.match(hw_id)
    count = positive_int(specs.get("gpu_count")) or (int(match[1]) if match else None)
    if cents_per_minute is None or not count:
        result.drop(DROP_BAD_ROW, hw_id, "no positive cents_per_minute or no GPU count")
        return
    memory = specs.get("gpu_memory") if isinstance(specs.get("gpu_memory"), int | float) else None
    gpu = resolve_gpu(match[2], memory) if match else None
    if gpu is None and specs.get("gpu_type"):
        gpu = resolve_gpu(f"{specs['gpu_type']} {specs.get('gpu_link') or ''}", memory)
    if gpu is None:
        result.drop(DROP_UNKNOWN_GPU, hw_id, "not in the GPU catalog")
        return
    status = (row.get("availability") or {}).get("status") if isinstance(row.get("availability"), dict) else None
    result.offers.append(ProviderOffer(
        provider=SLUG, provider_sku=hw_id, gpu_slug=gpu.slug, gpu_count=count,
        gpu_memory_gb=int(memory or gpu.memory_gb),
        usd_per_hour=quantize_usd(cents_per_minute * 60 / Decimal(100)),
        availability=AVAILABILITY.get(status, "unknown"), kind=KIND_DEDICATED_ENDPOINT,
    ))
