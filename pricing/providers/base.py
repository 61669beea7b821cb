"""What every provider adapter returns, and the errors it raises.

Adapters do HTTP and parsing only; storing is ``pricing.services``' job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ProviderOffer:
    provider: str
    provider_sku: str
    gpu_slug: str  # a key of pricing.gpus.GPUS_BY_SLUG
    gpu_count: int
    gpu_memory_gb: int
    usd_per_hour: Decimal  # the whole offer (all its GPUs)
    region: str = ""
    availability: str = "unknown"  # high | medium | low | unavailable | unknown
    interruptible: bool = False
    tier: str = ""  # RunPod: secure | community; Vast: on-demand | interruptible

    @property
    def usd_per_gpu_hour(self) -> Decimal:
        return (self.usd_per_hour / self.gpu_count).quantize(Decimal("0.0001"))


@dataclass
class FetchResult:
    offers: list[ProviderOffer]
    source: str = "live"  # live | catalog
    catalog_date: dt.date | None = None
    skipped: int = 0  # rows dropped (no price, negative price, unknown GPU, ...)
    unknown_gpus: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ProviderError(Exception):
    """A poll failed. ``transient`` errors (timeouts, 5xx, 429) may be retried later."""

    transient = False


class TransientProviderError(ProviderError):
    transient = True

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(ProviderError):
    """401/403: the message names the env var to fix, never the key."""


class PayloadError(ProviderError):
    """Malformed JSON or JSON of the wrong shape."""
