"""The error table: every live adapter against every way its provider can go wrong.

Each failing case must leave a failed PollRun with a useful message (never the key), keep the
last good prices as the served ones, and mark them stale with the error."""

from __future__ import annotations

import copy
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest
import respx

from pricing.models import PollRun, ProviderState
from pricing.providers import http as provider_http
from pricing.providers.http import public_cause
from pricing.selectors import offers_latest, provider_freshness
from pricing.services import poll_provider

from .conftest import LIVE, SECRET, good_payload, load

pytestmark = pytest.mark.django_db

PROVIDERS = list(LIVE)

WRONG_SHAPE = {
    "runpod": ([], "expected a JSON object"),
    "lambda": ({"data": [1, 2]}, "'data' should be a dict"),
    "together": ({"object": "list"}, "no 'data' field"),
    "vast": ({"offer": []}, "no 'offers' field"),
    "replicate": ({"data": []}, "expected a JSON array"),
}
EMPTY = {
    "runpod": {"gpus": []},
    "lambda": {"data": {}},
    "together": {"object": "list", "data": []},
    "vast": {"offers": []},
    "replicate": [],
}
ERROR_BODIES = {
    "runpod": load("runpod", "error_401.json"),
    "lambda": load("lambda", "error_401.json"),
    "together": load("together", "error_401.json"),
    "vast": {"error": "auth_error", "msg": "Invalid user key"},
    "replicate": load("replicate", "error_401.json"),
}


def _bad_rows(provider: str) -> tuple[object, int, list[str]]:
    """A payload with one good row and bad ones: negative, zero and missing price, unknown GPU.
    Returns (payload, expected skipped, expected unknown GPUs)."""
    if provider == "runpod":
        good = load("runpod", "catalog_gpus_secure.json")["gpus"][0]
        # Secure-only rows, so the community request does not count them a second time.
        base = {**copy.deepcopy(good), "community": False, "dataCenters": []}
        rows = [good,
                {**base, "price": {"secure": -1.0, "community": 0.0}},
                {**base, "price": {"secure": 0, "community": 0.0}},
                {k: v for k, v in base.items() if k != "price"},
                {**base, "id": "NVIDIA Z100 99GB", "name": "Z100", "memory": 99}]
        return {"gpus": rows}, 4, ["NVIDIA Z100 99GB"]
    if provider == "lambda":
        good = load("lambda", "instance_types.json")["data"]["gpu_1x_h100_sxm5"]

        def variant(name, **it):
            item = copy.deepcopy(good)
            item["instance_type"].update(name=name, **it)
            return item

        missing = variant("gpu_1x_missing")
        del missing["instance_type"]["price_cents_per_hour"]
        data = {"gpu_1x_h100_sxm5": good, "gpu_1x_neg": variant("gpu_1x_neg", price_cents_per_hour=-100),
                "gpu_1x_zero": variant("gpu_1x_zero", price_cents_per_hour=0), "gpu_1x_missing": missing,
                "gpu_1x_z100": variant("gpu_1x_z100", description="1x Z100 (99 GB)")}
        return {"data": data}, 4, ["1x Z100 (99 GB)"]
    if provider == "together":
        good = load("together", "hardware.json")["data"][0]
        rows = [good, {**good, "id": "1x_nvidia_h100_80gb_neg", "pricing": {"cents_per_minute": -1}},
                {**good, "id": "1x_nvidia_h100_80gb_zero", "pricing": {"cents_per_minute": 0}},
                {k: v for k, v in good.items() if k != "pricing"},
                {**good, "id": "1x_nvidia_z100_99gb_sxm", "specs": {"gpu_count": 1, "gpu_memory": 99}}]
        return {"object": "list", "data": rows}, 4, ["1x_nvidia_z100_99gb_sxm"]
    if provider == "vast":
        good = load("vast", "bundles.json")["offers"][2]
        rows = [good, {**good, "id": 1, "dph_total": -1.0}, {**good, "id": 2, "dph_total": 0},
                {k: v for k, v in {**good, "id": 3}.items() if k != "dph_total"}, {**good, "id": 4, "gpu_name": "Z100"}]
        return {"offers": rows}, 4, ["Z100 (80 GB)"]
    rows = [{"name": "Nvidia H100 GPU", "sku": "gpu-h100"}, {"name": "no sku"}, "junk", {"sku": ""},
            {"name": "Z100", "sku": "gpu-z100"}]
    return rows, 4, ["gpu-z100"]  # the unpriced SKU is counted and listed


@pytest.fixture
def provider_setup(live_env, seed_good_poll):
    def _setup(provider: str):
        conf = live_env(provider)
        good_run = seed_good_poll(provider)
        parts = urlsplit(conf["url"])
        route = respx.route(method=conf["method"], url=f"{parts.scheme}://{parts.netloc}{conf['path']}")
        return conf, good_run, route

    return _setup


def assert_failed_keeping_last_good(provider: str, run: PollRun, good_run: PollRun, *fragments: str,
                                    status: str = PollRun.Status.FAILED) -> None:
    assert run.status == status
    for fragment in fragments:
        assert fragment in run.error
    assert SECRET not in run.error
    assert PollRun.objects.get(pk=run.pk).status == status
    assert ProviderState.objects.get(provider=provider).current_poll_id == good_run.pk
    served = offers_latest(providers=[provider])
    assert [o.poll_id for o in served] == [good_run.pk, good_run.pk]
    assert served[0].usd_per_hour == Decimal("9.9900")
    fresh = provider_freshness()[provider]
    label = "failing" if status == PollRun.Status.FAILED else "suspect"
    assert (fresh.status, fresh.stale, fresh.last_error) == (label, True, public_cause(run.error) if label == "failing" else "held back as suspect")
    assert fresh.stale_reason


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_fails_on_timeout_and_keeps_the_last_good_prices(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(side_effect=httpx.ReadTimeout("read timed out"))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "timed out")
    assert route.call_count == provider_http.MAX_ATTEMPTS  # transient: retried, then given up


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_fails_on_connection_refused(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "could not connect")


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_retries_a_500_then_fails(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(return_value=httpx.Response(500, json={"error": "internal"}))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "HTTP 500")
    assert route.call_count == provider_http.MAX_ATTEMPTS


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_honours_retry_after_on_429_and_then_succeeds(provider, provider_setup, monkeypatch):
    _, good_run, route = provider_setup(provider)
    slept = []
    monkeypatch.setattr(provider_http, "sleep", slept.append)
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}, json={"detail": "slow down"})])
    route.mock(side_effect=lambda request: next(answers, None) or httpx.Response(200, json=good_payload(provider)))
    run = poll_provider(provider)
    assert run.status == PollRun.Status.OK, run.error
    assert run.offer_count > 0
    assert 7 <= slept[0] < 7.2
    assert ProviderState.objects.get(provider=provider).current_poll_id == run.pk


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_fails_when_rate_limited_on_every_attempt(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(return_value=httpx.Response(429, text="API requests too frequent: endpoint threshold=2.0"))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "rate limited", "HTTP 429")


@respx.mock
def test_it_backs_off_on_vasts_plain_text_429_without_retry_after(provider_setup, monkeypatch):
    _, _, route = provider_setup("vast")
    slept = []
    monkeypatch.setattr(provider_http, "sleep", slept.append)
    answers = iter([httpx.Response(429, text="API requests too frequent", headers={"Content-Type": "text/plain"})])
    route.mock(side_effect=lambda request: next(answers, None) or httpx.Response(200, json=load("vast", "bundles.json")))
    run = poll_provider("vast")
    assert run.status == PollRun.Status.OK
    # No Retry-After: wait a whole window of the 10 searches/minute limit once, don't hammer.
    assert 6.0 <= slept[0] < 6.2
    assert len(slept) == 2 and 5.0 < slept[1] <= 6.0  # then 6 s between searches (paging)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [401, 403])
@respx.mock
def test_it_names_the_env_var_on_auth_errors_without_the_key(provider, status, provider_setup):
    conf, good_run, route = provider_setup(provider)
    body = {**ERROR_BODIES[provider], "echo": f"key {SECRET} rejected"}
    route.mock(return_value=httpx.Response(status, json=body))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, conf["key_env"], f"HTTP {status}")
    assert route.call_count == 1  # permanent: not retried


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_redacts_the_key_from_an_echoing_400(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(return_value=httpx.Response(400, text=f"bad request for token {SECRET}"))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "HTTP 400", "[redacted]")


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_fails_on_malformed_json(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(return_value=httpx.Response(200, content=b'{"gpus": [{"id": "NVIDIA H1', headers={
        "Content-Type": "application/json"}))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "malformed JSON")
    assert route.call_count == 1


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_fails_on_valid_json_of_the_wrong_shape(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    payload, message = WRONG_SHAPE[provider]
    route.mock(return_value=httpx.Response(200, json=payload))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, message)


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_holds_back_an_empty_answer_after_a_good_poll_as_suspect(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    route.mock(return_value=httpx.Response(200, json=EMPTY[provider]))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "no usable offers", "had 2 offers",
                                    status=PollRun.Status.SUSPECT)


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_skips_and_counts_bad_rows(provider, provider_setup):
    _, _, route = provider_setup(provider)
    payload, skipped, unknown = _bad_rows(provider)
    route.mock(return_value=httpx.Response(200, json=payload))
    run = poll_provider(provider)
    assert run.status == PollRun.Status.OK, run.error
    assert (run.skipped_count, run.unknown_gpus) == (skipped, unknown)
    served = offers_latest(providers=[provider])
    assert served and all(o.poll_id == run.pk and o.usd_per_hour > 0 for o in served)
    assert {o.gpu.slug for o in served} == {"h100-sxm"}


@pytest.mark.parametrize("provider", PROVIDERS)
@respx.mock
def test_it_fails_when_every_row_is_bad(provider, provider_setup):
    _, good_run, route = provider_setup(provider)
    payload, skipped, _ = _bad_rows(provider)
    if provider == "runpod":
        payload = {"gpus": payload["gpus"][1:]}
    elif provider == "lambda":
        payload = {"data": {k: v for k, v in payload["data"].items() if k != "gpu_1x_h100_sxm5"}}
    elif provider == "replicate":
        payload = payload[1:]
    else:
        key = "data" if provider == "together" else "offers"
        payload = {**payload, key: payload[key][1:]}
    route.mock(return_value=httpx.Response(200, json=payload))
    run = poll_provider(provider)
    assert_failed_keeping_last_good(provider, run, good_run, "no usable offers", f"({skipped} rows skipped)",
                                    status=PollRun.Status.SUSPECT)
    assert run.skipped_count == skipped
