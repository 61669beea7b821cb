"""Poll -> store -> latest: what readers get after good, failing, concurrent and broken polls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
import respx
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pricing import services
from pricing.models import Offer, PollRun, ProviderState
from pricing.providers.price_list import list_prices
from pricing.selectors import latest_snapshot, offers_latest, provider_freshness

from .conftest import SECRET, load, make_offers

pytestmark = pytest.mark.django_db


def _lambda_ok(conf):
    return respx.get(conf["url"] + "/instance-types").mock(
        return_value=httpx.Response(200, json=load("lambda", "instance_types.json")))


@respx.mock
def test_it_stores_a_live_poll_and_serves_it_as_latest(live_env):
    conf = live_env("lambda")
    _lambda_ok(conf)
    run = services.poll_provider("lambda")
    assert (run.status, run.source, run.offer_count, run.skipped_count) == ("ok", "live", 5, 0)
    offers = offers_latest(providers=["lambda"])
    rows = {(o.provider_sku, o.region): o for o in offers}
    a100 = rows[("gpu_8x_a100_80gb_sxm4", "us-west-2")]
    assert (a100.gpu.slug, a100.gpu_count, a100.usd_per_hour, a100.usd_per_gpu_hour, a100.availability) == (
        "a100-80gb-sxm", 8, Decimal("22.3200"), Decimal("2.7900"), "medium")  # capacity in 2 regions
    assert run.request_count == 1
    assert rows[("gpu_1x_a10", "")].availability == "unavailable"
    assert [o.usd_per_hour for o in offers] == sorted(o.usd_per_hour for o in offers)
    latest = latest_snapshot(providers=["lambda"])
    snapshot, fresh = latest.offers, latest.freshness
    assert {o.pk for o in snapshot} == {o.pk for o in offers}
    assert (fresh["lambda"].status, fresh["lambda"].source, fresh["lambda"].stale, fresh["lambda"].offer_count) == (
        "ok", "live", False, 5)
    assert fresh["runpod"].status == "no data"


def test_it_serves_the_dated_list_prices_without_a_key(settings):
    settings.PRICING_OFFLINE = False
    run = services.poll_provider("runpod")
    assert (run.status, run.source) == ("ok", "catalog")
    assert run.catalog_date == max(p.as_of for p in list_prices("runpod"))
    assert run.offer_count == len(list_prices("runpod"))
    h100 = Offer.objects.get(poll=run, provider_sku="NVIDIA H100 80GB HBM3/secure/1x")
    assert (h100.usd_per_hour, h100.availability, h100.tier) == (Decimal("3.9900"), "high", "secure")
    fresh = provider_freshness()["runpod"]
    assert fresh.source == "catalog" and fresh.as_of.date() == run.catalog_date


def test_it_uses_the_catalog_when_offline_even_with_a_key(settings, live_env):
    live_env("lambda")
    settings.PRICING_OFFLINE = True
    with respx.mock(assert_all_mocked=True):
        run = services.poll_provider("lambda")
    assert (run.status, run.source) == ("ok", "catalog")
    assert {o.availability for o in offers_latest(providers=["lambda"])} == {"medium"}


@respx.mock
def test_it_keeps_last_good_offers_of_a_failing_provider_while_others_update(live_env):
    lam, tog = live_env("lambda"), live_env("together")
    _lambda_ok(lam)
    tog_route = respx.get(tog["url"] + "/hardware").mock(
        return_value=httpx.Response(200, json=load("together", "hardware.json")))
    first_lambda = services.poll_provider("lambda")
    services.poll_provider("together")

    respx.get(lam["url"] + "/instance-types").mock(return_value=httpx.Response(503, text="upstream down"))
    changed = load("together", "hardware.json")
    changed["data"][0]["pricing"]["cents_per_minute"] = 10.0
    tog_route.mock(return_value=httpx.Response(200, json=changed))
    failed = services.poll_provider("lambda")
    second_together = services.poll_provider("together")

    assert failed.status == "failed" and "HTTP 503" in failed.error
    served = offers_latest()
    assert {o.poll_id for o in served if o.provider == "lambda"} == {first_lambda.pk}
    assert {o.poll_id for o in served if o.provider == "together"} == {second_together.pk}
    assert next(o for o in served if o.provider_sku == "1x_nvidia_h100_80gb_sxm").usd_per_hour == Decimal("6.0000")
    fresh = provider_freshness()
    assert (fresh["lambda"].status, fresh["lambda"].stale, fresh["lambda"].last_error) == ("failing", True, "answered 503")
    assert (fresh["together"].status, fresh["together"].stale) == ("ok", False)
    # History keeps both polls' offers; the failed poll stored none.
    assert Offer.objects.filter(poll=failed).count() == 0
    assert Offer.objects.filter(provider="together").count() == 8

    _lambda_ok(lam)
    recovered = services.poll_provider("lambda")
    assert recovered.status == "ok"
    assert provider_freshness()["lambda"].status == "ok"


def test_it_marks_old_prices_stale_by_age(settings, seed_good_poll, time_machine):
    settings.PRICE_POLL_INTERVAL_SECONDS = 300
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False)
    seed_good_poll("vast")
    assert provider_freshness()["vast"].stale is False
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, 11, 1, tzinfo=dt.UTC), tick=False)
    fresh = provider_freshness()["vast"]
    assert fresh.stale is True and fresh.status == "ok" and fresh.age_seconds == 661


@respx.mock
def test_it_runs_only_one_poll_of_a_provider_at_a_time(live_env):
    conf = live_env("lambda")
    nested = []

    def answer(request):
        # A second poll (another worker, a manual refresh) arriving while this one is in flight.
        nested.append(services.poll_provider("lambda"))
        return httpx.Response(200, json=load("lambda", "instance_types.json"))

    respx.get(conf["url"] + "/instance-types").mock(side_effect=answer)
    run = services.poll_provider("lambda")
    assert nested == [None]
    assert run.status == "ok"
    assert PollRun.objects.filter(provider="lambda").count() == 1
    assert ProviderState.objects.get(provider="lambda").locked_until is None  # released


def test_it_takes_over_an_abandoned_claim(settings):
    settings.PRICING_OFFLINE = True
    ProviderState.objects.create(provider="modal", lock_token="dead-worker",
                                 locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert services.poll_provider("modal").status == "ok"
    ProviderState.objects.filter(provider="modal").update(
        lock_token="live-worker", locked_until=timezone.now() + dt.timedelta(seconds=60))
    assert services.poll_provider("modal") is None


@pytest.mark.parametrize("fail_at", ["bulk_create", "pointer"])
def test_it_leaves_no_partial_snapshot_when_storing_fails(fail_at, monkeypatch, seed_good_poll, settings):
    settings.PRICING_OFFLINE = True
    good = seed_good_poll("runpod")
    if fail_at == "bulk_create":
        def boom(self, objs, *args, **kwargs):
            raise DatabaseError("disk full")

        monkeypatch.setattr(type(Offer.objects), "bulk_create", boom)
    else:
        real_update = QuerySet.update

        def update(self, **kwargs):
            if "current_poll" in kwargs:
                raise DatabaseError("connection lost")
            return real_update(self, **kwargs)

        monkeypatch.setattr(QuerySet, "update", update)
    run = services.poll_provider("runpod")
    monkeypatch.undo()
    stored = PollRun.objects.get(pk=run.pk)
    assert (stored.status, stored.offer_count) == ("failed", 0)
    assert run.status == "failed" and run.offer_count == 0
    assert "could not store the offers (DatabaseError)" in stored.error
    assert stored.finished_at is not None
    assert Offer.objects.filter(poll=run).count() == 0
    assert ProviderState.objects.get(provider="runpod").current_poll_id == good.pk
    assert {o.poll_id for o in offers_latest(providers=["runpod"])} == {good.pk}


def test_it_survives_an_adapter_bug(monkeypatch, settings, caplog):
    settings.PRICING_OFFLINE = True
    monkeypatch.setenv("TOGETHER_API_KEY", SECRET)
    from pricing.providers import together

    def broken():
        raise KeyError(SECRET)

    monkeypatch.setattr(together, "catalog_offers", broken)
    run = services.poll_provider("together")
    assert run.status == "failed"
    assert "unexpected error" in run.error and "KeyError" in run.error and SECRET not in run.error
    assert "KeyError" in caplog.text and SECRET not in caplog.text  # the traceback is logged, redacted


def _history(n_polls: int, per_poll: int) -> None:
    for provider in ("runpod", "lambda"):
        ProviderState.objects.get_or_create(provider=provider)
        for _ in range(n_polls):
            run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source="live")
            services.snapshot_record(run, make_offers(provider, per_poll))


def _count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def test_it_reads_the_latest_prices_in_constant_queries():
    _history(n_polls=1, per_poll=5)  # 10 history offers
    small = (_count_queries(offers_latest), _count_queries(latest_snapshot), _count_queries(provider_freshness))
    _history(n_polls=10, per_poll=50)  # 1000 more history offers
    assert Offer.objects.count() == 1010
    big = (_count_queries(offers_latest), _count_queries(latest_snapshot), _count_queries(provider_freshness))
    assert small == big
    assert big[0] <= 2 and big[1] <= 3 and big[2] <= 1
    offers = latest_snapshot().offers
    with CaptureQueriesContext(connection) as ctx:
        [(o.gpu.name, o.poll_id) for o in offers]  # related rows come with the offers
    assert len(ctx.captured_queries) == 0


def test_it_stores_a_snapshot_in_constant_queries(settings):
    services.gpu_catalog_sync()

    def store(n):
        ProviderState.objects.get_or_create(provider="vast")
        run = PollRun.objects.create(provider="vast", started_at=timezone.now(), source="live")
        return _count_queries(lambda: services.snapshot_record(run, make_offers("vast", n)))

    store(10)  # a first poll has no last good poll to be checked against (one query fewer)
    if connection.vendor == "sqlite":
        # Django caps an SQLite statement at 999 parameters (~70 offers per INSERT) whatever the
        # SQLite build allows, so there the INSERT batches grow with the offers; nothing else does.
        per_insert = connection.features.max_query_params // len([f for f in Offer._meta.concrete_fields if not f.primary_key])
        assert store(10) == store(per_insert)
        assert store(500) == store(10) + (500 - 1) // per_insert
    else:
        assert store(10) == store(500) == store(2000)


def test_it_closes_a_poll_record_left_running_by_a_dead_worker(settings):
    settings.PRICING_OFFLINE = True
    abandoned = PollRun.objects.create(provider="modal", started_at=timezone.now() - dt.timedelta(hours=1),
                                       source="catalog")
    run = services.poll_provider("modal")
    abandoned.refresh_from_db()
    assert (abandoned.status, run.status) == ("failed", "ok")
    assert "abandoned" in abandoned.error and abandoned.finished_at is not None


def test_every_catalog_gpu_fits_the_gpu_model_table():
    """SQLite does not enforce a CharField's max_length; Postgres does (an A10G source of 388
    characters once broke every test there). Check the catalog against the table's columns."""
    from pricing.gpus import GPUS
    from pricing.models import GpuModel

    for field in GpuModel._meta.concrete_fields:
        if getattr(field, "max_length", None) and hasattr(GPUS[0], field.name):
            for gpu in GPUS:
                value = getattr(gpu, field.name)
                assert value is None or len(str(value)) <= field.max_length, (gpu.slug, field.name, len(str(value)))
