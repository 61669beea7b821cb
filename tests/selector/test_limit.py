"""limit / offset / count on compare-costs and instances: the top N by the chosen sort, count of
every match, the summary over every match; without limit the answer is what it was."""

from __future__ import annotations

import pytest

from tests.selector.conftest import offer, seed_provider

pytestmark = pytest.mark.django_db
COMPARE = "/api/cloud/compare-costs"
INSTANCES = "/api/cloud/instances"


@pytest.fixture
def many(db):
    seed_provider("vast", [offer("vast", f"m{i:02d}", "rtx-4090", f"{0.30 + i / 100:.4f}", region="Texas, US",
                                 availability="low" if i == 0 else "high") for i in range(30)])
    seed_provider("runpod", [offer("runpod", "h100", "h100-sxm", "2.99", region="US-TX-3")])


def test_without_limit_every_option_comes_back_with_the_count(api, many):
    data = api.post(COMPARE, {"training_hours": 2}, format="json").json()
    assert len(data["options"]) == data["count"] == 31


def test_limit_returns_the_top_n_and_the_summary_stays_over_every_match(api, many):
    body = {"training_hours": 2, "local_gpu_type": "RTX 3090", "local_electricity_cost": 5}
    full = api.post(COMPARE, body, format="json").json()
    page = api.post(COMPARE, {**body, "limit": 5}, format="json").json()
    assert page["count"] == full["count"] == 32
    assert [o["id"] for o in page["options"]] == [o["id"] for o in full["options"][:5]]
    assert page["summary"] == full["summary"] and page["excluded"] == full["excluded"]
    # The dearest option is not on the page, but "fastest" may still name it: picks see every match.
    assert full["summary"]["savings_vs_local"] == page["summary"]["savings_vs_local"]


def test_offset_pages_through_in_the_chosen_order(api, many):
    body = {"training_hours": 2, "sort": "speed"}
    full = api.post(COMPARE, body, format="json").json()["options"]
    pages = [api.post(COMPARE, {**body, "limit": 10, "offset": o}, format="json").json()["options"]
             for o in (0, 10, 20, 30)]
    assert [o["id"] for p in pages for o in p] == [o["id"] for o in full]
    assert pages[-1] == [full[30]]


def test_instances_take_limit_and_offset_with_the_count_of_every_match(api, many):
    full = api.post(INSTANCES, {}, format="json").json()
    page = api.post(INSTANCES, {"limit": 3, "offset": 1}, format="json").json()
    assert full["count"] == page["count"] == 31 == len(full["instances"])
    assert page["instances"] == full["instances"][1:4]


@pytest.mark.parametrize("path", [COMPARE, INSTANCES])
@pytest.mark.parametrize("field,value", [("limit", 0), ("limit", 5001), ("limit", "5"), ("limit", 2.5),
                                         ("offset", -1), ("offset", True)])
def test_a_bad_limit_or_offset_is_a_400_naming_it(api, many, path, field, value):
    body = {"training_hours": 2, field: value}
    r = api.post(path, body, format="json")
    assert r.status_code == 400 and field in r.json()
