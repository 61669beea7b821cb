import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from pricing.models import PollRun, PriceHistoryPoint

from .helpers import offer, poll

pytestmark = pytest.mark.django_db
URL = "/api/cloud/history"


def _three_polls():
    now = timezone.now()
    prices = [("2.40", "3.00", "medium"), ("2.10", "2.90", "low"), ("2.55", "2.60", "high")]
    runs = []
    for i, (low, other, avail) in enumerate(prices):
        runs.append(poll("runpod", [offer("runpod", "h100-sxm", low, availability=avail),
                                    offer("runpod", "h100-sxm", other, availability="unavailable"),
                                    offer("runpod", "h100-pcie", "1.90", availability="unknown")],
                         at=now - dt.timedelta(hours=3 - i)))
    poll("lambda", [offer("lambda", "h100-sxm", "2.99", region="us-east-1", availability="unknown")],
         at=now - dt.timedelta(hours=1))
    return runs


def test_it_returns_every_poll_exactly_as_polled(client):
    runs = _three_polls()
    r = client.get(URL, {"gpu_type": "H100 SXM", "provider": "runpod"})
    assert r.status_code == 200
    body = r.json()
    assert body["gpu_type"] == "H100 SXM" and body["days"] == 30
    assert [s["provider"] for s in body["series"]] == ["runpod"]
    pts = body["series"][0]["points"]
    assert [(p["min_usd_per_gpu_hour"], p["median_usd_per_gpu_hour"], p["availability"], p["offers"]) for p in pts] == [
        (2.4, 2.7, "medium", 2), (2.1, 2.5, "low", 2), (2.55, 2.575, "high", 2)]
    assert [p["t"] for p in pts] == [r.finished_at.isoformat() for r in runs]
    assert body["as_of"] == runs[-1].finished_at.isoformat()
    assert body["series"][0]["provider_name"] == "RunPod"
    assert body["notes"]


def test_a_family_covers_every_model_and_each_provider(client):
    _three_polls()
    body = client.get(URL, {"gpu_type": "H100"}).json()
    by = {s["provider"]: s for s in body["series"]}
    assert {g["slug"] for g in body["gpu_models"]} == {"h100-sxm", "h100-pcie", "h100-nvl"}
    assert [p["min_usd_per_gpu_hour"] for p in by["runpod"]["points"]] == [1.9, 1.9, 1.9]
    assert [p["median_usd_per_gpu_hour"] for p in by["runpod"]["points"]] == [2.4, 2.1, 2.55]
    assert [p["offers"] for p in by["lambda"]["points"]] == [1]
    assert by["together"]["points"] == []


def test_it_filters_by_region(client):
    poll("runpod", [offer("runpod", "a100-80gb-sxm", "1.50", region="EU-RO-1"),
                    offer("runpod", "a100-80gb-sxm", "1.20", region="US-KS-2")])
    eu = client.get(URL, {"gpu_type": "A100 80GB SXM", "provider": "runpod", "region": "eu"}).json()
    assert eu["region"] == "EU"
    assert eu["series"][0]["points"][0]["min_usd_per_gpu_hour"] == 1.5
    asia = client.get(URL, {"gpu_type": "A100 80GB SXM", "provider": "runpod", "region": "Asia"}).json()
    assert asia["series"][0]["points"] == []


def test_it_downsamples_to_at_most_500_points(client):
    poll("runpod", [offer("runpod", "l4", "0.50")])
    now = timezone.now()
    polls = PollRun.objects.bulk_create([
        PollRun(provider="runpod", started_at=now - dt.timedelta(minutes=10 * i), status="ok", source="live")
        for i in range(1, 1500)])
    PriceHistoryPoint.objects.bulk_create([
        PriceHistoryPoint(
            poll=p, provider="runpod", gpu_key="l4", region="", gpu_count=0, observed_at=p.started_at,
            min_usd_per_gpu_hour=Decimal("0.30") + i % 7, median_usd_per_gpu_hour=Decimal("0.60"),
            best_availability="low", offer_count=3)
        for i, p in enumerate(polls)])
    body = client.get(URL, {"gpu_type": "L4", "provider": "runpod", "days": 30}).json()
    s = body["series"][0]
    assert s["downsampled"] is True and s["poll_count"] == 1500
    assert 0 < len(s["points"]) <= 500
    assert min(p["min_usd_per_gpu_hour"] for p in s["points"]) == 0.3
    assert s["points"][-1]["availability"] == "high"  # the newest bucket holds the real poll
    ts = [p["t"] for p in s["points"]]
    assert ts == sorted(ts)


@pytest.mark.parametrize("params,field,words", [
    ({"gpu_type": "H1000"}, "gpu_type", "H100 SXM"),
    ({}, "gpu_type", "required"),
    ({"gpu_type": "H100", "provider": "aws"}, "provider", "runpod"),
    ({"gpu_type": "H100", "days": "0"}, "days", "between 1 and 365"),
    ({"gpu_type": "H100", "days": "366"}, "days", "between 1 and 365"),
    ({"gpu_type": "H100", "days": "a week"}, "days", "whole number"),
    ({"gpu_type": "H100", "region": "Mars"}, "region", "US, EU, Asia"),
])
def test_bad_parameters_get_a_400_naming_them(client, params, field, words):
    r = client.get(URL, params)
    assert r.status_code == 400
    body = r.json()
    assert field in body
    assert words in " ".join(body[field])


def test_it_reads_the_history_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    _three_polls()
    with django_assert_max_num_queries(3):
        assert client.get(URL, {"gpu_type": "H100"}).status_code == 200


def test_it_keeps_to_the_days_asked(client):
    now = timezone.now()
    poll("runpod", [offer("runpod", "l4", "0.50")], at=now - dt.timedelta(days=10))
    poll("runpod", [offer("runpod", "l4", "0.45")], at=now - dt.timedelta(days=2))
    pts = client.get(URL, {"gpu_type": "L4", "provider": "runpod", "days": 7}).json()["series"][0]["points"]
    assert [p["min_usd_per_gpu_hour"] for p in pts] == [0.45]
    pts = client.get(URL, {"gpu_type": "L4", "provider": "runpod", "days": 365}).json()["series"][0]["points"]
    assert [p["min_usd_per_gpu_hour"] for p in pts] == [0.5, 0.45]
