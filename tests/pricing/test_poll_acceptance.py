"""Issue 11's acceptance, against fake servers that answer as the providers do (tests/pricing/fake_providers.py):

- an 8-GPU RunPod offer carries the stock RunPod reports for 8 GPUs;
- a Vast marketplace of several thousand listings yields an offer for every listed GPU/count/country;
- Replicate polled with REPLICATE_API_TOKEN lists its multi-GPU SKUs;
- a poll whose prices all jump 100x, or that comes back empty, does not change the current prices:
  they stay, marked stale, with the reason shown (API and /compare/).
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command

from pricing import services
from pricing.models import Offer, PollRun, ProviderState
from pricing.providers import http as provider_http
from pricing.providers import runpod, vast
from pricing.selectors import offers_latest, provider_freshness

from .conftest import SECRET
from .fake_providers import REPLICATE_HARDWARE, RUNPOD_STOCK, FakeRunPod, FakeVast, vast_marketplace

pytestmark = pytest.mark.django_db


class FakeClock:
    """time.monotonic and sleep for the Vast server and client: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(provider_http, "sleep", fake.sleep)
    monkeypatch.setattr(provider_http, "clock", fake)
    return fake


def _live(monkeypatch, slug: str, url: str, key_env: str) -> None:
    monkeypatch.setenv(key_env, SECRET)
    monkeypatch.setenv(f"{slug.upper()}_API_URL", url)


# --- RunPod: stock per GPU count -------------------------------------------------------------------

def test_an_8_gpu_runpod_offer_carries_the_8_gpu_stock(monkeypatch, clock):
    _live(monkeypatch, "runpod", "http://runpod.test/v2", "RUNPOD_API_KEY")
    server = FakeRunPod()
    run = services.poll_provider("runpod", transport=httpx.MockTransport(server))
    assert run.status == PollRun.Status.OK, run.error
    # One call per cloud and per published count: secure 1,2,4,8 and community 1,2,4,8.
    assert run.request_count == 8 == len(server.calls)
    assert {c.get("count", "1") for c in server.calls} == {"1", "2", "4", "8"}
    assert run.complete is True
    offers = offers_latest(providers=["runpod"])
    h100 = {(o.gpu_count, o.region): o.availability for o in offers
            if o.provider_sku.startswith("NVIDIA H100 80GB HBM3/secure")}
    # 1 GPU: every datacenter with a free H100 (US-KS-2 has 6 free: HIGH for one, US-TX-3 3: MEDIUM).
    assert h100[(1, "US-KS-2")] == "high" and h100[(1, "US-TX-3")] == "medium"
    # 8 GPUs: only EU-RO-1 has 8 free, and that is what the 8-GPU offer says; US-KS-2 has no 8-GPU pod.
    eight = {region: a for (count, region), a in h100.items() if count == 8}
    assert eight == {"EU-RO-1": "high"}
    assert RUNPOD_STOCK[("NVIDIA H100 80GB HBM3", "SECURE")]["US-KS-2"] < 8
    # 4 GPUs: US-KS-2 (6 free) is LOW for four, not the HIGH it is for one.
    assert h100[(4, "US-KS-2")] == "low"
    # A type out of stock everywhere for 2 GPUs is listed once, unavailable (the catalog says NONE).
    a100_community = {(o.gpu_count, o.region): o.availability for o in offers
                      if o.provider_sku.startswith("NVIDIA A100-SXM4-80GB/community")}
    assert a100_community[(2, "EU-SE-1")] == "low" and a100_community[(4, "")] == "unavailable"


def test_runpod_waits_for_its_rate_limit_window_and_records_the_calls(monkeypatch, clock):
    _live(monkeypatch, "runpod", "http://runpod.test/v2", "RUNPOD_API_KEY")
    server = FakeRunPod(quota=4, reset_s=5)

    def answer(request):
        response = server(request)
        if server.remaining <= 2:
            server.remaining = 60  # the window resets (after the client waited for it)
        return response

    run = services.poll_provider("runpod", transport=httpx.MockTransport(answer))
    assert run.status == PollRun.Status.OK and run.complete
    assert 5.0 in clock.slept  # waited for the window's reset instead of running into a 429
    assert run.request_count == 8


def test_runpod_stops_asking_when_the_window_is_spent_and_says_so(monkeypatch, clock):
    _live(monkeypatch, "runpod", "http://runpod.test/v2", "RUNPOD_API_KEY")
    server = FakeRunPod(quota=3, reset_s=600)
    run = services.poll_provider("runpod", transport=httpx.MockTransport(server))
    # The count=1 calls worked; larger counts were not asked: the poll says it is incomplete and
    # those offers keep their price with an unknown stock level.
    assert run.status == PollRun.Status.OK, run.error
    assert run.complete is False and "rate-limit window is spent" in run.coverage_note
    eight = [o for o in offers_latest(providers=["runpod"]) if o.gpu_count == 8]
    assert eight and {o.availability for o in eight} == {"unknown"}
    assert sum(1 for c in server.calls) <= 4


def test_runpod_reads_the_ietf_ratelimit_header():
    assert runpod.parse_rate_limit('"minute";r=58;t=42, "hour";r=2990;t=3000, "day";r=49000;t=80000') == {
        "minute": (58.0, 42.0), "hour": (2990.0, 3000.0), "day": (49000.0, 80000.0)}
    assert runpod.parse_rate_limit(None) == {} and runpod.parse_rate_limit("garbage") == {}


# --- Vast: the whole marketplace ------------------------------------------------------------------

def test_a_busy_vast_marketplace_yields_an_offer_for_every_listed_gpu_count_and_country(monkeypatch, clock):
    _live(monkeypatch, "vast", "http://vast.test/api/v0", "VAST_API_KEY")
    listings = vast_marketplace(4000)
    server = FakeVast(listings, cap=1000, per_minute=10, clock=clock)
    run = services.poll_provider("vast", transport=httpx.MockTransport(server))
    assert run.status == PollRun.Status.OK, run.error
    assert run.complete is True, run.coverage_note
    assert server.rejected == 0  # paced inside 10 searches a minute: never a 429
    assert len(server.calls) >= 5 and run.request_count == len(server.calls)
    assert clock.slept and all(s == 6.0 for s in clock.slept)  # 6 s between searches, on the fake clock

    offers = offers_latest(providers=["vast"])
    on_demand = {(o.gpu.slug, o.gpu_count, o.region): o for o in offers if not o.interruptible}
    from pricing.gpus import resolve_gpu

    listed = {}
    for row in listings:
        gpu = resolve_gpu(row["gpu_name"], row["gpu_ram"] / 1024)
        key = (gpu.slug, row["num_gpus"], row["geolocation"].split(",")[-1].strip())
        listed.setdefault(key, []).append(row)
    assert set(on_demand) == set(listed)  # every listed (GPU model, count, country), the dear ones too
    assert ("b200", 8, "JP") in on_demand and ("h200", 8, "SE") in on_demand
    for key, rows in listed.items():
        cheapest = min(rows, key=lambda r: r["dph_total"])
        offer = on_demand[key]
        # The cheapest listing, storage included in the hourly price.
        assert offer.usd_per_hour == Decimal(str(cheapest["dph_total"])).quantize(Decimal("0.0001"))
        assert offer.provider_sku == str(cheapest["id"])
        # The interruptible row is that same machine's bid floor, plus the same storage charge.
        bid = next(o for o in offers if o.provider_sku == f"{cheapest['id']}:bid")
        expected = (Decimal(str(cheapest["min_bid"])) + Decimal(str(cheapest["search"]["diskHour"])))
        assert bid.usd_per_hour == expected.quantize(Decimal("0.0001"))
        # Stock level from the number of listings of the key.
        assert offer.availability == vast.stock_level(len(rows))


def test_vast_waits_a_whole_window_after_its_plain_text_429(monkeypatch, clock):
    _live(monkeypatch, "vast", "http://vast.test/api/v0", "VAST_API_KEY")
    server = FakeVast(vast_marketplace(300), cap=1000, per_minute=1, clock=clock)
    run = services.poll_provider("vast", transport=httpx.MockTransport(server))
    # 1 search a minute: the second search gets 429s; the client waits a 6 s window each time
    # (no hammering), gives up after its attempts, and keeps the first page, saying it is incomplete.
    assert server.rejected == provider_http.MAX_ATTEMPTS
    assert clock.slept and all(s >= 6.0 for s in clock.slept)
    assert run.status == PollRun.Status.OK and run.complete is False
    assert "rate limited" in run.coverage_note


def test_a_vast_poll_that_could_not_see_everything_says_so(monkeypatch, clock):
    _live(monkeypatch, "vast", "http://vast.test/api/v0", "VAST_API_KEY")
    monkeypatch.setattr(vast, "MAX_SEARCHES", 2)
    server = FakeVast(vast_marketplace(4000), cap=500, per_minute=10, clock=clock)
    run = services.poll_provider("vast", transport=httpx.MockTransport(server))
    assert run.status == PollRun.Status.OK
    assert run.complete is False and "dearer listings may not have been seen" in run.coverage_note
    from django.test import Client

    body = Client().get("/api/cloud/providers").json()
    row = next(p for p in body["providers"] if p["provider"] == "vast")
    assert row["last_poll"]["complete"] is False and row["last_poll"]["coverage_note"]
    assert row["last_poll"]["request_count"] == 2


# --- Replicate: REPLICATE_API_TOKEN and every SKU --------------------------------------------------

def test_replicate_polled_with_replicate_api_token_lists_its_multi_gpu_skus(monkeypatch):
    monkeypatch.delenv("REPLICATE_API_KEY", raising=False)
    monkeypatch.setenv("REPLICATE_API_TOKEN", SECRET)
    seen = []

    def answer(request):
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json=REPLICATE_HARDWARE)

    from pricing.providers.registry import uses_live_api

    assert uses_live_api("replicate")
    run = services.poll_provider("replicate", transport=httpx.MockTransport(answer))
    assert run.status == PollRun.Status.OK, run.error
    assert seen == [f"Bearer {SECRET}"]
    offers = {o.provider_sku: o for o in offers_latest(providers=["replicate"])}
    for sku, count in (("gpu-2x-l40s", 2), ("gpu-4x-l40s", 4), ("gpu-8x-l40s", 8), ("gpu-2x-a100-large", 2),
                       ("gpu-2x-h100", 2), ("gpu-8x-h100", 8)):
        assert offers[sku].gpu_count == count
    assert offers["gpu-8x-l40s"].usd_per_hour == offers["gpu-l40s"].usd_per_hour * 8
    # SKUs without a price are on the poll record, never silently dropped.
    dropped = {d["item"]: d["reason"] for d in run.dropped}
    assert dropped == {"gpu-a40-large": "unpriced SKU", "gpu-z9000": "unpriced SKU"}
    from django.test import Client

    row = next(p for p in Client().get("/api/cloud/providers").json()["providers"] if p["provider"] == "replicate")
    assert row["last_poll"]["dropped_by_reason"] == {"unpriced SKU": 2}
    assert {d["item"] for d in row["last_poll"]["dropped"]} == {"gpu-a40-large", "gpu-z9000"}


def test_replicate_api_key_still_works(monkeypatch):
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    monkeypatch.setenv("REPLICATE_API_KEY", SECRET)
    run = services.poll_provider("replicate", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json=REPLICATE_HARDWARE)))
    assert run.status == PollRun.Status.OK and run.source == "catalog" and run.offer_count > 10


# --- Checks before a poll counts -----------------------------------------------------------------

def _lambda_payload(scale: float = 1.0, drop: tuple[str, ...] = ()) -> dict:
    from .conftest import load

    payload = load("lambda", "instance_types.json")
    data = {}
    for name, item in payload["data"].items():
        if name in drop:
            continue
        it = json.loads(json.dumps(item))
        it["instance_type"]["price_cents_per_hour"] = round(it["instance_type"]["price_cents_per_hour"] * scale)
        data[name] = it
    return {"data": data}


def _poll_lambda(monkeypatch, payload) -> PollRun:
    _live(monkeypatch, "lambda", "http://lambda.test/api/v1", "LAMBDA_API_KEY")
    return services.poll_provider("lambda", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json=payload)))


@pytest.mark.parametrize("case", ["prices x100", "empty"])
def test_a_suspect_poll_does_not_change_current_prices_which_stay_stale_with_the_reason(monkeypatch, case, client):
    good = _poll_lambda(monkeypatch, _lambda_payload())
    assert good.status == PollRun.Status.OK
    before = sorted((o.provider_sku, o.region, o.usd_per_hour) for o in offers_latest(providers=["lambda"]))

    bad = _poll_lambda(monkeypatch, _lambda_payload(100) if case == "prices x100" else {"data": {}})
    assert bad.status == PollRun.Status.SUSPECT
    reason = bad.suspect_reason
    assert ("outside the plausible band" in reason and "median" in reason) if case == "prices x100" else (
        "had 5 offers and this one has none" in reason)
    # Current prices unchanged, served stale with the reason.
    assert ProviderState.objects.get(provider="lambda").current_poll_id == good.pk
    after = sorted((o.provider_sku, o.region, o.usd_per_hour) for o in offers_latest(providers=["lambda"]))
    assert after == before
    fresh = provider_freshness()["lambda"]
    assert (fresh.status, fresh.stale) == ("suspect", True) and reason in fresh.stale_reason

    api = client.get("/api/cloud/providers").json()
    row = next(p for p in api["providers"] if p["provider"] == "lambda")
    assert row["stale"] is True and row["status"] == "suspect" and reason in row["stale_reason"]
    assert row["last_poll"]["suspect_reason"] == reason
    if case == "prices x100":
        assert row["last_poll"]["dropped_by_reason"].get("failed check") == 5
    compare = client.post("/api/cloud/compare-costs", {"training_hours": 10}, content_type="application/json")
    assert compare.status_code == 200
    prices = {p["provider"]: p for p in compare.json()["prices"]}
    assert prices["lambda"]["stale"] is True and reason in prices["lambda"]["stale_reason"]
    page = client.get("/compare/", {"training_hours": 10})
    assert page.status_code == 200
    html = page.content.decode()
    assert "held back" in html and reason.split(" (")[0][:40] in html

    # An operator who checked it accepts it: then it is current.
    if case == "prices x100":
        call_command("refresh_prices", "--accept-suspect", "--provider", "lambda")
        assert ProviderState.objects.get(provider="lambda").current_poll_id == bad.pk
        bad.refresh_from_db()
        assert bad.status == PollRun.Status.OK and bad.accepted_at is not None
        assert provider_freshness()["lambda"].status == "ok"


def test_a_provider_that_lost_most_gpu_types_is_suspect(monkeypatch):
    _poll_lambda(monkeypatch, _lambda_payload())
    bad = _poll_lambda(monkeypatch, _lambda_payload(drop=("gpu_1x_h100_sxm5", "gpu_8x_a100_80gb_sxm4", "gpu_8x_v100")))
    assert bad.status == PollRun.Status.SUSPECT and "GPU types of the last good poll are gone" in bad.suspect_reason


def test_a_median_moving_more_than_5x_is_suspect_even_inside_the_bands(monkeypatch):
    _poll_lambda(monkeypatch, _lambda_payload())
    bad = _poll_lambda(monkeypatch, _lambda_payload(0.15))
    assert bad.status == PollRun.Status.SUSPECT and "median price per GPU-hour moved" in bad.suspect_reason
    ok = _poll_lambda(monkeypatch, _lambda_payload(1.3))  # a 30% rise is a market move
    assert ok.status == PollRun.Status.OK


def test_the_admin_accepts_a_suspect_poll(monkeypatch, admin_client):
    _poll_lambda(monkeypatch, _lambda_payload())
    bad = _poll_lambda(monkeypatch, _lambda_payload(100))
    response = admin_client.post("/admin/pricing/pollrun/", {"action": "accept_suspect", "_selected_action": [bad.pk]})
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.status == PollRun.Status.OK and bad.accepted_by == "admin"
    assert ProviderState.objects.get(provider="lambda").current_poll_id == bad.pk
    # Accepted: what the provider said is served, even the prices the checks found implausible.
    assert Offer.objects.filter(poll=bad).count() == 5
    assert {o.poll_id for o in offers_latest(providers=["lambda"])} == {bad.pk}
    detail = admin_client.get(f"/admin/pricing/pollrun/{bad.pk}/change/")
    assert detail.status_code == 200 and b"failed check" in detail.content
