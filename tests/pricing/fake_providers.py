"""Fake provider servers (httpx transports) that answer as the real APIs do, for the acceptance tests.

- RunPod v2 ``/catalog/gpus``: availability and ``dataCenters`` depend on the ``count`` asked
  (a datacenter is listed only where that many GPUs are free), RateLimit headers count down.
- Vast ``/bundles/``: a marketplace of thousands of listings, sorted and capped like the real
  search (``order``, ``limit``, ``dph_total`` filters), with a 10/minute limit answered by a
  plain-text 429 without Retry-After.
- Replicate ``/hardware``: the bare ``[{name, sku}]`` array, multi-GPU SKUs included.
"""

from __future__ import annotations

import json
import random

import httpx

# --- RunPod --------------------------------------------------------------------------------------

RUNPOD_TYPES = [
    # id, name, memory, secure price, community price, maxCount secure, maxCount community
    ("NVIDIA H100 80GB HBM3", "H100 SXM", 80, 3.99, 2.69, 8, 8),
    ("NVIDIA GeForce RTX 4090", "RTX 4090", 24, 0.74, 0.34, 8, 4),
    ("NVIDIA A100-SXM4-80GB", "A100 SXM", 80, 1.79, 1.39, 8, 8),
]
# Free GPUs per (type, cloud, datacenter): plenty of single H100s, 8 together only in EU-RO-1.
RUNPOD_STOCK = {
    ("NVIDIA H100 80GB HBM3", "SECURE"): {"US-KS-2": 6, "EU-RO-1": 40, "US-TX-3": 3},
    ("NVIDIA H100 80GB HBM3", "COMMUNITY"): {"US-TX-3": 1},
    ("NVIDIA GeForce RTX 4090", "SECURE"): {"US-TX-3": 64},
    ("NVIDIA GeForce RTX 4090", "COMMUNITY"): {"CA-MTL-1": 5},
    ("NVIDIA A100-SXM4-80GB", "SECURE"): {},
    ("NVIDIA A100-SXM4-80GB", "COMMUNITY"): {"EU-SE-1": 2},
}


def runpod_level(free: int, count: int) -> str:
    if free >= 4 * count:
        return "HIGH"
    if free >= 2 * count:
        return "MEDIUM"
    return "LOW" if free >= count else "NONE"


class FakeRunPod:
    """``GET /v2/catalog/gpus`` as documented: availability for the ``count`` sent (default 1)."""

    def __init__(self, *, quota: int = 60, reset_s: int = 30):
        self.calls: list[dict] = []
        self.remaining = quota
        self.reset_s = reset_s

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.calls.append(params)
        headers = {"RateLimit-Policy": '"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400'}
        if self.remaining <= 0:
            headers["RateLimit"] = f'"minute";r=0;t={self.reset_s}, "hour";r=2000;t=3000, "day";r=40000;t=80000'
            return httpx.Response(429, headers={**headers, "Retry-After": str(self.reset_s)},
                                  json={"title": "Too Many Requests", "status": 429,
                                        "detail": "rate limit exceeded for the minute window"})
        self.remaining -= 1
        headers["RateLimit"] = (f'"minute";r={self.remaining};t={self.reset_s}, "hour";r=2990;t=3000, '
                                '"day";r=49990;t=80000')
        if request.headers.get("Authorization", "") in ("", "Bearer "):
            return httpx.Response(401, json={"title": "Unauthorized", "status": 401, "detail": "missing bearer token"})
        if "include" in params and "product" not in params:
            return httpx.Response(400, json={"title": "Bad Request", "status": 400,
                                             "detail": "product is required with include"})
        cloud = params.get("cloud", "SECURE")
        count = int(params.get("count", "1"))
        gpus = []
        for gpu_id, name, memory, secure, community, max_secure, max_community in RUNPOD_TYPES:
            row = {"id": gpu_id, "name": name, "pool": None, "manufacturer": "NVIDIA", "memory": memory,
                   "secure": True, "community": True, "price": {"secure": secure, "community": community},
                   "maxCount": {"secure": max_secure, "community": max_community}}
            if "include" in params:
                stock = RUNPOD_STOCK.get((gpu_id, cloud), {})
                dcs = [{"id": dc, "name": dc, "availability": runpod_level(free, count)}
                       for dc, free in stock.items() if free >= count]
                levels = [d["availability"] for d in dcs]
                row["availability"] = next((lv for lv in ("HIGH", "MEDIUM", "LOW") if lv in levels), "NONE")
                if dcs:  # omitted when unavailable everywhere
                    row["dataCenters"] = dcs
            gpus.append(row)
        return httpx.Response(200, headers=headers, json={"gpus": gpus})


# --- Vast ----------------------------------------------------------------------------------------

VAST_MODELS = [
    # gpu_name, gpu_ram MiB, per-GPU $/h range, counts
    ("RTX 3090", 24576, (0.10, 0.35), (1, 2, 4, 8)),
    ("RTX 4090", 24564, (0.25, 0.70), (1, 2, 4, 8)),
    ("RTX 5090", 32607, (0.45, 1.10), (1, 2, 4, 8)),
    ("RTX A6000", 49140, (0.35, 0.80), (1, 2, 4, 8)),
    ("L40S", 46068, (0.55, 1.20), (1, 2, 4, 8)),
    ("A100 SXM4", 81920, (0.80, 1.90), (1, 2, 4, 8)),
    ("A100 PCIE", 40960, (0.50, 1.20), (1, 2, 4)),
    ("H100 SXM", 81559, (1.60, 3.20), (1, 2, 4, 8)),
    ("H100 NVL", 95830, (1.80, 3.00), (1, 2, 4, 8)),
    ("H200", 143771, (2.80, 4.60), (1, 8)),
    ("B200", 183359, (4.00, 6.50), (8,)),
    ("Tesla V100", 16384, (0.05, 0.25), (1, 2, 8)),
]
VAST_COUNTRIES = [("Texas, US", "US"), ("Quebec, CA", "CA"), ("Sweden, SE", "SE"), ("Bavaria, DE", "DE"),
                  ("Tokyo, JP", "JP"), ("US", "US")]


def vast_marketplace(n: int = 4000, seed: int = 11) -> list[dict]:
    """``n`` listings of verified, rentable machines, every (model, count, country) present."""
    rnd = random.Random(seed)
    combos = [(m, c, geo) for m in VAST_MODELS for c in m[3] for geo in VAST_COUNTRIES]
    offers = []
    for i in range(n):
        (name, ram, (lo, hi), _), count, (geo, _cc) = combos[i % len(combos)] if i < len(combos) else (
            rnd.choice(combos))
        per_gpu = round(rnd.uniform(lo, hi), 3)
        base = round(per_gpu * count, 4)
        disk_hour = round(0.15 * 10 / 730, 6)  # storage_cost $/GB-month x 10 GB, per hour
        offers.append({
            "id": 30000000 + i, "ask_contract_id": 30000000 + i, "bundle_id": 900000 + i,
            "machine_id": 40000 + i // 2, "host_id": 100000 + i // 7,
            "gpu_name": name, "num_gpus": count, "gpu_frac": 1.0, "gpu_ram": ram, "gpu_total_ram": ram * count,
            "cpu_cores": 32, "cpu_cores_effective": 16.0, "cpu_ram": 128000, "disk_space": 500.0,
            "dph_base": base, "dph_total": round(base + disk_hour, 6), "storage_cost": 0.15,
            "min_bid": round(base * rnd.uniform(0.4, 0.8), 4), "is_bid": False,
            "search": {"gpuCostPerHour": base, "diskHour": disk_hour, "totalHour": round(base + disk_hour, 6)},
            "geolocation": geo, "reliability2": 0.99, "verification": "verified",
            "rentable": True, "rented": False, "hosting_type": 0, "cuda_max_good": 12.8,
        })
    return offers


def _matches(offer: dict, field: str, cond) -> bool:
    if not isinstance(cond, dict):
        return True
    if field == "verified":  # a search alias of the listing's "verification" string
        return (offer.get("verification") == "verified") == cond.get("eq", True)
    if field not in offer:
        return True  # a filter on a field the listing does not show (external): not ours to fake
    value = offer.get(field)
    for op, want in cond.items():
        if value is None:
            return False
        if ((op == "eq" and value != want) or (op == "neq" and value == want) or (op == "gt" and not value > want)
                or (op == "gte" and not value >= want) or (op == "lt" and not value < want)
                or (op == "lte" and not value <= want) or (op == "in" and value not in want)
                or (op == "notin" and value in want)):
            return False
    return True


class FakeVast:
    """``POST /bundles/``: filters, ``order`` and ``limit`` applied, at most ``cap`` rows per answer
    whatever the limit (a third party measured such a cap), and more than ``per_minute`` searches in
    a minute of the injected clock answered by ``429 API requests too frequent`` (text, no Retry-After)."""

    def __init__(self, offers: list[dict], *, cap: int = 1000, per_minute: int = 10, clock=None):
        self.offers = offers
        self.cap = cap
        self.per_minute = per_minute
        self.clock = clock
        self.calls: list[dict] = []
        self.times: list[float] = []
        self.rejected = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock() if self.clock else 0.0
        recent = [t for t in self.times if now - t < 60]
        if self.clock and len(recent) >= self.per_minute:
            self.rejected += 1
            return httpx.Response(429, text="API requests too frequent: endpoint threshold=6.0",
                                  headers={"Content-Type": "text/plain"})
        self.times.append(now)
        body = json.loads(request.content or b"{}")
        self.calls.append(body)
        rows = [o for o in self.offers
                if all(_matches(o, f, c) for f, c in body.items() if f not in ("order", "limit", "type"))]
        for field, direction in reversed(body.get("order") or []):
            rows.sort(key=lambda o: (o.get(field) is None, o.get(field)), reverse=direction == "desc")
        limit = min(int(body.get("limit") or 64), self.cap)
        return httpx.Response(200, json={"offers": rows[:limit]})


# --- Replicate -----------------------------------------------------------------------------------

REPLICATE_HARDWARE = [
    {"name": "CPU", "sku": "cpu"},
    {"name": "Nvidia T4 GPU", "sku": "gpu-t4"},
    {"name": "Nvidia L40S GPU", "sku": "gpu-l40s"},
    {"name": "2x Nvidia L40S GPU", "sku": "gpu-2x-l40s"},
    {"name": "4x Nvidia L40S GPU", "sku": "gpu-4x-l40s"},
    {"name": "8x Nvidia L40S GPU", "sku": "gpu-8x-l40s"},
    {"name": "Nvidia A100 (80GB) GPU", "sku": "gpu-a100-large"},
    {"name": "2x Nvidia A100 (80GB) GPU", "sku": "gpu-2x-a100-large"},
    {"name": "4x Nvidia A100 (80GB) GPU", "sku": "gpu-4x-a100-large"},
    {"name": "8x Nvidia A100 (80GB) GPU", "sku": "gpu-8x-a100-large"},
    {"name": "Nvidia H100 GPU", "sku": "gpu-h100"},
    {"name": "2x Nvidia H100 GPU", "sku": "gpu-2x-h100"},
    {"name": "4x Nvidia H100 GPU", "sku": "gpu-4x-h100"},
    {"name": "8x Nvidia H100 GPU", "sku": "gpu-8x-h100"},
    {"name": "Nvidia A40 (Large) GPU", "sku": "gpu-a40-large"},
    {"name": "Nvidia Z9000 GPU", "sku": "gpu-z9000"},
]
