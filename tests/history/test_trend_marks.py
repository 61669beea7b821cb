import datetime as dt

import pytest
from django.utils import timezone

from pricing.history import trend_marks

from .helpers import offer, poll

pytestmark = pytest.mark.django_db


def _series(provider, slug, prices_by_days_ago, count=1):
    now = timezone.now()
    for days_ago, price in prices_by_days_ago:
        poll(provider, [offer(provider, slug, price, count=count)], at=now - dt.timedelta(days=days_ago))


def test_it_says_up_or_down_this_week():
    _series("runpod", "h100-sxm", [(8, "2.00"), (7.5, "2.50"), (1, "2.80"), (0, "2.80")])
    _series("lambda", "a100-80gb-sxm", [(7.2, "2.00"), (0, "1.84")])
    marks = trend_marks([("runpod", "h100-sxm", 1), ("lambda", "a100-80gb-sxm", 1)])
    assert marks == {("runpod", "h100-sxm", 1): "up 12% this week",
                     ("lambda", "a100-80gb-sxm", 1): "down 8% this week"}


def test_it_says_lowest_in_30_days_only_with_a_months_history():
    _series("runpod", "l4", [(29.5, "0.60"), (10, "0.50"), (0, "0.40")])
    _series("lambda", "l4", [(5, "0.60"), (0, "0.40")])
    marks = trend_marks([("runpod", "l4", 1), ("lambda", "l4", 1)])
    assert marks[("runpod", "l4", 1)] == "lowest in 30 days"
    assert ("lambda", "l4", 1) not in marks


def test_it_says_nothing_about_flat_prices_or_unknown_keys():
    _series("runpod", "l4", [(29.5, "0.60"), (8, "0.60"), (0, "0.60")])
    assert trend_marks([("runpod", "l4", 1), ("vast", "l4", 1), ("runpod", "l4", 8)]) == {}
    assert trend_marks([]) == {}


def test_it_keeps_gpu_counts_apart():
    now = timezone.now()
    poll("runpod", [offer("runpod", "h100-sxm", "2.00"), offer("runpod", "h100-sxm", "16.00", count=8)],
         at=now - dt.timedelta(days=7.5))
    poll("runpod", [offer("runpod", "h100-sxm", "2.00"), offer("runpod", "h100-sxm", "20.00", count=8)])
    assert trend_marks([("runpod", "h100-sxm", 1), ("runpod", "h100-sxm", 8)]) == {
        ("runpod", "h100-sxm", 8): "up 25% this week"}


def test_it_costs_a_fixed_number_of_queries(django_assert_num_queries):
    _series("runpod", "h100-sxm", [(8, "2.00"), (0, "2.50")])
    _series("runpod", "l4", [(8, "0.50"), (0, "0.40")])
    keys = [(p, s, c) for p in ("runpod", "lambda", "vast") for s in ("h100-sxm", "l4", "a10") for c in (1, 2, 8)]
    with django_assert_num_queries(5):
        marks = trend_marks(keys)
    assert marks[("runpod", "l4", 1)] == "down 20% this week"
