"""Selector options carry the price-history trend mark of their provider, GPU and count."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.history.helpers import offer, poll

pytestmark = pytest.mark.django_db


def test_it_marks_an_option_whose_price_dropped_this_week():
    now = timezone.now()
    poll("runpod", [offer("runpod", "h100-sxm", "3.00")], at=now - dt.timedelta(days=8))
    poll("runpod", [offer("runpod", "h100-sxm", "2.70")])
    poll("lambda", [offer("lambda", "a10", "0.75")])

    resp = APIClient().post("/api/cloud/compare-costs", {"training_hours": 10}, format="json")

    assert resp.status_code == 200
    by_gpu = {o["gpu_slug"]: o for o in resp.json()["options"]}
    assert by_gpu["h100-sxm"]["trend"] == "down 10% this week"
    assert by_gpu["a10"]["trend"] is None  # one poll: nothing to say yet
    assert resp.json()["summary"]["cheapest"]["trend"] is None


def test_local_and_interruptible_options_have_no_trend():
    poll("vast", [offer("vast", "rtx-4090", "0.20", interruptible=True, sku="bid")])
    resp = APIClient().post("/api/cloud/compare-costs",
                            {"training_hours": 2, "local_gpu_type": "RTX 4090"}, format="json")
    assert resp.status_code == 200
    assert all(o["trend"] is None for o in resp.json()["options"])
