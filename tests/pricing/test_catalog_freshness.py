"""A built-in price list says how old its figures are: loading it a minute ago does not make a
months-old list fresh (issue #13). Lists older than CATALOG_STALE_DAYS are stale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from pricing import services
from pricing.models import PollRun, ProviderState, Source
from pricing.providers.base import FetchResult, ProviderOffer
from pricing.selectors import provider_freshness

pytestmark = pytest.mark.django_db


def _catalog_poll(provider: str, list_date: dt.date) -> None:
    ProviderState.objects.get_or_create(provider=provider)
    run = PollRun.objects.create(provider=provider, started_at=timezone.now(), source=Source.CATALOG)
    ProviderState.objects.filter(provider=provider).update(last_attempt=run)
    offer = ProviderOffer(provider=provider, provider_sku="x", gpu_slug="a100-80gb-sxm", gpu_count=1, gpu_memory_gb=80,
                          usd_per_hour=Decimal("1.0000"), availability="unknown")
    services.snapshot_record(run, FetchResult(offers=[offer], source="catalog", catalog_date=list_date))


def test_it_marks_a_list_older_than_catalog_stale_days_stale(settings):
    settings.CATALOG_STALE_DAYS = 30
    today = timezone.now().date()
    _catalog_poll("lambda", today - dt.timedelta(days=72))
    _catalog_poll("runpod", today - dt.timedelta(days=3))
    fresh = provider_freshness()
    old, new = fresh["lambda"], fresh["runpod"]
    assert (old.list_age_days, old.list_stale, old.stale, old.state) == (72, True, True, "stale")
    assert (new.list_age_days, new.list_stale, new.stale, new.state) == (3, False, False, "list")
    assert old.as_dict()["list_age_days"] == 72 and old.as_dict()["state"] == "stale"


def test_it_follows_the_setting(settings):
    settings.CATALOG_STALE_DAYS = 100
    _catalog_poll("lambda", timezone.now().date() - dt.timedelta(days=72))
    assert provider_freshness()["lambda"].stale is False


def test_live_prices_have_no_list_age(db):
    from tests.wizard.prices import seed_prices

    seed_prices(providers=("lambda",))
    f = provider_freshness()["lambda"]
    assert (f.list_age_days, f.list_stale, f.state) == (None, False, "live")
