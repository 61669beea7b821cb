"""Good and bad provider answers for the reliability tests, one builder per provider.

Shapes follow the adapters' documented APIs (see each adapter's module docstring). When the adapter
engineer's captured fixtures exist under tests/fixtures/<provider>/, ``good_body`` prefers them.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Providers with a live API path (Modal has none: the registry never polls it live).
LIVE_PROVIDERS = ["runpod", "lambda", "together", "vast", "replicate"]
KEY_ENV = {
    "runpod": "RUNPOD_API_KEY",
    "lambda": "LAMBDA_API_KEY",
    "together": "TOGETHER_API_KEY",
    "vast": "VAST_API_KEY",
    "replicate": "REPLICATE_API_KEY",
}
URL_ENV = {slug: env.replace("_KEY", "_URL") for slug, env in KEY_ENV.items()}
# Requests one successful poll makes (RunPod asks once per cloud tier).
REQUESTS_PER_POLL = {"runpod": 2, "lambda": 1, "together": 1, "vast": 1, "replicate": 1}


def priced(slug: str, price: float) -> object:
    """A well-formed answer whose every offer has the given price (per GPU-hour, roughly)."""
    if slug == "runpod":
        return {"gpus": [
            {"id": "NVIDIA H100 80GB HBM3", "name": "H100 SXM", "memory": 80, "secure": True, "community": True,
             "price": {"secure": price, "community": price}, "maxCount": {"secure": 2, "community": 1},
             "availability": "HIGH"},
            {"id": "NVIDIA GeForce RTX 4090", "name": "RTX 4090", "memory": 24, "secure": True, "community": True,
             "price": {"secure": price, "community": price}, "maxCount": {"secure": 1, "community": 1},
             "availability": "MEDIUM"},
        ]}
    if slug == "lambda":
        return {"data": {
            "gpu_1x_h100_pcie": {"instance_type": {"name": "gpu_1x_h100_pcie", "description": "1x H100 (80 GB PCIe)",
                                                   "price_cents_per_hour": price * 100, "specs": {"gpus": 1}},
                                 "regions_with_capacity_available": [{"name": "us-east-1"}]},
            "gpu_1x_a100": {"instance_type": {"name": "gpu_1x_a100", "description": "1x A100 (40 GB PCIe)",
                                              "price_cents_per_hour": price * 100, "specs": {"gpus": 1}},
                            "regions_with_capacity_available": []},
        }}
    if slug == "together":
        return {"data": [
            {"id": "1x_nvidia_h100_80gb_sxm", "specs": {"gpu_count": 1, "gpu_memory": 80, "gpu_type": "h100",
                                                        "gpu_link": "sxm"},
             "pricing": {"cents_per_minute": price * 100 / 60}, "availability": {"status": "available"}},
        ]}
    if slug == "vast":
        return {"offers": [
            {"id": 101, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": price, "gpu_ram": 24564,
             "geolocation": "Sweden, SE", "rentable": True, "verification": "verified", "min_bid": price / 2},
            {"id": 102, "gpu_name": "H100 SXM", "num_gpus": 2, "dph_total": price * 2, "gpu_ram": 81559,
             "geolocation": "Texas, US", "rentable": True, "verification": "verified"},
        ]}
    if slug == "replicate":  # no prices in its API: SKUs confirmed against the dated list
        return [{"sku": "gpu-h100", "name": "Nvidia H100 GPU"}, {"sku": "gpu-l40s", "name": "Nvidia L40S GPU"}]
    raise KeyError(slug)


# The adapter engineer's captured answers (tests/fixtures/<provider>/), preferred when present.
FIXTURE_FILES = {
    "runpod": {"SECURE": "runpod/catalog_gpus_secure.json", "COMMUNITY": "runpod/catalog_gpus_community.json"},
    "lambda": "lambda/instance_types.json",
    "together": "together/hardware.json",
    "vast": "vast/bundles.json",
    "replicate": "replicate/hardware.json",
}


def good_body(slug: str, request=None) -> bytes:
    """A good answer: the captured fixture when there is one, else the builder above."""
    name = FIXTURE_FILES.get(slug)
    if isinstance(name, dict):
        cloud = request.url.params.get("cloud", "SECURE") if request is not None else "SECURE"
        name = name.get(cloud)
    if name and (FIXTURES / name).exists():
        return (FIXTURES / name).read_bytes()
    return json.dumps(priced(slug, 2.5)).encode()


def empty(slug: str) -> object:
    return {"runpod": {"gpus": []}, "lambda": {"data": {}}, "together": {"data": []}, "vast": {"offers": []},
            "replicate": []}[slug]


def wrong_shape(slug: str) -> object:
    """Valid JSON, but not what the adapter expects (a renamed field / an array for an object)."""
    return {"runpod": {"gpuTypes": [{"id": "x"}]}, "lambda": {"data": [1, 2, 3]},
            "together": {"data": {"id": "x"}}, "vast": [{"offers": []}], "replicate": {"data": []}}[slug]


def huge(slug: str, size: int) -> bytes:
    """A well-formed answer padded past ``size`` bytes."""
    body = priced(slug, 2.5)
    pad = "x" * size
    if isinstance(body, dict):
        body = {**body, "padding": pad}
    else:
        body = [*body, {"sku": "padding", "name": pad}]
    return json.dumps(body).encode()
