from decimal import Decimal

import pytest

from pricing.history import history_rebuild, history_rollup_poll
from pricing.models import PriceHistoryPoint

from .helpers import offer, poll

pytestmark = pytest.mark.django_db


def test_it_writes_the_rollup_in_the_polls_transaction():
    run = poll("runpod", [offer("runpod", "h100-sxm", "2.00"), offer("runpod", "h100-sxm", "6.00", count=2),
                          offer("runpod", "h100-sxm", "5.00", availability="low", region="EU-RO-1")])
    row = PriceHistoryPoint.objects.get(poll=run, gpu_key="h100-sxm", region="", gpu_count=0)
    assert row.min_usd_per_gpu_hour == Decimal("2.0000")
    assert row.median_usd_per_gpu_hour == Decimal("3.0000")  # 2, 3, 5
    assert row.best_availability == "high"
    assert row.offer_count == 3
    eu = PriceHistoryPoint.objects.get(poll=run, gpu_key="h100-sxm", region="EU", gpu_count=0)
    assert (eu.min_usd_per_gpu_hour, eu.best_availability) == (Decimal("5.0000"), "low")
    two = PriceHistoryPoint.objects.get(poll=run, gpu_key="h100-sxm", region="", gpu_count=2)
    assert two.min_usd_per_gpu_hour == Decimal("3.0000")


def test_it_rolls_a_family_up_with_an_exact_median():
    run = poll("runpod", [offer("runpod", "h100-sxm", "3.00"), offer("runpod", "h100-pcie", "2.00"),
                          offer("runpod", "h100-nvl", "4.00"), offer("runpod", "h100-pcie", "2.50")])
    fam = PriceHistoryPoint.objects.get(poll=run, gpu_key="h100-nvl+h100-pcie+h100-sxm", region="", gpu_count=0)
    assert fam.min_usd_per_gpu_hour == Decimal("2.0000")
    assert fam.median_usd_per_gpu_hour == Decimal("2.7500")
    assert fam.offer_count == 4


def test_it_leaves_interruptible_offers_out():
    run = poll("vast", [offer("vast", "a100-80gb-sxm", "0.50", interruptible=True),
                        offer("vast", "a100-80gb-sxm", "1.20")])
    row = PriceHistoryPoint.objects.get(poll=run, gpu_key="a100-80gb-sxm", region="", gpu_count=0)
    assert row.min_usd_per_gpu_hour == Decimal("1.2000") and row.offer_count == 1


def test_it_is_idempotent_and_rebuilds_missing_polls():
    run = poll("runpod", [offer("runpod", "l4", "0.40")])
    n = PriceHistoryPoint.objects.filter(poll=run).count()
    assert history_rollup_poll(poll=run) == 0
    PriceHistoryPoint.objects.filter(poll=run).delete()
    assert history_rebuild() == (1, n)
    assert history_rebuild() == (0, 0)
    assert PriceHistoryPoint.objects.filter(poll=run).count() == n


def test_the_rebuild_command_backfills(capsys):
    from django.core.management import call_command

    run = poll("runpod", [offer("runpod", "l4", "0.40")])
    PriceHistoryPoint.objects.filter(poll=run).delete()
    call_command("rebuild_price_history")
    assert PriceHistoryPoint.objects.filter(poll=run).exists()
    assert "1 poll" in capsys.readouterr().out
