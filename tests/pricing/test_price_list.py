"""The dated built-in list prices."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from pricing.gpus import GPUS_BY_SLUG
from pricing.providers.price_list import CATALOG_DATE, PRICES, catalog_result, list_prices
from pricing.providers.registry import PROVIDERS


def test_it_has_sane_dated_sourced_rows():
    for row in PRICES:
        assert row.gpu_slug in GPUS_BY_SLUG, row
        assert isinstance(row.usd_per_hour, Decimal) and row.usd_per_hour > 0, row
        assert row.usd_per_hour == row.usd_per_hour.quantize(Decimal("0.0001"))
        assert row.as_of <= CATALOG_DATE and row.source, row
        assert row.gpu_count >= 1
    per_provider = Counter((r.provider, r.sku) for r in PRICES)
    assert max(per_provider.values()) == 1  # one row per provider SKU


@pytest.mark.parametrize("slug", list(PROVIDERS))
def test_it_lists_prices_for_every_provider(slug):
    assert list_prices(slug)


@pytest.mark.parametrize(("provider", "sku", "usd"), [
    ("runpod", "NVIDIA H100 80GB HBM3/secure/1x", "3.99"),
    ("runpod", "NVIDIA H100 80GB HBM3/community/8x", "21.52"),
    ("lambda", "gpu_8x_a100_80gb_sxm4", "22.32"),  # $2.79/GPU x 8, matches the API's 2232 cents
    ("lambda", "gpu_8x_h100_sxm5", "31.92"),
    ("together", "1x_nvidia_h100_80gb_sxm", "5.40"),
    # (0.000694 GPU + 4 x 0.0000131 CPU + 32 x 0.00000222 memory) $/s x 3600
    ("modal", "A100-80GB", "2.9428"),
    ("modal", "B200:8", "53.5519"),
    ("replicate", "gpu-a100-large", "5.04"),
    ("replicate", "gpu-4x-l40s", "14.04"),  # the count comes first, as Replicate spells it
])
def test_it_converts_list_prices_to_usd_per_hour(provider, sku, usd):
    row = next(r for r in list_prices(provider) if r.sku == sku)
    assert row.usd_per_hour == Decimal(usd)


def test_it_dates_a_catalog_result_and_names_its_oldest_figure():
    result = catalog_result("runpod", availability="high")
    assert result.source == "catalog" and str(result.catalog_date) == "2026-11-09"
    assert "2026-03-10..2026-11-09" in result.notes[-1]
    assert {o.availability for o in result.offers} == {"high"}


def test_modal_lists_every_gpu_it_sells_with_the_cpu_and_memory_a_gpu_function_needs():
    from pricing.providers.price_list import MODAL_URL, modal_host_usd_per_gpu_second

    rows = {r.sku: r for r in list_prices("modal")}
    for sku in ("B200", "H200", "H100", "RTX-PRO-6000", "A100-80GB", "A100-40GB", "L40S", "A10", "L4", "T4"):
        assert sku in rows and MODAL_URL in rows[sku].source and rows[sku].as_of
    assert "A10:8" not in rows and "A10:4" in rows  # Modal allows up to 4 A10s per function
    host = modal_host_usd_per_gpu_second()
    assert rows["H100"].usd_per_hour == ((Decimal("0.001097") + host) * 3600).quantize(Decimal("0.0001"))


def test_together_fine_tuning_is_priced_per_token_by_model_size_band():
    from pricing.providers.price_list import fine_tune_price

    assert fine_tune_price("together", "lora", 7).usd_per_million_tokens == Decimal("0.48")
    assert fine_tune_price("together", "qlora", 7).method == "lora"
    assert fine_tune_price("together", "full", 70).usd_per_million_tokens == Decimal("3.20")
    assert fine_tune_price("together", "lora", 30).band == "16.1B-69B"
    assert fine_tune_price("together", "lora", 405) is None
    p = fine_tune_price("together", "full", 8)
    assert p.as_of and "together.ai/pricing" in p.source and p.minimum_charge_usd == 0
