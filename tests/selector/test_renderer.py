"""The orjson renderer writes what DRF's JSONRenderer writes for our answers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from selector.api.renderers import ORJSONRenderer


@pytest.mark.parametrize("data", [
    {"a": 1, "b": [1.5, None, True], "c": "ünïcode", "d": {"e": "x"}},
    {"when": dt.datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=dt.UTC), "day": dt.date(2026, 12, 1),
     "money": Decimal("12.34"), 3: "int key"},
    [],
    {"huge": 10**30, "negative": -(10**25)},  # beyond orjson's 64 bits: DRF's renderer takes over
])
def test_it_renders_the_same_json_as_drf(data):
    ours = ORJSONRenderer().render(data)
    drf = JSONRenderer().render(data)
    assert json.loads(ours) == json.loads(drf)


def test_the_api_answers_with_it(client, db):
    r = client.get("/api/cloud/gpus", HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    assert r.json()["count"] > 10
    html = client.get("/api/cloud/gpus", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and b"<html" in html.content  # the browsable API stays
