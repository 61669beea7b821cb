"""Modal: serverless GPU functions. Modal publishes no pricing or availability API, so both the
live path and the offline path serve the same dated price table (source "catalog").

Pricing: https://modal.com/pricing (USD per second per GPU; CPU and memory are billed on top)
GPU docs: https://modal.com/docs/guide/gpu
Notes: shared/reference/provider-apis.md sections 6 and 8.

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

NOTE = "Modal has no pricing API: dated list prices from modal.com/pricing (per-second price x 3600)"


def fetch(client=None) -> FetchResult:
    """No API to call: the dated table is all there is (the registry never treats Modal as live)."""
    return catalog_offers()


def catalog_offers() -> FetchResult:
    return catalog_result(SLUG, availability="unknown", notes=[NOTE])
