"""POST /api/cloud/instances."""

from __future__ import annotations

URL = "/api/cloud/instances"


def test_it_answers_the_seed_example(seeded, api):
    r = api.post(URL, data='{"gpu_type": "A100 80GB", "min_memory_gb": 40}', content_type="application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["count"] == len(data["instances"]) == 3
    # "A100 80GB" means both A100 80GB variants
    assert {i["gpu_type"] for i in data["instances"]} == {"A100 80GB SXM", "A100 80GB PCIe"}
    fields = {"id", "provider", "provider_name", "gpu_type", "gpu_count", "gpu_memory_gb", "hourly_rate",
              "price_per_gpu_hour", "availability", "region", "interruptible", "source", "as_of", "stale",
              "provider_sku"}
    for inst in data["instances"]:
        assert fields <= set(inst)
    rates = [i["hourly_rate"] for i in data["instances"]]
    assert rates == sorted(rates)
    assert {p["provider"] for p in data["prices"]} >= {"runpod", "lambda", "together", "vast"}


def test_h100_means_every_h100_and_gpu_count_any_by_default(seeded, api):
    data = api.post(URL, {"gpu_type": "H100"}, format="json").json()
    assert {i["gpu_count"] for i in data["instances"]} == {1, 8}
    eight = next(i for i in data["instances"] if i["gpu_count"] == 8)
    assert eight["price_per_gpu_hour"] == 2.99 and eight["hourly_rate"] == 23.92
    data = api.post(URL, {"gpu_type": "H100", "gpu_count": 1}, format="json").json()
    assert {i["gpu_count"] for i in data["instances"]} == {1}


def test_filters_provider_region_continent_and_availability(seeded, api):
    data = api.post(URL, {"provider": "lambda"}, format="json").json()
    assert {i["provider"] for i in data["instances"]} == {"lambda"} and data["count"] == 3
    data = api.post(URL, {"provider": "lambda", "available_only": True}, format="json").json()
    assert data["count"] == 2 and all(i["availability"] != "unavailable" for i in data["instances"])
    data = api.post(URL, {"region": "SE"}, format="json").json()
    assert {i["region"] for i in data["instances"] if not i["any_region"]} == {"SE"}
    data = api.post(URL, {"continent": "US"}, format="json").json()
    assert data["count"] and all(i["continent"] == "US" for i in data["instances"] if not i["any_region"])


def test_an_empty_body_lists_everything(seeded, api):
    data = api.post(URL, {}, format="json").json()
    assert data["count"] == sum(len(v) for v in seeded.values()) + 2
    assert any(i["interruptible"] for i in data["instances"])
