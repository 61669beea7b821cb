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
    ("modal", "A100-80GB", "2.4984"),  # 0.000694 $/s x 3600
    ("replicate", "gpu-a100-large", "5.04"),
    ("replicate", "gpu-l40s-4x", "14.04"),
])
def test_it_converts_list_prices_to_usd_per_hour(provider, sku, usd):
    row = next(r for r in list_prices(provider) if r.sku == sku)
    assert row.usd_per_hour == Decimal(usd)


def test_it_dates_a_catalog_result_and_names_its_oldest_figure():
    result = catalog_result("runpod", availability="high")
    assert result.source == "catalog" and str(result.catalog_date) == "2026-11-09"
    assert "2026-03-10..2026-11-09" in result.notes[-1]
    assert {o.availability for o in result.offers} == {"high"}
