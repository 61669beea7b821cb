"""Lambda Cloud: ``GET /instance-types`` lists every instance type with its price and the regions
that have capacity right now.

API: https://docs.lambda.ai/api/cloud#listInstanceTypes (OpenAPI v1.10.0,
     https://cloud.lambda.ai/api/v1/openapi.json)
Notes: shared/reference/provider-apis.md section 3.

The payload is ``{"data": {name: {instance_type, regions_with_capacity_available}}}``: an object
keyed by type name, prices in integer US cents per hour for the WHOLE instance. GPU model, count and
memory are only in the description ("8x A100 (80 GB SXM4)"). Sold-out types are still listed (empty
region list): we keep them visible as unavailable rather than dropping them.

What we ask and why: this one call per poll (Lambda limits the API to about one request a second);
it holds every type, its price and where it can be launched now.

"Can rent now" is not "plenty": Lambda says only which regions have capacity for a type, not how
much, so stock maps to RunPod's four levels by how many regions have it: 3 or more regions
"high", 2 "medium", 1 "low", none "unavailable" (one offer per region, each with the type's level).
"""

from __future__ import annotations

import re

from ..gpus import resolve_gpu
from .base import DROP_BAD_ROW, DROP_UNKNOWN_GPU, FetchResult, ProviderOffer, positive_int, quantize_usd, require, usd
from .price_list import catalog_result

SLUG = "lambda"
NAME = "Lambda"
SETUP_MINUTES = (0, 5)
BILLING_INCREMENT_SECONDS = 60
SIGNUP_URL = "https://cloud.lambda.ai/sign-up"
DOCS_URL = "https://docs.lambda.ai/api/cloud"

# "8x A100 (80 GB SXM4)", "8x Tesla V100 (16 GB)", "10x ..." (gpuhunt's single \d misses two digits).
DESCRIPTION = re.compile(r"^\s*(\d+)x\s+(?:Tesla\s+)?(.+?)\s*\((\d+)\s*GB\s*([^)]*)\)")
NAME_PATTERN = re.compile(r"^gpu_(\d+)x_(.+)$")


def stock_level(regions_with_capacity: int) -> str:
    if regions_with_capacity >= 3:
        return "high"
    if regions_with_capacity == 2:
        return "medium"
    return "low" if regions_with_capacity == 1 else "unavailable"


def fetch(client) -> FetchResult:
    payload = client.request_json("GET", "instance-types")
    result = FetchResult(offers=[])
    for key, item in require(payload, "data", dict, SLUG).items():
        _parse_item(str(key), item, result)
    return result


def catalog_offers() -> FetchResult:
    # The product document: "Availability: Medium (high demand)".
    return catalog_result(SLUG, availability="medium")


def _parse_item(key: str, item, result: FetchResult) -> None:
    itype = item.get("instance_type") if isinstance(item, dict) else None
    if not isinstance(itype, dict):
        result.drop(DROP_BAD_ROW, key, "no instance_type object")
        return
    name = str(itype.get("name") or key)
    specs = itype.get("specs") if isinstance(itype.get("specs"), dict) else {}
    if specs.get("gpus") == 0 or (not specs and name.startswith("cpu_")):
        return  # a CPU-only instance type: not a GPU offer, not an error either
    description = str(itype.get("description") or "")
    match = DESCRIPTION.match(description)
    if match:
        count, model, memory, variant = int(match[1]), match[2], int(match[3]), match[4].strip()
        gpu = resolve_gpu(f"{model} ({memory} GB {variant})".replace(" )", ")"), memory)
    else:
        name_match = NAME_PATTERN.match(name)
        count, memory = (int(name_match[1]) if name_match else 0), None
        gpu = resolve_gpu(name_match[2].replace("_", " ")) if name_match else None
    count = positive_int(specs.get("gpus")) or count
    price = usd(itype.get("price_cents_per_hour"))
    if price is None or not count:
        result.drop(DROP_BAD_ROW, name, "no positive price_cents_per_hour or no GPU count")
        return
    if gpu is None:
        result.drop(DROP_UNKNOWN_GPU, description or name, f"{name}: not in the GPU catalog")
        return
    regions = item.get("regions_with_capacity_available")
    regions = [r["name"] for r in regions if isinstance(r, dict) and r.get("name")] if isinstance(regions, list) else []
    # Stock level from how widely the type can be launched now; sold out everywhere: one visible offer.
    level = stock_level(len(set(regions)))
    places = [(str(r), level) for r in regions] or [("", "unavailable")]
    for region, availability in places:
        result.offers.append(ProviderOffer(
            provider=SLUG, provider_sku=name, gpu_slug=gpu.slug, gpu_count=count,
            gpu_memory_gb=memory or gpu.memory_gb, usd_per_hour=quantize_usd(price / 100),
            region=region, availability=availability,
        ))
