"""Modal: serverless GPU functions. Modal publishes no pricing or availability API, so both the
live path and the offline path serve the same dated price table (source "catalog").

Pricing: https://modal.com/pricing (USD per second per GPU; CPU and memory are billed on top)
GPU docs: https://modal.com/docs/guide/gpu
Notes: shared/reference/provider-apis.md sections 6 and 8.

What we ask: nothing (no API). The table (price_list.MODAL_GPUS) covers every GPU Modal sells:
B200, H200, H100, RTX PRO 6000, A100 80GB, A100 40GB, L40S, A10 (up to 4 per function), L4, T4.
A GPU function is billed its CPU cores and memory too, per second; each row adds the host share a
training function needs per GPU (price_list.MODAL_CPU_CORES_PER_GPU cores and
MODAL_MEMORY_GIB_PER_GPU GiB at Modal's per-core-second and per-GiB-second rates), so the hourly
price is what such a function costs. Each row is dated and names its source.

Figures are base-region prices for preemptible functions; Modal charges a regional multiplier
(1.5x-1.75x, uncertain) when a function is pinned to a region. No stock signal: availability is
"unknown". A cold start is about a minute; we quote 1-3 minutes to get going.
"""

from __future__ import annotations

from .base import FetchResult
from .price_list import catalog_result

SLUG = "modal"
NAME = "Modal"
SETUP_MINUTES = (1, 3)
BILLING_INCREMENT_SECONDS = 1
SIGNUP_URL = "https://modal.com/signup"
DOCS_URL = "https://modal.com/docs/guide/gpu"

NOTE = ("Modal has no pricing API: dated list prices from modal.com/pricing (per-second price x 3600), GPU plus "
        "the CPU and memory a training function holds per GPU")


def fetch(client=None) -> FetchResult:
    """No API to call: the dated table is all there is (the registry never treats Modal as live)."""
    return catalog_offers()


def catalog_offers() -> FetchResult:
    return catalog_result(SLUG, availability="unknown", notes=[NOTE])
