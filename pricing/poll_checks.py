"""Checks a poll must pass before its prices become current (pure: no Django, no I/O).

A successful HTTP answer is not a good price list. Like dstack's gpuhunt, which validates a catalog
before publishing it, every poll is held against the GPU catalog and the provider's last good poll:

- every offer's per-GPU-hour price must sit inside a plausible band for its GPU
  (``PLAUSIBLE_USD_PER_GPU_HOUR``); an offer outside it is dropped ("failed check"), and a poll where
  most offers fail is a unit slip (cents read as dollars, per-minute read as per-hour), not a market;
- the provider-wide median per-GPU-hour price, over the GPU types both polls list, must not move more
  than ``MEDIAN_JUMP`` times either way between two polls of the same source;
- a provider that had offers and now has none, or lost most of its GPU types, is suspect.

A suspect poll is stored (so an operator can accept it) but does not replace the last good prices;
``pricing.services.snapshot_record`` applies the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from .providers.base import DROP_FAILED_CHECK, DroppedRow, ProviderOffer

# USD per GPU-hour, (lowest, highest) a real offer can plausibly carry: roughly a tenth of the
# cheapest marketplace bid seen and four times the dearest list price seen in 2026 (provider-apis.md
# section 8), so a market move passes and a x100 / x0.01 unit slip does not.
PLAUSIBLE_USD_PER_GPU_HOUR: dict[str, tuple[Decimal, Decimal]] = {
    slug: (Decimal(lo), Decimal(hi)) for slug, lo, hi in (
        ("rtx-3090", "0.02", "3"), ("rtx-4090", "0.03", "4"), ("rtx-5090", "0.05", "5"),
        ("rtx-a6000", "0.05", "5"), ("rtx-6000-ada", "0.08", "6"), ("rtx-pro-6000", "0.1", "10"),
        ("a10", "0.05", "5"), ("a40", "0.05", "5"), ("l4", "0.05", "4"), ("t4", "0.02", "3"),
        ("l40s", "0.1", "12"), ("l40", "0.1", "8"), ("v100-16gb", "0.01", "5"), ("v100-32gb", "0.01", "6"),
        ("a100-40gb", "0.1", "12"), ("a100-80gb-pcie", "0.15", "14"), ("a100-80gb-sxm", "0.15", "16"),
        ("h100-pcie", "0.3", "18"), ("h100-sxm", "0.3", "22"), ("h100-nvl", "0.3", "22"), ("gh200", "0.3", "22"),
        ("h200", "0.5", "28"), ("h200-nvl", "0.5", "28"), ("b200", "0.8", "40"), ("mi300x", "0.3", "22"),
    )
}
DEFAULT_BAND = (Decimal("0.01"), Decimal("50"))
# More than this share of offers outside their band: the whole poll is suspect.
BAND_FAIL_SHARE = 0.5
# A provider-wide median moving this many times (up or down) between two polls is suspect.
MEDIAN_JUMP = 5
# Losing more than this share of the GPU types the last good poll listed is suspect.
LOST_TYPES_SHARE = 0.5


@dataclass(frozen=True)
class PollSummary:
    """What the checks need of a poll: its source and its on-demand per-GPU-hour prices by GPU."""

    source: str
    offer_count: int
    prices_by_gpu: dict[str, list[Decimal]] = field(default_factory=dict)

    @classmethod
    def of(cls, source: str, rows: Iterable[tuple[str, Decimal, bool]]) -> PollSummary:
        """From (gpu slug, USD per GPU-hour, interruptible) rows."""
        by_gpu: dict[str, list[Decimal]] = {}
        n = 0
        for slug, price, interruptible in rows:
            n += 1
            if not interruptible:
                by_gpu.setdefault(slug, []).append(Decimal(price))
        return cls(source, n, by_gpu)


@dataclass
class Verdict:
    offers: list[ProviderOffer]  # the offers that passed
    dropped: list[DroppedRow] = field(default_factory=list)
    suspect_reasons: list[str] = field(default_factory=list)

    @property
    def suspect(self) -> bool:
        return bool(self.suspect_reasons)

    @property
    def reason(self) -> str:
        return "; ".join(self.suspect_reasons)


def band_for(gpu_slug: str) -> tuple[Decimal, Decimal]:
    return PLAUSIBLE_USD_PER_GPU_HOUR.get(gpu_slug, DEFAULT_BAND)


def check_poll(offers: list[ProviderOffer], *, source: str, previous: PollSummary | None) -> Verdict:
    """Hold one poll's offers against the catalog bands and the provider's last good poll."""
    verdict = Verdict(offers=[])
    for o in offers:
        lo, hi = band_for(o.gpu_slug)
        price = o.usd_per_gpu_hour
        if lo <= price <= hi:
            verdict.offers.append(o)
        else:
            verdict.dropped.append(DroppedRow(
                DROP_FAILED_CHECK, o.provider_sku,
                f"${price}/GPU-hour for {o.gpu_slug} is outside the plausible ${lo}-${hi}"))
    failed = len(offers) - len(verdict.offers)
    if offers and failed / len(offers) > BAND_FAIL_SHARE:
        verdict.suspect_reasons.append(
            f"{failed} of {len(offers)} prices are outside the plausible band for their GPU (a unit slip?)")

    if previous is None or previous.offer_count == 0:
        return verdict
    current = PollSummary.of(source, ((o.gpu_slug, o.usd_per_gpu_hour, o.interruptible) for o in offers))
    if not offers:
        verdict.suspect_reasons.append(
            f"the last good poll had {previous.offer_count} offers and this one has none")
        return verdict
    if previous.source != source:
        return verdict  # a key added or removed: list prices and live prices are not comparable polls
    lost = sorted(set(previous.prices_by_gpu) - set(current.prices_by_gpu))
    if len(previous.prices_by_gpu) >= 2 and len(lost) > LOST_TYPES_SHARE * len(previous.prices_by_gpu):
        verdict.suspect_reasons.append(
            f"{len(lost)} of the {len(previous.prices_by_gpu)} GPU types of the last good poll are gone "
            f"({', '.join(lost[:8])})")
    shared = set(previous.prices_by_gpu) & set(current.prices_by_gpu)
    if shared:
        before = median([p for s in shared for p in previous.prices_by_gpu[s]])
        after = median([p for s in shared for p in current.prices_by_gpu[s]])
        if before > 0 and after > 0:
            ratio = after / before
            if ratio >= MEDIAN_JUMP or ratio <= Decimal(1) / MEDIAN_JUMP:
                verdict.suspect_reasons.append(
                    f"the median price per GPU-hour moved from ${before:.4f} to ${after:.4f} "
                    f"(x{ratio:.2f}) since the last good poll")
    return verdict
