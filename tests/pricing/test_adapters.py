"""Each adapter against its provider's payload shape: prices, GPU mapping, regions, availability."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx

from pricing.providers import lambda_cloud, modal, replicate, runpod, together, vast
from pricing.providers.http import build_client
from pricing.providers.registry import PROVIDERS, uses_live_api

from .conftest import LIVE, SECRET, load

pytestmark = pytest.mark.django_db


def by_sku_region(result):
    return {(o.provider_sku, o.region): o for o in result.offers}


def _runpod_router(secure="catalog_gpus_secure.json", community="catalog_gpus_community.json"):
    seen = []

    def answer(request):
        seen.append(dict(request.url.params))
        name = secure if request.url.params["cloud"] == "SECURE" else community
        return httpx.Response(200, json=load("runpod", name))

    return answer, seen


def test_it_reads_runpod_secure_and_community_catalogs(live_env):
    conf = live_env("runpod")
    answer, seen = _runpod_router()
    with respx.mock(assert_all_called=True) as mock:
        mock.get(conf["url"] + "/catalog/gpus").mock(side_effect=answer)
        result = runpod.fetch(build_client("runpod"))
    # One request per cloud and per GPU count a type allows, each with the parameters the v2
    # catalog needs for availability (count=1 is the default and not sent).
    base = {"include": "AVAILABILITY", "product": "POD"}
    assert seen == [{**base, "cloud": "SECURE"}, *({**base, "cloud": "SECURE", "count": n} for n in ("2", "4", "8")),
                    {**base, "cloud": "COMMUNITY"}, *({**base, "cloud": "COMMUNITY", "count": n} for n in ("2", "4"))]
    offers = by_sku_region(result)
    h100 = offers[("NVIDIA H100 80GB HBM3/secure/1x", "US-KS-2")]
    assert (h100.gpu_slug, h100.gpu_count, h100.usd_per_hour, h100.availability, h100.tier) == (
        "h100-sxm", 1, Decimal("3.99"), "low", "secure")
    assert offers[("NVIDIA H100 80GB HBM3/secure/1x", "EU-RO-1")].availability == "medium"
    # Per-GPU price times the pod size, for the sizes the type allows.
    assert offers[("NVIDIA H100 80GB HBM3/secure/8x", "US-KS-2")].usd_per_hour == Decimal("31.92")
    # No dataCenters: one offer with the overall availability, NONE -> unavailable.
    a100 = offers[("NVIDIA A100-SXM4-80GB/secure/1x", "")]
    assert (a100.gpu_slug, a100.availability) == ("a100-80gb-sxm", "unavailable")
    # Community: maxCount 2 caps the sizes; unknown enum -> unknown; no datacenters -> region "".
    community_h100 = sorted(o.gpu_count for o in result.offers if o.provider_sku.startswith("NVIDIA H100 80GB HBM3/community"))
    assert community_h100 == [1, 2]
    assert offers[("NVIDIA H100 80GB HBM3/community/1x", "")].usd_per_hour == Decimal("2.69")
    assert offers[("NVIDIA H100 80GB HBM3/community/1x", "")].availability == "medium"
    assert offers[("NVIDIA GeForce RTX 4090/community/4x", "CA-MTL-1")].usd_per_hour == Decimal("1.36")
    assert not any(o.provider_sku.startswith("NVIDIA GeForce RTX 4090/community/8x") for o in result.offers)
    # MI300X is not on Community Cloud: its 0.0 placeholder price is not an offer (nor a bad row).
    assert not any("MI300X" in o.provider_sku and o.tier == "community" for o in result.offers)
    assert offers[("AMD Instinct MI300X OAM/secure/1x", "EU-RO-1")].gpu_slug == "mi300x"
    assert result.skipped == 0 and result.unknown_gpus == []
    assert result.source == "live"


def test_it_maps_runpod_unknown_availability_enums_to_unknown(live_env):
    conf = live_env("runpod")
    answer, _ = _runpod_router()
    with respx.mock() as mock:
        mock.get(conf["url"] + "/catalog/gpus").mock(side_effect=answer)
        result = runpod.fetch(build_client("runpod"))
    rtx = [o for o in result.offers if o.provider_sku.startswith("NVIDIA GeForce RTX 4090/community")]
    # The datacenter says HIGH even though the type's overall enum is new: per-DC wins.
    assert {o.availability for o in rtx} == {"high"}
    payload = {"gpus": [{**load("runpod", "catalog_gpus_secure.json")["gpus"][2], "availability": "SOMETHING_NEW"}]}
    with respx.mock() as mock:
        mock.get(conf["url"] + "/catalog/gpus").mock(return_value=httpx.Response(200, json=payload))
        result = runpod.fetch(build_client("runpod"))
    assert {o.availability for o in result.offers} == {"unknown"}


def test_it_skips_and_counts_bad_runpod_rows(live_env):
    conf = live_env("runpod")
    with respx.mock() as mock:
        mock.get(conf["url"] + "/catalog/gpus").mock(
            return_value=httpx.Response(200, json=load("runpod", "catalog_gpus_large.json")))
        result = runpod.fetch(build_client("runpod"))
    # Per cloud: A40 without a secure price / L4 with a negative community price, A6000 without any
    # price block. (The RTX PRO 6000 is in the GPU catalog now: Modal and RunPod sell it.)
    assert result.skipped == 4
    assert result.unknown_gpus == []
    slugs = {o.gpu_slug for o in result.offers}
    assert {"h100-sxm", "h100-pcie", "h100-nvl", "h200", "b200", "rtx-3090", "l4", "a40", "rtx-pro-6000"} <= slugs
    assert not any(o.provider_sku.startswith("NVIDIA GeForce RTX 3090/secure") for o in result.offers)


def test_it_reads_lambda_instance_types(live_env):
    conf = live_env("lambda")
    with respx.mock() as mock:
        route = mock.get(conf["url"] + "/instance-types").mock(
            return_value=httpx.Response(200, json=load("lambda", "instance_types.json")))
        result = lambda_cloud.fetch(build_client("lambda"))
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {SECRET}"
    offers = by_sku_region(result)
    h100 = offers[("gpu_1x_h100_sxm5", "us-east-1")]
    # Capacity in one region only: "low" (the four levels, from the number of regions).
    assert (h100.gpu_slug, h100.gpu_count, h100.gpu_memory_gb, h100.usd_per_hour, h100.availability) == (
        "h100-sxm", 1, 80, Decimal("4.29"), "low")
    # One offer per region with capacity; the price is for the whole 8-GPU instance.
    a100 = [o for o in result.offers if o.provider_sku == "gpu_8x_a100_80gb_sxm4"]
    assert sorted(o.region for o in a100) == ["us-south-1", "us-west-2"]
    assert {o.availability for o in a100} == {"medium"}  # two regions
    assert {(o.gpu_slug, o.gpu_count, o.usd_per_hour, o.usd_per_gpu_hour) for o in a100} == {
        ("a100-80gb-sxm", 8, Decimal("22.32"), Decimal("2.79"))}
    # Sold out stays visible: one offer, no region, unavailable.
    assert offers[("gpu_1x_a10", "")].availability == "unavailable"
    v100 = offers[("gpu_8x_v100", "")]
    assert (v100.gpu_slug, v100.gpu_count, v100.availability) == ("v100-16gb", 8, "unavailable")
    assert len(result.offers) == 5 and result.skipped == 0


def test_it_parses_lambda_descriptions_and_skips_cpu_types(live_env):
    conf = live_env("lambda")
    with respx.mock() as mock:
        mock.get(conf["url"] + "/instance-types").mock(
            return_value=httpx.Response(200, json=load("lambda", "instance_types_large.json")))
        result = lambda_cloud.fetch(build_client("lambda"))
    skus = {o.provider_sku: o for o in result.offers}
    assert skus["gpu_1x_a100_sxm4"].gpu_slug == "a100-40gb"  # 40 GB from the description, not the name
    assert (skus["gpu_10x_a6000"].gpu_count, skus["gpu_10x_a6000"].gpu_slug) == (10, "rtx-a6000")
    assert skus["gpu_1x_gh200"].gpu_slug == "gh200"
    assert "cpu_4x_general" not in skus
    # Missing, negative and zero price, plus the unknown RTX 6000 (CPU type not counted).
    assert result.skipped == 4
    assert result.unknown_gpus == ["1x RTX 6000 (24 GB)"]


def _together_router(seen=None):
    def answer(request):
        if seen is not None:
            seen.append(dict(request.url.params))
        name = "hardware_for_model.json" if "model" in request.url.params else "hardware.json"
        return httpx.Response(200, json=load("together", name))

    return answer


def test_it_reads_together_hardware(live_env, settings):
    conf = live_env("together")
    settings.TOGETHER_AVAILABILITY_MODELS = ["Qwen/Qwen3.5-9B-FP8"]
    seen = []
    with respx.mock() as mock:
        mock.get(conf["url"] + "/hardware").mock(side_effect=_together_router(seen))
        result = together.fetch(build_client("together"))
    # Prices from the plain list; availability only exists per model, so the model is asked too.
    assert seen == [{}, {"model": "Qwen/Qwen3.5-9B-FP8"}]
    offers = {o.provider_sku: o for o in result.offers}
    # cents per minute * 60 / 100 = USD per hour, for the whole configuration.
    assert offers["1x_nvidia_h100_80gb_sxm"].usd_per_hour == Decimal("5.40")
    two = offers["2x_nvidia_h100_80gb_sxm"]
    assert (two.gpu_count, two.usd_per_hour, two.usd_per_gpu_hour, two.availability) == (
        2, Decimal("10.80"), Decimal("5.40"), "low")
    assert (offers["1x_nvidia_h200_140gb_sxm"].gpu_slug, offers["1x_nvidia_h200_140gb_sxm"].availability) == (
        "h200", "unavailable")
    assert offers["1x_nvidia_a100_80gb_sxm"].usd_per_hour == Decimal("4.0020")
    assert offers["1x_nvidia_a100_80gb_sxm"].availability == "high"
    assert {o.region for o in result.offers} == {""}
    # Inference endpoints, not machines to train on.
    assert {o.kind for o in result.offers} == {"dedicated endpoint"}


def test_it_leaves_together_availability_unknown_without_a_model(live_env, settings):
    conf = live_env("together")
    settings.TOGETHER_AVAILABILITY_MODELS = []
    with respx.mock() as mock:
        route = mock.get(conf["url"] + "/hardware").mock(side_effect=_together_router())
        result = together.fetch(build_client("together"))
    assert len(route.calls) == 1
    assert {o.availability for o in result.offers} == {"unknown"}


def test_it_notes_a_model_together_cannot_serve_without_failing(live_env, settings):
    conf = live_env("together")
    settings.TOGETHER_AVAILABILITY_MODELS = ["nobody/no-model"]

    def answer(request):
        if "model" in request.url.params:
            return httpx.Response(400, json={"error": {"message": "No GPU configurations found for model nobody/no-model",
                                                       "type": "invalid_request_error", "param": "model", "code": None}})
        return httpx.Response(200, json=load("together", "hardware.json"))

    with respx.mock() as mock:
        mock.get(conf["url"] + "/hardware").mock(side_effect=answer)
        result = together.fetch(build_client("together"))
    assert result.offers and {o.availability for o in result.offers} == {"unknown"}
    assert any("nobody/no-model" in n and "No GPU configurations" in n for n in result.notes)


@respx.mock
def test_it_follows_togethers_redirect_from_the_old_host(monkeypatch):
    monkeypatch.setenv("TOGETHER_API_KEY", SECRET)
    monkeypatch.setenv("TOGETHER_API_URL", "https://api.together.xyz/v1")
    respx.get("https://api.together.xyz/v1/hardware").mock(return_value=httpx.Response(
        308, headers={"Location": "https://api.together.ai/v1/hardware"}))
    new = respx.get("https://api.together.ai/v1/hardware").mock(
        return_value=httpx.Response(200, json=load("together", "hardware.json")))
    client = build_client("together")
    payload = client.request_json("GET", "hardware")
    assert payload["object"] == "list" and client.request_count == 2
    assert new.calls.last.request.headers["Authorization"] == f"Bearer {SECRET}"


@respx.mock
def test_it_reports_a_redirect_to_another_host_clearly(monkeypatch):
    from pricing.providers.base import ProviderError

    monkeypatch.setenv("TOGETHER_API_KEY", SECRET)
    monkeypatch.setenv("TOGETHER_API_URL", "https://api.together.xyz/v1")
    respx.get("https://api.together.xyz/v1/hardware").mock(return_value=httpx.Response(
        302, headers={"Location": "https://parking.example.net/landing"}))
    with pytest.raises(ProviderError) as info:
        build_client("together").request_json("GET", "hardware")
    message = str(info.value)
    assert "redirected (HTTP 302)" in message and "parking.example.net" in message
    assert "malformed JSON" not in message and SECRET not in message


def test_it_treats_together_rows_without_availability_as_unknown(live_env):
    conf = live_env("together")
    with respx.mock() as mock:
        mock.get(conf["url"] + "/hardware").mock(
            return_value=httpx.Response(200, json=load("together", "hardware_large.json")))
        result = together.fetch(build_client("together"))
    assert {o.availability for o in result.offers} == {"unknown"}
    assert len(result.offers) == 16
    assert result.skipped == 3 and result.unknown_gpus == ["1x_nvidia_x900_300gb_sxm"]
    assert {o.gpu_slug for o in result.offers} == {"h100-sxm", "h200", "b200", "a100-80gb-sxm"}


def test_it_searches_vast_and_keeps_the_cheapest_offer_per_group(live_env):
    conf = live_env("vast")
    with respx.mock() as mock:
        route = mock.post(conf["url"] + "/bundles/").mock(
            return_value=httpx.Response(200, json=load("vast", "bundles.json")))
        result = vast.fetch(build_client("vast"))
    body = json.loads(route.calls.last.request.content)
    assert body["verified"] == {"eq": True} and body["rentable"] == {"eq": True}
    assert body["rented"] == {"eq": False} and body["external"] == {"eq": False}
    assert body["type"] == "on-demand" and body["order"] == [["dph_total", "asc"]]
    assert body["allocated_storage"] == 50.0 and body["limit"] >= 64
    # Paged by price: the second search starts at the dearest price seen and brings nothing new.
    assert len(route.calls) == 2
    assert body["dph_total"] == {"gte": 2.401}
    assert "dph_total" not in json.loads(route.calls[0].request.content)
    offers = {o.provider_sku: o for o in result.offers}
    h100 = offers["28512007"]
    # One rentable listing of the key: stock "low" (the four RunPod levels, from listings).
    assert (h100.gpu_slug, h100.gpu_count, h100.usd_per_hour, h100.region, h100.availability, h100.tier,
            h100.interruptible) == ("h100-sxm", 1, Decimal("2.4010"), "SE", "low", "on-demand", False)
    bid = offers["28512007:bid"]
    # The same machine's bid floor plus the same storage charge (search.diskHour).
    assert (bid.usd_per_hour, bid.interruptible, bid.tier) == (Decimal("1.3510"), True, "interruptible")
    rtx = offers["28455871"]
    assert (rtx.gpu_slug, rtx.gpu_count, rtx.region, rtx.usd_per_gpu_hour) == ("rtx-4090", 2, "US", Decimal("0.3504"))
    assert offers["28401234"].region == "CA"
    assert len(result.offers) == 6


def test_it_groups_a_large_vast_answer_and_tells_a100_sizes_apart(live_env):
    conf = live_env("vast")
    payload = load("vast", "bundles_large.json")
    with respx.mock() as mock:
        mock.post(conf["url"] + "/bundles/").mock(return_value=httpx.Response(200, json=payload))
        result = vast.fetch(build_client("vast"))
    on_demand = [o for o in result.offers if not o.interruptible]
    keys = [(o.gpu_slug, o.gpu_count, o.region) for o in on_demand]
    assert len(keys) == len(set(keys))  # one offer per (GPU, count, country)
    # Each kept offer is the cheapest listed verified rentable offer of its group.
    for o in on_demand:
        same = [r["dph_total"] for r in payload["offers"]
                if r["id"] and str(r["id"]) != o.provider_sku and r["num_gpus"] == o.gpu_count
                and r.get("verification") == "verified" and not r.get("rented") and isinstance(r["dph_total"], float)
                and r["dph_total"] > 0 and (r["geolocation"] or "").split(",")[-1].strip() == o.region
                and r["gpu_name"] == next(x["gpu_name"] for x in payload["offers"] if str(x["id"]) == o.provider_sku)
                and abs(r["gpu_ram"] - next(x["gpu_ram"] for x in payload["offers"] if str(x["id"]) == o.provider_sku)) < 1000]
        assert all(Decimal(str(p)) >= o.usd_per_hour for p in same)
    assert {"a100-40gb", "a100-80gb-sxm", "a100-80gb-pcie"} <= {o.gpu_slug for o in result.offers}
    # Unknown GPU, missing/negative/zero price, zero GPUs, no name; unverified and rented are
    # filtered, not counted.
    assert result.skipped == 6
    assert result.unknown_gpus == ["Super GPU X (16 GB)"]
    assert all(o.usd_per_hour > 0 for o in result.offers)


def test_it_confirms_replicate_skus_and_prices_them_from_the_table(live_env):
    conf = live_env("replicate")
    hardware = load("replicate", "hardware.json") + [{"name": "2x Nvidia H100 GPU", "sku": "gpu-2x-h100"},
                                                     {"name": "Nvidia A40 GPU", "sku": "gpu-a40-large"}]
    with respx.mock() as mock:
        mock.get(conf["url"] + "/hardware").mock(return_value=httpx.Response(200, json=hardware))
        result = replicate.fetch(build_client("replicate"))
    offers = {o.provider_sku: o for o in result.offers}
    assert set(offers) == {"gpu-t4", "gpu-l40s", "gpu-a100-large", "gpu-h100", "gpu-2x-h100"}
    assert offers["gpu-h100"].usd_per_hour == Decimal("5.49")  # 0.001525 $/s * 3600
    assert (offers["gpu-2x-h100"].usd_per_hour, offers["gpu-2x-h100"].gpu_count) == (Decimal("10.98"), 2)
    assert offers["gpu-a100-large"].gpu_slug == "a100-80gb-sxm"
    assert result.source == "catalog" and result.catalog_date is not None
    assert "SKUs confirmed by GET /hardware" in result.notes
    # Listed but not in our price table: recorded as an unpriced SKU, never silently dropped.
    assert result.unknown_gpus == ["gpu-a40-large"]
    assert [(d.reason, d.item) for d in result.dropped] == [("unpriced SKU", "gpu-a40-large")]
    assert any("CPU hardware" in n and "cpu" in n for n in result.notes)


def test_it_never_calls_an_api_for_modal(monkeypatch, settings):
    settings.PRICING_OFFLINE = False
    assert uses_live_api("modal") is False
    with respx.mock(assert_all_mocked=True):
        result = modal.fetch(None)
    offers = {o.provider_sku: o for o in result.offers}
    assert offers["H100"].usd_per_hour == Decimal("4.3936")  # (0.001097 GPU + CPU and memory) $/s * 3600
    assert offers["H100:8"].gpu_count == 8
    assert offers["A100-80GB"].gpu_slug == "a100-80gb-sxm"
    assert result.source == "catalog" and str(result.catalog_date) == "2026-06-27"
    assert any("no pricing API" in n for n in result.notes)


@pytest.mark.parametrize("slug", list(PROVIDERS))
def test_it_describes_every_adapter(slug):
    adapter = PROVIDERS[slug]
    assert adapter.SLUG == slug and adapter.NAME
    low, high = adapter.SETUP_MINUTES
    assert 0 <= low <= high
    assert adapter.BILLING_INCREMENT_SECONDS in (1, 60)
    assert adapter.SIGNUP_URL.startswith("https://") and adapter.DOCS_URL.startswith("https://")
    assert adapter.__doc__ and "http" in adapter.__doc__
    result = adapter.catalog_offers()
    assert result.source == "catalog" and result.catalog_date and result.offers
    assert all(o.usd_per_hour > 0 and o.provider == slug for o in result.offers)


def test_it_uses_the_live_api_only_with_a_key_or_url(monkeypatch, settings):
    settings.PRICING_OFFLINE = False
    assert uses_live_api("runpod") is False
    monkeypatch.setenv("RUNPOD_API_KEY", "k")
    assert uses_live_api("runpod") is True
    settings.PRICING_OFFLINE = True
    assert uses_live_api("runpod") is False
    assert list(PROVIDERS) == ["runpod", "lambda", "together", "vast", "modal", "replicate"]
    assert set(LIVE) == set(PROVIDERS) - {"modal"}
