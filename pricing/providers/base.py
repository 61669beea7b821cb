"""What every provider adapter returns, and the errors it raises.

Adapters do HTTP and parsing only; storing is ``pricing.services``' job.
"""

from __future__ import annotations

import datetime as dt
import re
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
    # What is rented: a GPU "instance" (a VM/pod/container you run your own code on) or a
    # "dedicated endpoint" (Together's /hardware: inference endpoints serving a hosted model, which
    # a training job cannot use; the selector leaves them out unless asked).
    kind: str = "instance"

    @property
    def usd_per_gpu_hour(self) -> Decimal:
        return (self.usd_per_hour / self.gpu_count).quantize(Decimal("0.0001"))


KIND_INSTANCE = "instance"
KIND_DEDICATED_ENDPOINT = "dedicated endpoint"

# Why a poll dropped a row (recorded on the PollRun, shown in the admin and GET /api/cloud/providers).
DROP_UNKNOWN_GPU = "unknown GPU"
DROP_UNPRICED_SKU = "unpriced SKU"
DROP_BAD_ROW = "bad row"  # no price, zero/negative price, no GPU count, not an object
DROP_FAILED_CHECK = "failed check"  # pricing.poll_checks: implausible price for the GPU

MAX_DROPPED_RECORDED = 200


@dataclass(frozen=True)
class DroppedRow:
    reason: str  # one of the DROP_* values
    item: str  # what was dropped: a GPU name, a SKU, a row id
    detail: str = ""

    def as_dict(self) -> dict:
        return {"reason": self.reason, "item": self.item, "detail": self.detail}


@dataclass
class FetchResult:
    offers: list[ProviderOffer]
    source: str = "live"  # live | catalog
    catalog_date: dt.date | None = None
    skipped: int = 0  # rows dropped (no price, negative price, unknown GPU, ...)
    unknown_gpus: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Every dropped row with its reason (the first MAX_DROPPED_RECORDED; ``skipped`` counts all).
    dropped: list[DroppedRow] = field(default_factory=list)
    # False when the adapter knows it could not see everything (a rate limit or a budget stopped
    # it); ``coverage_note`` says what was missed. Recorded on the PollRun.
    complete: bool = True
    coverage_note: str = ""

    def drop(self, reason: str, item: str, detail: str = "") -> None:
        """Count a row the poll could not use and say why."""
        self.skipped += 1
        item = str(item)[:200]
        if reason in (DROP_UNKNOWN_GPU, DROP_UNPRICED_SKU) and item not in self.unknown_gpus:
            self.unknown_gpus.append(item)
        if len(self.dropped) < MAX_DROPPED_RECORDED:
            self.dropped.append(DroppedRow(reason, item, detail[:300]))

    def incomplete(self, note: str) -> None:
        self.complete = False
        self.coverage_note = f"{self.coverage_note}; {note}" if self.coverage_note else note


class ProviderError(Exception):
    """A poll failed. ``transient`` errors (timeouts, 5xx, 429) may be retried later."""

    transient = False


class TransientProviderError(ProviderError):
    transient = True

    def __init__(self, message: str, retry_after: float | None = None, *, rate_limited: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


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
    # ASCII digits only, bounded: str.isdigit() is true for "²" and "①", which int() refuses, and
    # an upstream string of 5,000 digits makes int() raise (a whole poll lost to one row).
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        value = int(value.strip())
    return value if isinstance(value, int) and 0 < value < 2**31 else None


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
