"""Dated built-in list prices, used when a provider has no pricing API (Modal, Replicate) or no key
is configured (the offline/demo default).

Every row carries the date its figure was read and where from; a catalog poll records the list's
date so the UI can say "list prices of <date>" instead of passing them off as live. Figures come from
``shared/reference/provider-apis.md`` section 8 (most are third-party readings of the providers'
pricing pages, see the source per row) and are USD per GPU-hour unless the provider sells whole
configurations (Lambda instances: USD per instance-hour = per-GPU figure x GPUs).

Re-check these against the providers' pricing pages and update the dates with the figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..gpus import GPUS_BY_SLUG
from .base import FetchResult, ProviderOffer, quantize_usd


@dataclass(frozen=True)
class ListPrice:
    provider: str
    sku: str
    gpu_slug: str
    gpu_count: int
    usd_per_hour: Decimal  # the whole configuration
    as_of: dt.date
    source: str
    tier: str = ""
    interruptible: bool = False


D = dt.date
RUNPOD_SRC_NOV = "datareceipts 109-gpu-pricing/vendors.json (runpod.io/pricing), read 2026-11-09"
RUNPOD_SRC_SEP = "silybench-data gpu_prices.csv (runpod.io/pricing), checked 2026-09-25"
LAMBDA_SRC = "api-evangelist lambda-labs plans (lambda.ai/instances, harvested 2026-09-20)"
TOGETHER_SRC = "docs.together.ai dedicated-endpoints overview (stored copy, undated 2026; read 2026-11-29)"
VAST_SRC = "marketplace average of verified rentable offers (compute-screener 2026-10-24, lantern-works 2026-10-29)"
MODAL_SRC = "modal.com/pricing via techbytes.app (2026-05-07); H100 confirmed by beam.cloud 2026-06-27"
MODAL_SRC_REST = ("modal.com/pricing per-second rates (B200, H200, RTX PRO 6000, A100 40GB, A10) as published in "
                  "2025; not re-read from a stored copy in 2026: UNCERTAIN, re-check")
REPLICATE_SRC = "replicate.com/pricing (stored copy, 2026; matches techbytes.app 2026-05-07)"


def _per_gpu(provider: str, sku: str, gpu_slug: str, usd_per_gpu_hour: str, as_of: dt.date, source: str, *,
             counts: Iterable[int] = (1,), tier: str = "", sku_for=None) -> list[ListPrice]:
    """Rows for a per-GPU price sold in several GPU counts (the price scales linearly)."""
    sku_for = sku_for or (lambda n: f"{sku}/{n}x")
    return [
        ListPrice(provider, sku_for(n), gpu_slug, n, quantize_usd(Decimal(usd_per_gpu_hour) * n), as_of, source,
                  tier=tier)
        for n in counts
    ]


def _per_second(usd_per_second: str) -> str:
    return str(Decimal(usd_per_second) * 3600)


POD_COUNTS = (1, 2, 4, 8)


def _runpod() -> list[ListPrice]:
    rows = []
    for gpu_id, slug, secure, community, as_of, src in (
        ("NVIDIA H100 80GB HBM3", "h100-sxm", "3.99", "2.69", D(2026, 11, 9), RUNPOD_SRC_NOV),
        ("NVIDIA H100 PCIe", "h100-pcie", "2.89", "1.99", D(2026, 11, 9), RUNPOD_SRC_NOV),
        ("NVIDIA A100-SXM4-80GB", "a100-80gb-sxm", "1.79", "1.39", D(2026, 11, 9), RUNPOD_SRC_NOV),
        ("NVIDIA A100 80GB PCIe", "a100-80gb-pcie", "1.79", "1.19", D(2026, 11, 9), RUNPOD_SRC_NOV),
        ("NVIDIA H200", "h200", "4.59", "3.59", D(2026, 9, 25), RUNPOD_SRC_SEP),
        ("NVIDIA L40S", "l40s", "1.09", "0.79", D(2026, 9, 25), RUNPOD_SRC_SEP),
        ("NVIDIA GeForce RTX 4090", "rtx-4090", "0.74", "0.34", D(2026, 9, 25), RUNPOD_SRC_SEP),
    ):
        for tier, price in (("secure", secure), ("community", community)):
            rows += _per_gpu("runpod", gpu_id, slug, price, as_of, src, counts=POD_COUNTS, tier=tier,
                             sku_for=lambda n, g=gpu_id, t=tier: f"{g}/{t}/{n}x")
    # RTX 3090: only a community figure was found (deploybase labelled it "spot"; uncertain).
    rows += _per_gpu("runpod", "NVIDIA GeForce RTX 3090", "rtx-3090", "0.22", D(2026, 3, 10),
                     "deploybase.ai RunPod GPU pricing, 2026-03-10 (uncertain)", counts=POD_COUNTS, tier="community",
                     sku_for=lambda n: f"NVIDIA GeForce RTX 3090/community/{n}x")
    return rows


def _lambda() -> list[ListPrice]:
    # Lambda prices whole instances; its pricing page quotes per GPU, so instance = per-GPU x GPUs.
    rows = []
    for name, slug, count, per_gpu in (
        ("gpu_1x_h100_sxm5", "h100-sxm", 1, "4.29"),
        ("gpu_2x_h100_sxm5", "h100-sxm", 2, "4.19"),
        ("gpu_4x_h100_sxm5", "h100-sxm", 4, "4.09"),
        ("gpu_8x_h100_sxm5", "h100-sxm", 8, "3.99"),
        ("gpu_1x_h100_pcie", "h100-pcie", 1, "3.29"),
        ("gpu_8x_a100_80gb_sxm4", "a100-80gb-sxm", 8, "2.79"),
        ("gpu_1x_a100_sxm4", "a100-40gb", 1, "1.99"),
        ("gpu_8x_a100", "a100-40gb", 8, "1.99"),
        ("gpu_1x_a10", "a10", 1, "1.29"),
        ("gpu_8x_v100", "v100-16gb", 8, "0.79"),
    ):
        rows += _per_gpu("lambda", name, slug, per_gpu, D(2026, 9, 20), LAMBDA_SRC, counts=(count,),
                         sku_for=lambda n, s=name: s)
    return rows


def _together() -> list[ListPrice]:
    rows = []
    for model, slug, per_gpu in (("h100_80gb_sxm", "h100-sxm", "5.40"), ("h200_140gb_sxm", "h200", "6.60"),
                                 ("b200_180gb_sxm", "b200", "9.00"), ("a100_80gb_sxm", "a100-80gb-sxm", "4.00")):
        rows += _per_gpu("together", model, slug, per_gpu, D(2026, 11, 29), TOGETHER_SRC, counts=POD_COUNTS,
                         sku_for=lambda n, m=model: f"{n}x_nvidia_{m}")
    return rows


def _vast() -> list[ListPrice]:
    return [
        ListPrice("vast", "market:H100 SXM", "h100-sxm", 1, Decimal("2.6700"), D(2026, 10, 24), VAST_SRC, "on-demand"),
        ListPrice("vast", "market:A100 SXM4 80GB", "a100-80gb-sxm", 1, Decimal("1.7000"), D(2026, 10, 29), VAST_SRC,
                  "on-demand"),
        ListPrice("vast", "market:H200", "h200", 1, Decimal("5.5800"), D(2026, 10, 24), VAST_SRC, "on-demand"),
    ]


# Modal bills a GPU function per second for its GPU AND for the CPU cores and memory it holds
# (modal.com/pricing): a training function needs both, so each row is GPU + MODAL_CPU_CORES_PER_GPU
# physical cores + MODAL_MEMORY_GIB_PER_GPU GiB per GPU, at the per-second rates below.
MODAL_URL = "https://modal.com/pricing"
# CPU: beam.cloud "Modal pricing explained" (modal.com/pricing verified 2026-06-27); memory: modal.com/pricing
# as published in 2025 (UNCERTAIN).
MODAL_CPU_USD_PER_CORE_SECOND = Decimal("0.0000131")  # per physical core (2 vCPU)
MODAL_MEMORY_USD_PER_GIB_SECOND = Decimal("0.00000222")
MODAL_CPU_CORES_PER_GPU = 4  # our assumption for a training function (data loading, host side)
MODAL_MEMORY_GIB_PER_GPU = 32
MODAL_GPUS = (
    # Modal's gpu= name, catalog slug, USD per GPU-second, counts Modal allows, date read, source
    ("B200", "b200", "0.001736", POD_COUNTS, D(2025, 12, 1), MODAL_SRC_REST),
    ("H200", "h200", "0.001261", POD_COUNTS, D(2025, 12, 1), MODAL_SRC_REST),
    ("H100", "h100-sxm", "0.001097", POD_COUNTS, D(2026, 6, 27), MODAL_SRC),
    ("RTX-PRO-6000", "rtx-pro-6000", "0.000842", POD_COUNTS, D(2025, 12, 1), MODAL_SRC_REST),
    ("A100-80GB", "a100-80gb-sxm", "0.000694", POD_COUNTS, D(2026, 5, 7), MODAL_SRC),
    ("A100-40GB", "a100-40gb", "0.000583", POD_COUNTS, D(2025, 12, 1), MODAL_SRC_REST),
    ("L40S", "l40s", "0.000542", POD_COUNTS, D(2026, 5, 7), MODAL_SRC),
    ("A10", "a10", "0.000306", (1, 2, 4), D(2025, 12, 1), MODAL_SRC_REST),  # A10: up to 4 per function
    ("L4", "l4", "0.000222", POD_COUNTS, D(2026, 5, 7), MODAL_SRC),
    ("T4", "t4", "0.000164", POD_COUNTS, D(2026, 5, 7), MODAL_SRC),
)


def modal_host_usd_per_gpu_second() -> Decimal:
    """The CPU and memory a GPU function holds per GPU, in USD per second."""
    return (MODAL_CPU_USD_PER_CORE_SECOND * MODAL_CPU_CORES_PER_GPU
            + MODAL_MEMORY_USD_PER_GIB_SECOND * MODAL_MEMORY_GIB_PER_GPU)


def _modal() -> list[ListPrice]:
    rows = []
    host = modal_host_usd_per_gpu_second()
    for gpu, slug, per_sec, counts, as_of, src in MODAL_GPUS:
        per_gpu_sec = Decimal(per_sec) + host
        rows += _per_gpu("modal", gpu, slug, str(per_gpu_sec * 3600), as_of,
                         f"{src}; + {MODAL_CPU_CORES_PER_GPU} CPU cores and {MODAL_MEMORY_GIB_PER_GPU} GiB per GPU "
                         f"at ${MODAL_CPU_USD_PER_CORE_SECOND}/core-s and ${MODAL_MEMORY_USD_PER_GIB_SECOND}/GiB-s "
                         f"({MODAL_URL})", counts=counts,
                         sku_for=lambda n, g=gpu: g if n == 1 else f"{g}:{n}")
    return rows


def _replicate() -> list[ListPrice]:
    rows = []
    for sku, slug, per_sec, counts in (("gpu-t4", "t4", "0.000225", (1,)), ("gpu-l40s", "l40s", "0.000975", POD_COUNTS),
                                       ("gpu-a100-large", "a100-80gb-sxm", "0.0014", POD_COUNTS),
                                       ("gpu-h100", "h100-sxm", "0.001525", POD_COUNTS)):
        rows += _per_gpu("replicate", sku, slug, _per_second(per_sec), D(2026, 5, 7), REPLICATE_SRC, counts=counts,
                         sku_for=lambda n, s=sku: s if n == 1 else s.replace("gpu-", f"gpu-{n}x-", 1))
    return rows


@dataclass(frozen=True)
class TokenPrice:
    """A service priced per token processed (Together's fine-tuning API), by model size band."""

    provider: str
    product: str  # "fine-tuning"
    method: str  # "lora" | "full"
    max_params_b: float  # the band's upper bound (billions of parameters); the band starts above the previous
    usd_per_million_tokens: Decimal
    minimum_charge_usd: Decimal
    as_of: dt.date
    source: str

    @property
    def band(self) -> str:
        return {16: "up to 16B", 69: "16.1B-69B", 100: "69.1B-100B"}.get(int(self.max_params_b), f"up to {self.max_params_b:g}B")


TOGETHER_FT_SRC = ("together.ai/pricing, fine-tuning (supervised), USD per 1M tokens processed, as published 2025 "
                   "(figures not re-read from a stored copy: UNCERTAIN, re-check); tokens processed = epochs x "
                   "training tokens + evaluations x validation tokens and no minimum charge: "
                   "docs.together.ai/docs/fine-tuning/pricing (read 2026-11-29)")
FINE_TUNE_PRICES: tuple[TokenPrice, ...] = tuple(
    TokenPrice("together", "fine-tuning", method, band, Decimal(price), Decimal("0"), D(2025, 11, 14), TOGETHER_FT_SRC)
    for method, band, price in (
        ("lora", 16, "0.48"), ("full", 16, "0.54"),
        ("lora", 69, "1.50"), ("full", 69, "1.65"),
        ("lora", 100, "2.90"), ("full", 100, "3.20"),
    )
)


def fine_tune_price(provider: str, method: str, params_b: float) -> TokenPrice | None:
    """The per-token price of a fine-tune of a ``params_b``-billion-parameter model, or None when the
    provider has no band for it. QLoRA is priced as LoRA (Together trains adapters either way)."""
    method = "lora" if method in ("lora", "qlora") else method
    bands = sorted((p for p in FINE_TUNE_PRICES if p.provider == provider and p.method == method),
                   key=lambda p: p.max_params_b)
    return next((p for p in bands if params_b <= p.max_params_b), None)


PRICES: tuple[ListPrice, ...] = tuple(_runpod() + _lambda() + _together() + _vast() + _modal() + _replicate())
# The newest reading in this list. A provider's polls carry its own newest date and name its oldest.
CATALOG_DATE: dt.date = max(p.as_of for p in PRICES)


def list_prices(provider: str) -> list[ListPrice]:
    return [p for p in PRICES if p.provider == provider]


def catalog_result(provider: str, *, availability: str = "unknown", rows: list[ListPrice] | None = None,
                   notes: Iterable[str] = ()) -> FetchResult:
    """The built-in list prices of one provider as a FetchResult (source "catalog").

    ``catalog_date`` is the newest reading among the rows; the note names the oldest one and the
    sources, so nobody mistakes a May figure for a November one."""
    rows = list_prices(provider) if rows is None else rows
    offers = [
        ProviderOffer(
            provider=provider, provider_sku=r.sku, gpu_slug=r.gpu_slug, gpu_count=r.gpu_count,
            gpu_memory_gb=GPUS_BY_SLUG[r.gpu_slug].memory_gb, usd_per_hour=r.usd_per_hour,
            availability=availability, interruptible=r.interruptible, tier=r.tier,
        )
        for r in rows
    ]
    dates = sorted({r.as_of for r in rows})
    sources = sorted({r.source for r in rows})
    all_notes = list(notes)
    if rows:
        all_notes.append(f"built-in list prices read {dates[0]}..{dates[-1]}; sources: {' | '.join(sources)}")
    return FetchResult(offers=offers, source="catalog", catalog_date=dates[-1] if dates else CATALOG_DATE,
                       notes=all_notes)
