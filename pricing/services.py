"""Writes: polling a provider into a PollRun + its offers, and keeping the GPU table in sync."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import traceback
import uuid
from functools import partial

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .gpus import GPUS
from .history import history_rollup_poll
from .models import GpuModel, Offer, PollRun, ProviderState, Source
from .providers.base import FetchResult, ProviderError
from .providers.http import build_client
from .providers.registry import PROVIDERS, uses_live_api

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned (a worker killed mid-poll).
LOCK_SECONDS = 180


def gpu_catalog_sync() -> dict[str, GpuModel]:
    """Make the GpuModel table match pricing.gpus.GPUS. Returns slug -> row."""
    existing = {g.slug: g for g in GpuModel.objects.all()}
    for spec in GPUS:
        values = dict(
            name=spec.name, vendor=spec.vendor, memory_gb=spec.memory_gb, board_power_w=spec.board_power_w,
            bf16_tflops=spec.bf16_tflops, fp16_tflops=spec.fp16_tflops, gpu_class=spec.gpu_class,
            aliases=list(spec.aliases), source=spec.source,
        )
        row = existing.get(spec.slug)
        if row is None:
            existing[spec.slug] = GpuModel.objects.create(slug=spec.slug, **values)
        elif any(getattr(row, k) != v for k, v in values.items()):
            GpuModel.objects.filter(pk=row.pk).update(**values)
    return existing


def _claim(slug: str) -> str | None:
    """Conditional-update claim so two polls of one provider never run at once (works on SQLite
    and Postgres alike). Returns a token, or None when another poll holds the claim."""
    ProviderState.objects.get_or_create(provider=slug)
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = ProviderState.objects.filter(provider=slug).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).update(locked_until=now + dt.timedelta(seconds=LOCK_SECONDS), lock_token=token)
    return token if claimed else None


def _release(slug: str, token: str) -> None:
    ProviderState.objects.filter(provider=slug, lock_token=token).update(locked_until=None, lock_token="")


class NoUsableOffers(ProviderError):
    """A poll that parsed but yielded nothing to store. Storing it would move the pointer to an
    empty poll and wipe the last good prices, so it counts as a failed poll instead."""


def poll_provider(slug: str, *, transport: httpx.BaseTransport | None = None) -> PollRun | None:
    """Poll one provider and record the result. Never raises for provider trouble: a failed poll
    is recorded, the last good offers stay and are reported stale. Returns None when another poll
    of the same provider is already running."""
    adapter = PROVIDERS[slug]
    token = _claim(slug)
    if token is None:
        logger.info("poll %s skipped: another poll of it is running", slug)
        return None
    try:
        _close_abandoned(slug)
        live = uses_live_api(slug)
        t0 = time.monotonic()
        run = PollRun.objects.create(provider=slug, started_at=timezone.now(),
                                     source=Source.LIVE if live else Source.CATALOG)
        ProviderState.objects.filter(provider=slug).update(last_attempt=run)
        try:
            result = adapter.fetch(build_client(slug, transport=transport)) if live else adapter.catalog_offers()
            if not isinstance(result, FetchResult):
                raise ProviderError(f"{slug}: adapter returned no result")
        except ProviderError as exc:
            return _fail(run, str(exc), t0)
        except Exception as exc:  # an adapter bug must not take the other providers down
            # Logged with a redacted traceback: an exception's text may carry a key or a header.
            logger.error("poll %s: unexpected adapter error\n%s", slug, redact(traceback.format_exc()))
            return _fail(run, f"{slug}: unexpected error while reading the provider's answer "
                              f"({type(exc).__name__})", t0)
        try:
            return snapshot_record(run, result, t0=t0)
        except NoUsableOffers as exc:
            return _fail(run, str(exc), t0, result=result)
        except Exception as exc:
            # snapshot_record is atomic: its offers and the pointer move are rolled back, so the
            # last good prices stay. Record the failure in a fresh transaction, never leave "running".
            logger.error("poll %s: could not store the offers\n%s", slug, redact(traceback.format_exc()))
            return _fail(run, f"{slug}: could not store the offers ({type(exc).__name__})", t0, result=result)
    finally:
        _release(slug, token)


def _close_abandoned(slug: str) -> None:
    """We hold the claim, so no other poll of this provider runs: a PollRun still "running" was
    left by a worker that died mid-poll (its claim expired). Close it so it is not running for ever."""
    PollRun.objects.filter(provider=slug, status=PollRun.Status.RUNNING).update(
        status=PollRun.Status.FAILED, finished_at=timezone.now(),
        error=f"{slug}: abandoned: the worker stopped before the poll finished")


def _fail(run: PollRun, message: str, t0: float, *, result: FetchResult | None = None) -> PollRun:
    message = redact(message)
    run.status = PollRun.Status.FAILED
    run.error = message[:2000]
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - t0) * 1000)
    # snapshot_record may have changed these in memory before its transaction rolled back.
    run.offer_count = 0
    run.skipped_count = result.skipped if result else 0
    run.unknown_gpus = sorted(set(result.unknown_gpus))[:200] if result else []
    with transaction.atomic():
        run.save(update_fields=["status", "error", "finished_at", "duration_ms", "offer_count",
                                "skipped_count", "unknown_gpus"])
    logger.warning("poll %s failed: %s", run.provider, message)
    return run


def redact(message: str) -> str:
    """Remove any configured provider key from a message (a provider may echo it back in an error
    body); messages end up in the database, the logs and the UI."""
    for conf in settings.PROVIDER_SETTINGS.values():
        key = os.environ.get(conf["key_env"], "").strip() if conf.get("key_env") else ""
        if len(key) >= 4:
            message = message.replace(key, "[redacted]")
    return message


@transaction.atomic
def snapshot_record(run: PollRun, result: FetchResult, *, t0: float | None = None) -> PollRun:
    """Store a poll's offers and move the provider's pointer to it, in one transaction: readers see
    the previous complete poll or this one, never a mix. A constant number of queries whatever
    the number of offers."""
    gpus = {g.slug: g for g in GpuModel.objects.all()}
    if len(gpus) < len(GPUS):
        gpus = gpu_catalog_sync()
    now = timezone.now()
    rows = []
    skipped = result.skipped
    unknown = list(result.unknown_gpus)
    for o in result.offers:
        gpu = gpus.get(o.gpu_slug)
        if gpu is None or o.gpu_count < 1 or o.usd_per_hour <= 0:
            skipped += 1
            if gpu is None and o.gpu_slug not in unknown:
                unknown.append(o.gpu_slug)
            continue
        rows.append(Offer(
            poll=run, provider=run.provider, provider_sku=o.provider_sku[:200], gpu=gpu,
            gpu_count=o.gpu_count, gpu_memory_gb=o.gpu_memory_gb, usd_per_hour=o.usd_per_hour,
            usd_per_gpu_hour=o.usd_per_gpu_hour, region=o.region[:100], availability=o.availability,
            interruptible=o.interruptible, tier=o.tier, observed_at=now,
        ))
    if not rows:
        raise NoUsableOffers(f"{run.provider}: provider returned no usable offers "
                             f"({skipped} rows skipped); last good prices kept")
    Offer.objects.bulk_create(rows, batch_size=2000)
    run.status = PollRun.Status.OK
    run.source = result.source
    run.catalog_date = result.catalog_date
    run.offer_count = len(rows)
    run.skipped_count = skipped
    run.unknown_gpus = sorted(set(unknown))[:200]
    run.error = "; ".join(result.notes)[:2000]
    run.finished_at = now
    if t0 is not None:
        run.duration_ms = int((time.monotonic() - t0) * 1000)
    run.save()
    ProviderState.objects.filter(provider=run.provider).update(current_poll=run)
    _history_rollup(run)
    # After commit (never before: a rolled-back poll must not notify anyone), one hand-off.
    transaction.on_commit(partial(poll_committed, run.pk), robust=True)
    return run


def _history_rollup(run: PollRun) -> None:
    """The price-history rollup, in the poll's transaction so offers and rollup appear together. A
    rollup bug must never lose a poll: it runs in a savepoint and is logged; the rollup is then
    backfilled by ``manage.py rebuild_price_history``."""
    try:
        with transaction.atomic():
            history_rollup_poll(poll=run)
    except Exception:
        logger.error("price history rollup of poll %s failed; run manage.py rebuild_price_history\n%s",
                     run.pk, redact(traceback.format_exc()))


def poll_committed(poll_id: int) -> None:
    """What runs once a successful poll is committed: the hand-off named by
    ``settings.PRICE_POLL_HANDOFF`` (a dotted path; the price alerts' ``enqueue_evaluation``).
    Named in settings because ``pricing`` is the bottom layer and imports no app above it."""
    path = getattr(settings, "PRICE_POLL_HANDOFF", "")
    if path:
        import_string(path)(poll_id)
