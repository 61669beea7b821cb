"""Writes: polling a provider into a PollRun + its offers, and keeping the GPU table in sync."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
import traceback
import uuid
from functools import partial

import httpx
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .gpus import GPUS
from .history import history_rollup_poll
from .models import GpuModel, Offer, PollRun, ProviderState, Source
from .poll_checks import PollSummary, check_poll
from .providers.base import DROP_UNKNOWN_GPU, MAX_DROPPED_RECORDED, FetchResult, ProviderError
from .providers.http import build_client, public_names, redact_secrets
from .providers.registry import PROVIDERS, uses_live_api

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned (a worker killed mid-poll, or one whose
# database connection dropped so it could not release it): the poll's own deadline plus the time
# to store it, as Celery's hard time limit (deadline + 60 s) kills any poll running longer.
LOCK_SECONDS = settings.PROVIDER_POLL_DEADLINE_SECONDS + 60


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
    if not claimed:
        return None
    # We hold the claim, so no other poll of this provider runs: close what an earlier attempt left
    # "running" (a worker killed, or a database connection dropped before it could record the end).
    _close_abandoned(slug)
    return token


def _release(slug: str, token: str) -> None:
    ProviderState.objects.filter(provider=slug, lock_token=token).update(locked_until=None, lock_token="")


class NoUsableOffers(ProviderError):
    """A first poll that parsed but yielded nothing to store: there are no last good prices it
    could be held against, so it counts as a failed poll. (After a good poll, an empty answer is
    a suspect poll instead: see pricing.poll_checks.)"""


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
        live = uses_live_api(slug)
        t0 = time.monotonic()
        run = PollRun.objects.create(provider=slug, started_at=timezone.now(),
                                     source=Source.LIVE if live else Source.CATALOG)
        ProviderState.objects.filter(provider=slug).update(last_attempt=run)
        client = build_client(slug, transport=transport) if live else None
        try:
            result = adapter.fetch(client) if live else adapter.catalog_offers()
            if not isinstance(result, FetchResult):
                raise ProviderError(f"{slug}: adapter returned no result")
        except ProviderError as exc:
            run.request_count = client.request_count if client else 0
            return _fail(run, str(exc), t0)
        except Exception as exc:  # an adapter bug must not take the other providers down
            # Logged with a redacted traceback: an exception's text may carry a key or a header.
            logger.error("poll %s: unexpected adapter error\n%s", slug, redact(traceback.format_exc()))
            run.request_count = client.request_count if client else 0
            return _fail(run, f"{slug}: unexpected error while reading the provider's answer "
                              f"({type(exc).__name__})", t0)
        run.request_count = client.request_count if client else 0
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
        _recording(lambda: _release(slug, token), what=f"releasing the claim on {slug}")


def _close_abandoned(slug: str) -> None:
    """We hold the claim, so no other poll of this provider runs: a PollRun still "running" was
    left by a worker that died mid-poll (its claim expired). Close it so it is not running for ever."""
    PollRun.objects.filter(provider=slug, status=PollRun.Status.RUNNING).update(
        status=PollRun.Status.FAILED, finished_at=timezone.now(),
        error=f"{slug}: abandoned: the worker stopped before the poll finished")


def _fail(run: PollRun, message: str, t0: float, *, result: FetchResult | None = None) -> PollRun:
    message = db_text(redact(message))
    run.status = PollRun.Status.FAILED
    run.error = message[:2000]
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - t0) * 1000)
    # snapshot_record may have changed these in memory before its transaction rolled back.
    run.offer_count = 0
    run.skipped_count = result.skipped if result else 0
    run.unknown_gpus = _unknown_list(result.unknown_gpus) if result else []
    run.dropped = _dropped_list(result) if result else []
    if result is not None:
        run.complete, run.coverage_note = result.complete, db_text(result.coverage_note)[:2000]

    def save():
        with transaction.atomic():
            run.save(update_fields=["status", "error", "finished_at", "duration_ms", "offer_count",
                                    "skipped_count", "unknown_gpus", "request_count", "dropped", "complete",
                                    "coverage_note"])

    _recording(save, what=f"recording the failed poll {run.pk} of {run.provider}")
    logger.warning("poll %s failed: %s", run.provider, message)
    return run


def _recording(write, *, what: str) -> None:
    """Run a bookkeeping write; on a database error (a dropped connection) reconnect and try once
    more. If it still fails, log it and raise: a failure that cannot be recorded must never pass
    silently (the poll would stay "running" while the API reported the old prices as fine). The
    next attempt's claim then closes the run (``_close_abandoned``)."""
    try:
        write()
        return
    except DatabaseError as exc:
        logger.error("poll bookkeeping: %s failed (%s); reconnecting to retry once", what, type(exc).__name__)
    if not connection.in_atomic_block:
        connection.close()  # a fresh connection on the next query
    try:
        write()
    except DatabaseError:
        logger.exception("poll bookkeeping: %s failed again; the next attempt will close the poll", what)
        raise


# Characters PostgreSQL cannot store in text or jsonb: NUL, and lone UTF-16 surrogates (which
# have no UTF-8 encoding). One such character used to fail a whole poll on Postgres.
_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")


def db_text(value: str) -> str:
    """``value`` without the characters PostgreSQL rejects (each becomes U+FFFD)."""
    return _NOT_STORABLE.sub("\ufffd", value)


def _storable(value: str) -> bool:
    return not _NOT_STORABLE.search(value)


def _unknown_list(names) -> list[str]:
    return sorted({db_text(str(n))[:100] for n in names})[:200]


def _dropped_list(result: FetchResult) -> list[dict]:
    return [{k: db_text(v) if isinstance(v, str) else v for k, v in d.as_dict().items()}
            for d in result.dropped][:MAX_DROPPED_RECORDED]


def redact(message: str) -> str:
    """Remove every configured provider key (whole, in any case, or any long fragment of it) from
    a message (a provider may echo it back in an error body); messages end up in the database,
    the logs and the admin. Call it before cutting a message to length."""
    keys = [os.environ.get(name, "") for conf in settings.PROVIDER_SETTINGS.values()
            for name in (conf.get("key_env"), *conf.get("key_env_aliases", ())) if name]
    return redact_secrets(message, keys, public=public_names())


def _last_good_summary(provider: str) -> PollSummary | None:
    """The provider's current (last good) poll, summarised for pricing.poll_checks."""
    state = ProviderState.objects.select_related("current_poll").filter(provider=provider).first()
    cur = state.current_poll if state else None
    if cur is None:
        return None
    rows = Offer.objects.filter(poll=cur).values_list("gpu__slug", "usd_per_gpu_hour", "interruptible")
    return PollSummary.of(cur.source, rows)


@transaction.atomic
def snapshot_record(run: PollRun, result: FetchResult, *, t0: float | None = None) -> PollRun:
    """Check a poll (pricing.poll_checks), store its offers, and move the provider's pointer to it
    when it passed, in one transaction: readers see the previous complete poll or this one, never
    a mix. A suspect poll is stored with its reason but the pointer stays on the last good poll
    (whose prices are then reported stale with that reason) until an operator accepts it. A
    constant number of queries whatever the number of offers."""
    gpus = {g.slug: g for g in GpuModel.objects.all()}
    if len(gpus) < len(GPUS):
        gpus = gpu_catalog_sync()
    now = timezone.now()
    usable = []
    for o in result.offers:
        if not all(_storable(v) for v in (o.provider_sku, o.gpu_slug, o.region, o.tier, o.availability, o.kind)):
            # A NUL byte or a lone surrogate: Postgres would refuse the whole insert.
            result.drop("bad row", db_text(o.provider_sku)[:100], "text PostgreSQL cannot store (NUL or surrogate)")
        elif gpus.get(o.gpu_slug) is None:
            result.drop(DROP_UNKNOWN_GPU, o.gpu_slug, f"{o.provider_sku}: not in the GPU catalog")
        elif o.gpu_count < 1 or o.usd_per_hour <= 0:
            result.drop("bad row", o.provider_sku, "no GPUs or no positive price")
        else:
            usable.append(o)
    verdict = check_poll(usable, source=result.source, previous=_last_good_summary(run.provider))
    for d in verdict.dropped:
        result.drop(d.reason, d.item, d.detail)
    # A suspect poll keeps every offer the provider sent (the failed checks are on its record): if
    # an operator accepts it, what the provider said is what is served.
    kept = usable if verdict.suspect else verdict.offers
    rows = [
        Offer(
            poll=run, provider=run.provider, provider_sku=o.provider_sku[:200], gpu=gpus[o.gpu_slug],
            gpu_count=o.gpu_count, gpu_memory_gb=o.gpu_memory_gb, usd_per_hour=o.usd_per_hour,
            usd_per_gpu_hour=o.usd_per_gpu_hour, region=o.region[:100], availability=o.availability,
            interruptible=o.interruptible, tier=o.tier, kind=o.kind, observed_at=now,
        )
        for o in kept
    ]
    if not rows and not verdict.suspect:
        raise NoUsableOffers(f"{run.provider}: provider returned no usable offers "
                             f"({result.skipped} rows skipped); last good prices kept")
    Offer.objects.bulk_create(rows, batch_size=2000)
    run.source = result.source
    run.catalog_date = result.catalog_date
    run.offer_count = len(rows)
    run.skipped_count = result.skipped
    run.unknown_gpus = _unknown_list(result.unknown_gpus)
    run.dropped = _dropped_list(result)
    run.complete, run.coverage_note = result.complete, db_text(result.coverage_note)[:2000]
    run.finished_at = now
    if t0 is not None:
        run.duration_ms = int((time.monotonic() - t0) * 1000)
    if verdict.suspect:
        reason = verdict.reason
        if not rows:
            reason = f"no usable offers ({result.skipped} rows skipped): {reason}"
        run.status = PollRun.Status.SUSPECT
        run.suspect_reason = db_text(reason)[:2000]
        run.error = db_text(redact(f"{run.provider}: suspect poll, not served: {reason}; last good prices kept "
                           "(accept it in the admin or with refresh_prices --accept-suspect)"))[:2000]
        run.save()
        logger.warning("poll %s suspect: %s", run.provider, reason)
        return run
    run.status = PollRun.Status.OK
    run.error = db_text(redact("; ".join(result.notes)))[:2000]
    run.save()
    _make_current(run)
    return run


def _make_current(run: PollRun) -> None:
    ProviderState.objects.filter(provider=run.provider).update(current_poll=run)
    _history_rollup(run)
    # After commit (never before: a rolled-back poll must not notify anyone), one hand-off.
    transaction.on_commit(partial(poll_committed, run.pk), robust=True)


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


@transaction.atomic
def poll_accept_suspect(poll_id: int, *, by: str = "") -> PollRun:
    """An operator's word that a suspect poll is right (a real price change, a provider that really
    dropped a GPU): it becomes the provider's current poll, as if it had passed (history rollup and
    alerts included). Only a suspect poll newer than the provider's current poll can be accepted (an
    older one would bring back prices that a later poll replaced). Raises ValueError saying why not."""
    run = PollRun.objects.select_for_update().get(pk=poll_id)
    if run.status != PollRun.Status.SUSPECT:
        raise ValueError(f"poll {run.pk} ({run.provider}) is {run.status}, not suspect")
    state, _ = ProviderState.objects.get_or_create(provider=run.provider)
    cur = state.current_poll
    if cur is not None and cur.started_at > run.started_at:
        raise ValueError(f"poll {run.pk} ({run.provider}) is older than the current poll {cur.pk}")
    run.status = PollRun.Status.OK
    run.accepted_at = timezone.now()
    run.accepted_by = by[:150]
    run.error = f"accepted by {by or 'an operator'}: {run.suspect_reason}"[:2000]
    run.save()
    _make_current(run)
    return run


def newest_suspect_polls(providers: list[str] | None = None) -> list[PollRun]:
    """Per provider, its last attempt when that attempt is suspect (what --accept-suspect accepts)."""
    states = ProviderState.objects.select_related("last_attempt")
    if providers:
        states = states.filter(provider__in=providers)
    return [s.last_attempt for s in states
            if s.last_attempt is not None and s.last_attempt.status == PollRun.Status.SUSPECT]
