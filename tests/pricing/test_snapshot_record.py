"""snapshot_record does what must happen with a poll itself, in its transaction (the history
rollup), and hands off the rest (price alerts) with one transaction.on_commit: no signals."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.db.models.signals import post_save

from pricing import services
from pricing.models import PollRun, PriceHistoryPoint, ProviderState
from pricing.providers.base import FetchResult
from tests.history.helpers import offer

pytestmark = pytest.mark.django_db

handed_off: list[int] = []


def record_hand_off(poll_id: int) -> None:
    handed_off.append(poll_id)


def _store(provider="runpod", price="2.50"):
    ProviderState.objects.get_or_create(provider=provider)
    run = PollRun.objects.create(provider=provider, started_at=services.timezone.now(), source="live")
    return services.snapshot_record(run, FetchResult(offers=[offer(provider, "h100-sxm", price)], source="live"))


def test_it_writes_the_rollup_inside_the_transaction_and_registers_one_hand_off(
        django_capture_on_commit_callbacks, settings):
    settings.PRICE_POLL_HANDOFF = "tests.pricing.test_snapshot_record.record_hand_off"
    handed_off.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = _store()
        # Before commit: the rollup is already there, next to the offers.
        assert PriceHistoryPoint.objects.filter(poll=run).exists()
    assert len(callbacks) == 1
    assert handed_off == []  # nothing runs before the commit
    callbacks[0]()
    assert handed_off == [run.pk]


def test_a_rolled_back_poll_hands_nothing_off(django_capture_on_commit_callbacks, settings, monkeypatch):
    settings.PRICE_POLL_HANDOFF = "tests.pricing.test_snapshot_record.record_hand_off"
    handed_off.clear()
    real_update = QuerySet.update

    def update(self, **kwargs):
        if "current_poll" in kwargs:
            raise RuntimeError("connection lost")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _store()
    assert callbacks == [] and handed_off == []


def test_a_rollup_bug_never_loses_the_poll(monkeypatch, caplog, django_capture_on_commit_callbacks):
    def boom(*, poll):
        raise ValueError("rollup bug")

    monkeypatch.setattr(services, "history_rollup_poll", boom)
    with caplog.at_level(logging.ERROR, logger="pricing.services"), django_capture_on_commit_callbacks(execute=True):
        run = _store(price="1.99")
    assert run.status == PollRun.Status.OK
    assert ProviderState.objects.get(provider="runpod").current_poll_id == run.pk
    assert run.offers.get().usd_per_hour == Decimal("1.99")
    assert not PriceHistoryPoint.objects.filter(poll=run).exists()
    assert "rebuild_price_history" in caplog.text


def test_no_signal_receiver_runs_business_logic_on_a_poll():
    assert not post_save.has_listeners(PollRun)
    import importlib.util

    assert importlib.util.find_spec("pricing.signals") is None
    assert importlib.util.find_spec("pricing.receivers") is None
