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


# --- Parsing helpers shared by the adapters (providers send floats, ints, strings or nothing) ----

def usd(value) -> Decimal | None:
    """A positive, finite price as Decimal, or None for a missing, zero, negative or junk value.

    ``Decimal(str(x))`` keeps a float's printed digits (0.74, not 0.7399999...)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    if not amount.is_finite() or amount <= 0:
        return None
    return amount


def positive_int(value) -> int | None:
    """A count above zero (1, 8.0, "4"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value > 0 else None


def require(payload, key: str, kind: type, slug: str):
    """``payload[key]`` when the payload is an object holding a ``kind`` there; otherwise a
    PayloadError saying what was expected (a changed API must fail loudly, not poll as empty)."""
    if not isinstance(payload, dict):
        raise PayloadError(f"{slug}: expected a JSON object with {key!r}, got {type(payload).__name__}")
    if key not in payload:
        raise PayloadError(f"{slug}: the provider's answer has no {key!r} field")
    value = payload[key]
    if not isinstance(value, kind):
        raise PayloadError(f"{slug}: {key!r} should be a {kind.__name__}, got {type(value).__name__}")
    return value


def quantize_usd(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.0001"))
