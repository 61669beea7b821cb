"""Writes: provider accounts, the launch template, launch (with failover), tracking, spend and the
budget stop, terminate/stop, the stray-instance sweep.

The shape of pricing.services: claim by conditional update -> talk to the provider -> record. Every
provider call uses the team's key through launch.providers.client (pricing's HTTP client), and no
message written here ever holds a key (keys only travel in the Authorization header).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from selector.formatting import hours as fmt_hours
from selector.formatting import money, rate

from . import billing, crypto
from .models import (
    LAUNCH_PROVIDERS,
    JobEvent,
    Launch,
    LaunchAttempt,
    LaunchTemplate,
    ProviderAccount,
    StrayInstance,
    TeamNotice,
)
from .providers.base import (
    CapacityError,
    InstanceState,
    LaunchError,
    LaunchRefused,
    LaunchSpec,
    NotFound,
    TransientLaunchError,
)
from .providers.client import NAMES, HttpProblem, launch_client
from .providers.registry import ADAPTERS, INSTANCE_PROVIDERS, SCRIPT_PROVIDERS

logger = logging.getLogger(__name__)

TAG_PREFIX = "cps-"
CLAIM_SECONDS = 300  # a launch claimed longer ago than this by a worker that died is reported, not retried
PRICE_MOVE_LIMIT = Decimal("0.05")


class AccountError(Exception):
    """The key was not accepted (in words; never the key)."""


class LaunchInputError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class NotConfirmed(Exception):
    """No launch without a confirmed budget: says what would be launched and what it would cost."""


# --- Provider accounts ----------------------------------------------------------------------

def account_connect(*, team, user, provider: str, api_key: str, ssh_public_key: str = "",
                    transport=None) -> ProviderAccount:
    """Check the key with a cheap authenticated call, then store it encrypted (replacing the team's
    previous key for that provider)."""
    if provider not in dict(LAUNCH_PROVIDERS):
        raise AccountError(f"Unknown provider “{provider}”; one of: {', '.join(dict(LAUNCH_PROVIDERS))}.")
    api_key = (api_key or "").strip()
    if len(api_key) < 8:
        raise AccountError("That does not look like an API key (too short).")
    name = NAMES[provider]
    method, path = ADAPTERS[provider].KEY_CHECK
    client = launch_client(provider, api_key, transport=transport)
    try:
        client.call(method, path)
    except HttpProblem as p:
        why = "refused the key" if p.status in (401, 403) else f"answered HTTP {p.status} to the key check"
        raise AccountError(f"{name} {why}. Check that you copied the whole key from the {name} console.") from None
    except LaunchRefused:
        raise AccountError(f"{name} refused the key. Check that you copied the whole key from the {name} console.") from None
    except (TransientLaunchError, LaunchError) as exc:
        raise AccountError(f"{name} could not be reached to check the key ({_words(exc)}). Try again.") from None
    except Exception as exc:  # a malformed answer must not leak anything or 500
        raise AccountError(f"{name} gave an answer we could not read ({type(exc).__name__}). Try again.") from None
    account, _ = ProviderAccount.objects.update_or_create(team=team, provider=provider, defaults={
        "api_key_encrypted": crypto.encrypt(api_key), "key_last4": crypto.last4(api_key),
        "ssh_public_key": (ssh_public_key or "").strip()[:5000], "checked_at": timezone.now(), "created_by": user,
    })
    logger.info("team %s connected a %s account (key ending %s)", team.pk, provider, account.key_last4)
    return account


def account_delete(*, account: ProviderAccount) -> None:
    account.delete()


def _words(exc: Exception) -> str:
    return str(exc)[:300]


# --- Launch template --------------------------------------------------------------------------

def template_for(team) -> LaunchTemplate:
    template, _ = LaunchTemplate.objects.get_or_create(team=team)
    return template


def env_parse(text: str) -> dict:
    """``KEY=value`` lines -> dict (blank lines and # comments ignored)."""
    env = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise LaunchInputError("env", f"line {n}: write KEY=value")
        key, value = line.split("=", 1)
        key = key.strip()
        if not key.replace("_", "").isalnum():
            raise LaunchInputError("env", f"line {n}: “{key[:40]}” is not a variable name")
        env[key] = value
    return env


def template_save(*, team, image: str, command: str, disk_gb: int, env: dict | None,
                  provider_options: dict | None = None) -> LaunchTemplate:
    """``env=None`` keeps the stored variables (pages never show their values, so an empty box
    does not mean "delete them")."""
    template = template_for(team)
    template.image = (image or "").strip() or template.image
    template.command = command or ""
    template.disk_gb = max(1, int(disk_gb or 50))
    if env is not None:
        template.env_encrypted = crypto.encrypt(json.dumps(env)) if env else ""
        template.env_names = sorted(env)
    if provider_options is not None:
        template.provider_options = provider_options
    template.save()
    return template


def _env_of(token: str) -> dict:
    return json.loads(crypto.decrypt(token)) if token else {}


# --- Quote: the offer re-checked live -------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    option_id: str
    option: dict | None  # fresh (None: gone)
    payload: dict
    shown_usd_per_hour: Decimal | None
    moved_fraction: Decimal | None
    estimate_usd: Decimal
    default_budget_usd: Decimal
    candidates: list = field(default_factory=list)
    has_account: bool = False
    dry_run: bool = False
    errors: dict = field(default_factory=dict)

    @property
    def gone(self) -> bool:
        return self.option is None or self.option.get("availability") == "unavailable"

    @property
    def moved(self) -> bool:
        return self.moved_fraction is not None and self.moved_fraction > PRICE_MOVE_LIMIT

    @property
    def usd_per_hour(self) -> Decimal:
        return _dec((self.option or {}).get("hourly_rate"))

    def note(self) -> str:
        if self.gone:
            return "That offer is gone (sold out or no longer listed): choose again."
        if self.moved:
            return (f"The price moved {self.moved_fraction * 100:.0f}% since you saw it: now "
                    f"{rate(self.usd_per_hour)} (was {rate(self.shown_usd_per_hour)}). Confirm the new price.")
        return ""

    def words(self) -> str:
        o = self.option or {}
        return (f"{o.get('gpu_count', 1)}x {o.get('gpu_type', '')} on {o.get('provider_name', o.get('provider', ''))}"
                f"{' (' + o['region'] + ')' if o.get('region') else ''} at {rate(self.usd_per_hour)}, "
                f"{fmt_hours(_dec(o.get('training_hours')))}, estimated {money(self.estimate_usd)}")


def _dec(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except (InvalidOperation, ValueError):
        return Decimal(0)


def dry_run_for(team, provider: str) -> bool:
    mode = str(getattr(settings, "LAUNCH_DRY_RUN", "auto")).lower()
    if mode in ("1", "true", "yes", "on"):
        return True
    if mode in ("0", "false", "no", "off"):
        return False
    return not ProviderAccount.objects.filter(team=team, provider=provider).exists()


def launch_quote(*, team, payload: dict, option_id: str, shown_usd_per_hour=None, refresh: bool = True) -> Quote:
    """Poll the offer's provider now (pricing's poll service), compare again, and find the offer."""
    from . import selectors

    provider = str(option_id).split(":", 1)[0]
    if refresh and provider in ADAPTERS:
        from pricing.services import poll_provider

        try:
            poll_provider(provider)
        except Exception:  # the poll records its own failure; the last good prices stay
            logger.exception("re-check poll of %s failed", provider)
    result, errors = selectors.compare(payload)
    option = selectors.find_option(result, option_id)
    shown = _dec(shown_usd_per_hour) if shown_usd_per_hour not in (None, "") else None
    moved = None
    if option is not None and shown:
        moved = (abs(_dec(option.get("hourly_rate")) - shown) / shown).quantize(Decimal("0.0001"))
    estimate = _dec((option or {}).get("total_cost")).quantize(Decimal("0.01"))
    candidates = selectors.failover_candidates(result, option, team=team) if option else []
    return Quote(option_id=str(option_id), option=option, payload=payload, shown_usd_per_hour=shown,
                 moved_fraction=moved, estimate_usd=estimate,
                 default_budget_usd=(estimate * Decimal("1.5")).quantize(Decimal("0.01")),
                 candidates=candidates,
                 has_account=ProviderAccount.objects.filter(team=team, provider=provider).exists(),
                 dry_run=dry_run_for(team, provider), errors=errors)


# --- Submit (the confirmed request) ---------------------------------------------------------

def _event(launch: Launch, kind: str, message: str, at: dt.datetime | None = None) -> None:
    JobEvent.objects.create(launch=launch, at=at or timezone.now(), kind=kind, message=message[:2000])
    logger.info("job %s %s: %s", launch.pk, kind, message[:300])


def launch_submit(*, team, user, quote: Quote, budget_usd, confirm: bool, idempotency_key: str,
                  allow_failover: bool = True, stop_at_budget: bool = False, image: str | None = None,
                  command: str | None = None, env: dict | None = None, disk_gb: int | None = None,
                  job=None, configuration: dict | None = None) -> tuple[Launch, bool]:
    """Record a confirmed launch and queue it. Returns (launch, created): the same idempotency key
    (or the same job) answers with the launch already made, never a second one."""
    key = (idempotency_key or "").strip()[:80]
    if not key:
        raise LaunchInputError("idempotency_key", "an idempotency key is required")
    existing = Launch.objects.filter(team=team, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    if job is not None and Launch.objects.filter(pk=job.pk).exists():
        return Launch.objects.get(pk=job.pk), False
    if quote.gone:
        raise LaunchInputError("option_id", quote.note())
    option = quote.option
    if option["provider"] in SCRIPT_PROVIDERS or option["provider"] not in ADAPTERS:
        raise LaunchInputError("option_id", f"{option.get('provider_name', option['provider'])} has no launch API: "
                                            "use the generated script on the job page")
    budget = _dec(budget_usd) if budget_usd not in (None, "") else None
    if not confirm:
        raise NotConfirmed(f"Would launch {quote.words()}; budget {money(budget or quote.default_budget_usd)}. "
                           "Send confirm: true to launch.")
    if budget is None or budget <= 0:
        raise LaunchInputError("budget_usd", "a budget (maximum USD, above 0) must be confirmed before a launch")
    template = template_for(team)
    provider = option["provider"]
    try:
        with transaction.atomic():  # the job and its launch together, or neither
            if job is None:
                from wizard.services import job_create

                job = job_create(user=user, team=team, configuration=configuration or {}, chosen=option,
                                 recommended=None, estimate=None, selection_id=None)
            launch = Launch.objects.create(
                job=job, team=team, created_by=user, idempotency_key=key, provider=provider,
                provider_sku=str(option.get("provider_sku") or ""), region=str(option.get("region") or ""),
                gpu_count=int(option.get("gpu_count") or 1), option=option, candidates=quote.candidates,
                usd_per_hour=quote.usd_per_hour, training_hours=_dec(option.get("training_hours")).quantize(Decimal("0.01")),
                estimate_usd=quote.estimate_usd, budget_usd=budget.quantize(Decimal("0.01")),
                allow_failover=bool(allow_failover), stop_at_budget=bool(stop_at_budget) and bool(ADAPTERS[provider].CAN_STOP),
                image=(image or template.image), command=template.command if command is None else command,
                env_encrypted=(crypto.encrypt(json.dumps(env)) if env else "") if env is not None else template.env_encrypted,
                disk_gb=int(disk_gb or template.disk_gb), dry_run=dry_run_for(team, provider),
            )
            _event(launch, "requested", f"Launch requested by {user.get_username()}: {quote.words()}; budget "
                                        f"{money(launch.budget_usd)}" + (f"; failover allowed (up to {max_attempts()} offers)"
                                                                        if launch.allow_failover else "; no failover")
                   + (" — DRY RUN: nothing will be started" if launch.dry_run else ""))
            pk = launch.pk
            transaction.on_commit(lambda: enqueue("launch.tasks.launch_job", pk))
    except IntegrityError:  # a concurrent request with the same key (or for the same job) won
        winner = Launch.objects.filter(team=team, idempotency_key=key).first()
        return (winner or Launch.objects.get(pk=job.pk)), False
    return launch, True


def enqueue(task_name: str, *args) -> None:
    """Queue a task; with the broker down the periodic tracker picks unclaimed launches up."""
    from config.celery import app

    try:
        app.send_task(task_name, args=args, retry=False)
    except Exception as exc:
        logger.warning("could not queue %s%s (%s); the tracker's next pass does it", task_name, args, exc)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "LAUNCH_MAX_ATTEMPTS", 3)))


# --- Execute: claim, then try offers in order ---------------------------------------------------

def _client_for(launch: Launch, provider: str, transport=None):
    account = ProviderAccount.objects.filter(team_id=launch.team_id, provider=provider).first()
    if account is None:
        return None, None
    return account, launch_client(provider, account.reveal_api_key(), transport=transport)


def _spec(launch: Launch, offer: dict, tag: str, account: ProviderAccount) -> LaunchSpec:
    template = LaunchTemplate.objects.filter(team_id=launch.team_id).first()
    options = ((template.provider_options if template else {}) or {}).get(offer["provider"], {})
    return LaunchSpec(tag=tag, provider_sku=str(offer.get("provider_sku") or ""), region=str(offer.get("region") or ""),
                      gpu_count=int(offer.get("gpu_count") or 1), usd_per_hour=_dec(offer.get("hourly_rate")),
                      interruptible=bool(offer.get("interruptible")), image=launch.image, command=launch.command,
                      env=_env_of(launch.env_encrypted), disk_gb=launch.disk_gb,
                      ssh_public_key=account.ssh_public_key if account else "", options=options,
                      training_hours=launch.training_hours)


def _offer_words(offer: dict) -> str:
    return (f"{offer.get('gpu_count', 1)}x {offer.get('gpu_type', '')} on {NAMES.get(offer['provider'], offer['provider'])}"
            + (f" ({offer['region']})" if offer.get("region") else "") + f" at {rate(_dec(offer.get('hourly_rate')))}")


def _cleanup(adapter, client, tag: str) -> list[str]:
    """Terminate whatever an attempt may have half-created, found by its exact tag."""
    removed = []
    try:
        for inst in adapter.tagged(client, tag):
            if inst.name == tag:
                adapter.terminate(client, inst.instance_id)
                removed.append(inst.instance_id)
    except Exception as exc:
        logger.warning("cleanup of %s could not list or terminate (%s); the sweep will show it", tag, type(exc).__name__)
    return removed


def launch_execute(*, job_id: int, transport=None) -> Launch | None:
    """Claim the launch (once, ever) and try its offers. Returns None when it was not ours to do."""
    token = uuid.uuid4().hex
    now = timezone.now()
    if not Launch.objects.filter(pk=job_id, status=Launch.Status.LAUNCHING, claim_token="").update(
            claim_token=token, claimed_at=now):
        return None
    launch = Launch.objects.select_related("team").get(pk=job_id)
    if launch.terminate_requested_at:
        return _close(launch, Launch.Status.TERMINATED, "terminated before it started")
    offers = [launch.option] + (list(launch.candidates) if launch.allow_failover else [])
    if launch.dry_run:
        body = _spec(launch, launch.option, f"{TAG_PREFIX}{launch.pk}-1", None)
        LaunchAttempt.objects.create(launch=launch, number=1, provider=launch.provider, provider_sku=launch.provider_sku,
                                     region=launch.region, usd_per_hour=launch.usd_per_hour,
                                     outcome=LaunchAttempt.Outcome.DRY_RUN)
        _event(launch, "dry_run", f"Dry run: would launch {_offer_words(launch.option)} with image {body.image}, "
                                  f"disk {body.disk_gb} GB, env {', '.join(sorted(body.env)) or 'none'} "
                                  "(LAUNCH_DRY_RUN; connect an account to launch for real)")
        return _close(launch, Launch.Status.FINISHED, "dry run: nothing was launched")
    failures = []
    for n, offer in enumerate(offers[:max_attempts()], 1):
        provider = offer["provider"]
        adapter = ADAPTERS.get(provider)
        account, client = _client_for(launch, provider, transport)
        attempt = dict(launch=launch, number=n, provider=provider, provider_sku=str(offer.get("provider_sku") or ""),
                       region=str(offer.get("region") or ""), usd_per_hour=_dec(offer.get("hourly_rate")))
        if adapter is None or client is None:
            msg = f"the team has no {NAMES.get(provider, provider)} account connected"
            LaunchAttempt.objects.create(outcome=LaunchAttempt.Outcome.FAILED, error=msg, **attempt)
            _event(launch, "attempt_failed", f"Attempt {n}: {_offer_words(offer)} skipped: {msg}.")
            failures.append(msg)
            continue
        tag = f"{TAG_PREFIX}{launch.pk}-{n}"
        try:
            launched = adapter.launch(client, _spec(launch, offer, tag, account))
        except CapacityError as exc:
            removed = _cleanup(adapter, client, tag)
            LaunchAttempt.objects.create(outcome=LaunchAttempt.Outcome.CAPACITY, error=_words(exc), **attempt)
            _event(launch, "attempt_capacity", f"Attempt {n}: {_offer_words(offer)}: no capacity — {_words(exc)}"
                   + (f" (cleaned up {', '.join(removed)})" if removed else "")
                   + ("; trying the next-best offer." if launch.allow_failover and n < min(len(offers), max_attempts()) else "."))
            failures.append(_words(exc))
            continue
        except LaunchRefused as exc:
            LaunchAttempt.objects.create(outcome=LaunchAttempt.Outcome.FAILED, error=_words(exc), **attempt)
            _event(launch, "attempt_failed", f"Attempt {n}: {_offer_words(offer)}: {_words(exc)}. Fix: {exc.fix}")
            return _close(launch, Launch.Status.FAILED, f"{_words(exc)}. {exc.fix}"[:300])
        except (TransientLaunchError, LaunchError, Exception) as exc:  # noqa: B014 (the order says what is meant)
            removed = _cleanup(adapter, client, tag)
            words = _words(exc) if isinstance(exc, LaunchError) else f"unexpected answer ({type(exc).__name__})"
            LaunchAttempt.objects.create(outcome=LaunchAttempt.Outcome.FAILED, error=words, **attempt)
            _event(launch, "attempt_failed", f"Attempt {n}: {_offer_words(offer)}: provider error — {words}"
                   + (f" (cleaned up {', '.join(removed)})" if removed else ""))
            failures.append(words)
            if not launch.allow_failover:
                break
            continue
        LaunchAttempt.objects.create(outcome=LaunchAttempt.Outcome.SUCCEEDED, instance_id=launched.instance_id, **attempt)
        now = timezone.now()
        rule = adapter.BILLING
        Launch.objects.filter(pk=launch.pk).update(
            status=Launch.Status.RUNNING if launched.status == "running" else Launch.Status.PROVISIONING,
            provider=provider, provider_sku=attempt["provider_sku"], region=attempt["region"],
            gpu_count=int(offer.get("gpu_count") or 1), option=offer, usd_per_hour=attempt["usd_per_hour"],
            account=account, instance_id=launched.instance_id, provider_status=launched.provider_status,
            connection=launched.connection, billing_started_at=now if billing.starts_at_launch(rule) else None,
            stop_at_budget=launch.stop_at_budget and bool(adapter.CAN_STOP),
        )
        _event(launch, "launched", f"Launched {_offer_words(offer)}: instance {launched.instance_id} "
                                   f"({billing.describe_rule(rule)}).")
        launch.refresh_from_db()
        if launch.terminate_requested_at:
            return launch_terminate(launch=launch, reason="terminate was asked for while launching", transport=transport)
        return launch
    reason = ("No offer could be launched: " + "; ".join(failures))[:300] if failures else "No offer to try."
    return _close(launch, Launch.Status.FAILED, reason)


def _close(launch: Launch, status: str, reason: str, *, at: dt.datetime | None = None) -> Launch:
    at = at or timezone.now()
    Launch.objects.filter(pk=launch.pk).update(status=status, ended_at=at, end_reason=reason[:300])
    _event(launch, status, f"{Launch.Status(status).label}: {reason}", at=at)
    launch.refresh_from_db()
    if status == Launch.Status.FAILED:  # nobody may be watching the page: the team is told
        started = launch.started_at is not None
        notify_team(team=launch.team, launch=launch,
                    title=f"Job #{launch.pk} {'failed' if started else 'could not be launched'}",
                    body=f"{_offer_words(launch.option)}: {reason[:300]}")
    if launch.started_at and launch.status in (Launch.Status.FINISHED, Launch.Status.TERMINATED):
        hours = Decimal((at - launch.started_at).total_seconds()) / Decimal(3600)
        Launch.objects.filter(pk=launch.pk).update(measured_hours=hours.quantize(Decimal("0.0001")))
        launch.refresh_from_db()
    return launch


# --- Tracking ---------------------------------------------------------------------------------

def launch_track(*, job_id: int, transport=None, now: dt.datetime | None = None) -> Launch | None:
    """One status poll of a live job: status, connection, spend, budget (80% notice, 100% stop)."""
    launch = Launch.objects.select_related("team").filter(pk=job_id).first()
    if launch is None or launch.status not in (Launch.Status.PROVISIONING, Launch.Status.RUNNING):
        return launch
    now = now or timezone.now()
    adapter = ADAPTERS[launch.provider]
    account, client = _client_for(launch, launch.provider, transport)
    if client is None:
        _event(launch, "tracking", "The provider account was disconnected: the job can no longer be followed "
                                   "or terminated from here. Check the provider's console.")
        return _close(launch, Launch.Status.FAILED, "provider account disconnected while the job ran", at=now)
    try:
        state = adapter.status(client, launch.instance_id)
    except NotFound:
        _update_spend(launch, adapter, now, None)
        return _close(launch, Launch.Status.TERMINATED, "ended on the provider's side (the instance is gone)", at=now)
    except LaunchError as exc:
        Launch.objects.filter(pk=launch.pk).update(last_polled_at=now)
        logger.warning("status of job %s: %s", launch.pk, _words(exc))
        return launch
    changes = {"last_polled_at": now, "provider_status": state.provider_status}
    if state.connection:
        changes["connection"] = state.connection
    if state.status == "running" and launch.status != Launch.Status.RUNNING:
        changes.update(status=Launch.Status.RUNNING, started_at=launch.started_at or now)
        if launch.billing_started_at is None:
            changes["billing_started_at"] = now
        _event(launch, "running", f"Running ({state.provider_status})" +
               (f"; connect with: {state.connection['ssh']}" if state.connection.get("ssh") else ""), at=now)
    if state.tokens_per_second:
        changes["tokens_per_second"] = state.tokens_per_second
    Launch.objects.filter(pk=launch.pk).update(**changes)
    launch.refresh_from_db()
    _update_spend(launch, adapter, now, state)
    if state.status in ("finished", "failed", "terminated"):
        status = {"finished": Launch.Status.FINISHED, "failed": Launch.Status.FAILED,
                  "terminated": Launch.Status.TERMINATED}[state.status]
        return _close(launch, status, f"ended on the provider's side ({state.provider_status})", at=now)
    return _budget_check(launch, adapter, client, now, transport)


def _update_spend(launch: Launch, adapter, now: dt.datetime, state: InstanceState | None) -> None:
    spend = billing.spend_usd(adapter.BILLING, launch.billing_started_at, now, launch.usd_per_hour,
                              state.spend_usd if state else None)
    # Spend only grows: a terminate from a page whose clock is behind the tracker's (another host), or
    # a provider answer without a figure, must not take back what was already billed.
    if spend > launch.spend_usd:
        Launch.objects.filter(pk=launch.pk, spend_usd__lt=spend).update(spend_usd=spend)
        launch.spend_usd = spend


def _budget_check(launch: Launch, adapter, client, now, transport) -> Launch:
    verdict = billing.budget_state(launch.spend_usd, launch.budget_usd)
    if verdict == "stop":
        return launch_terminate(launch=launch, reason="budget reached", stop=launch.stop_at_budget,
                                transport=transport, now=now)
    if verdict == "warn" and Launch.objects.filter(pk=launch.pk, budget_warned_at__isnull=True).update(budget_warned_at=now):
        title = f"Job #{launch.pk} has used 80% of its budget"
        body = (f"{_offer_words(launch.option)} has spent {money(launch.spend_usd)} of its {money(launch.budget_usd)} "
                f"budget. At 100% it is {'stopped' if launch.stop_at_budget else 'terminated'}.")
        _event(launch, "budget_warning", body, at=now)
        notify_team(team=launch.team, launch=launch, title=title, body=body)
    return launch


def notify_team(*, team, launch: Launch | None, title: str, body: str) -> None:
    """In-app notice for the team, and an e-mail to every member with an address (as price alerts do)."""
    url = reverse("launch:job", args=[launch.pk]) if launch else reverse("launch:jobs")
    TeamNotice.objects.create(team=team, launch=launch, title=title[:200], body=body, url=url, created_at=timezone.now())
    emails = [e for e in team.memberships.values_list("user__email", flat=True) if e]
    if emails:
        def send():
            try:
                send_mail(title, f"{body}\n\nJob: {url}\n", settings.DEFAULT_FROM_EMAIL, emails)
            except Exception:
                logger.exception("budget notice e-mail for job %s failed", launch.pk if launch else "-")
        transaction.on_commit(send)


def launch_terminate(*, launch: Launch, reason: str, stop: bool = False, by=None, transport=None,
                     now: dt.datetime | None = None) -> Launch:
    """Terminate (or stop, where the provider can) a live job; a job not yet launched is cancelled."""
    now = now or timezone.now()
    who = f" by {by.get_username()}" if by is not None else ""
    if launch.status == Launch.Status.LAUNCHING:
        if Launch.objects.filter(pk=launch.pk, status=Launch.Status.LAUNCHING, claim_token="").update(
                status=Launch.Status.TERMINATED, ended_at=now, end_reason=reason[:300]):
            _event(launch, "terminated", f"Terminated{who} before it started: {reason}", at=now)
        else:  # the launcher is at work: it terminates what it starts
            Launch.objects.filter(pk=launch.pk).update(terminate_requested_at=now)
            _event(launch, "terminate_requested", f"Terminate asked{who} while launching; done as soon as it starts.", at=now)
        launch.refresh_from_db()
        return launch
    if launch.status not in (Launch.Status.PROVISIONING, Launch.Status.RUNNING):
        return launch
    adapter = ADAPTERS[launch.provider]
    account, client = _client_for(launch, launch.provider, transport)
    if client is None:
        raise LaunchRefused("The provider account was disconnected", "Terminate the instance in the provider's console.")
    use_stop = stop and adapter.stop is not None
    (adapter.stop if use_stop else adapter.terminate)(client, launch.instance_id)
    _update_spend(launch, adapter, now, None)
    verb = "stopped" if use_stop else "terminated"
    if reason == "budget reached":
        notify_team(team=launch.team, launch=launch, title=f"Job #{launch.pk} {verb}: budget reached",
                    body=f"{_offer_words(launch.option)} reached its {money(launch.budget_usd)} budget "
                         f"(spent {money(launch.spend_usd)}) and was {verb}.")
    return _close(launch, Launch.Status.TERMINATED, reason if not use_stop else f"{reason} (stopped)", at=now)


def launch_record_throughput(*, launch: Launch, tokens_per_second: float) -> None:
    Launch.objects.filter(pk=launch.pk).update(tokens_per_second=tokens_per_second)
    _event(launch, "throughput", f"Throughput reported: {tokens_per_second:,.0f} tokens/s")


class CalibrationUnavailable(Exception):
    """The run cannot calibrate the estimator (in words: what is missing)."""


def calibration_workload(launch: Launch) -> dict:
    """The estimator's workload for this run with its measurement: the throughput reported (by the
    user or the job's logs), else the measured duration, on the GPUs it ran on."""
    from wizard.selectors import workload_payload

    workload = workload_payload(launch.job.configuration or {})
    gpu_slug = str((launch.option or {}).get("gpu_slug") or "")
    if not workload.get("model_params_b") or not gpu_slug:
        raise CalibrationUnavailable("Calibration needs the job's workload (a job planned in the wizard: model size, "
                                     "method, tokens) and the GPU it ran on.")
    if launch.status not in (Launch.Status.FINISHED, Launch.Status.TERMINATED) or launch.dry_run:
        raise CalibrationUnavailable("Calibration needs a run that has ended (not a dry run).")
    for name in ("measured_tokens_per_second", "measured_hours", "measured_gpu_type", "measured_gpu_count"):
        workload.pop(name, None)
    if launch.tokens_per_second:
        workload["measured_tokens_per_second"] = float(launch.tokens_per_second)
    elif launch.measured_hours:
        workload["measured_hours"] = float(launch.measured_hours)
    else:
        raise CalibrationUnavailable("Calibration needs the run's measured duration or its throughput "
                                     "(record the tokens per second it reached).")
    workload["measured_gpu_type"] = gpu_slug
    workload["measured_gpu_count"] = int(launch.gpu_count or 1)
    return workload


@transaction.atomic
def launch_calibrate(*, launch: Launch, by=None) -> float:
    """One click: keep this run's measured throughput where the estimator's calibration reads it (the
    job's measured throughput, wizard.services.job_record_throughput), so step 1 of the wizard offers
    it first and every new estimate on that GPU starts from it. A measured duration becomes the
    throughput the estimator derives from it (its own calibration from measured hours). Returns
    tokens/s over all the run's GPUs."""
    from wizard.selectors import run_estimate
    from wizard.services import job_record_throughput

    workload = calibration_workload(launch)
    slug, count = workload["measured_gpu_type"], workload["measured_gpu_count"]
    if "measured_tokens_per_second" in workload:
        tps = workload["measured_tokens_per_second"]
    else:
        est = run_estimate(workload, gpu_count=count, gpu_type=slug)
        row = next((r for r in (est.result or {}).get("estimates", []) if r.get("gpu_type") == slug), None)
        if est.errors or row is None or not row.get("tokens_per_second"):
            raise CalibrationUnavailable("The estimator could not use this run's workload.")
        tps = float(row["tokens_per_second"])
    job_record_throughput(job=launch.job, tokens_per_second=tps, gpu_slug=slug, gpu_count=count)
    who = f" by {by.get_username()}" if by is not None else ""
    _event(launch, "calibrated", f"Estimator calibrated{who}: {tps:,.0f} tokens/s on {count}x {slug} "
                                 f"(from {'the reported throughput' if launch.tokens_per_second else 'the measured duration'}).")
    return tps


def track_live(*, transport=None) -> int:
    """The periodic pass: start launches nobody claimed (a lost queue message), report launches whose
    worker died mid-launch, and poll every live job at most once per interval."""
    now = timezone.now()
    interval = dt.timedelta(seconds=max(1, int(getattr(settings, "LAUNCH_TRACK_INTERVAL_SECONDS", 15))) * 0.8)
    for pk in Launch.objects.filter(status=Launch.Status.LAUNCHING, claim_token="",
                                    created_at__lt=now - dt.timedelta(seconds=10)).values_list("pk", flat=True):
        launch_execute(job_id=pk, transport=transport)
    for launch in Launch.objects.filter(status=Launch.Status.LAUNCHING, claimed_at__lt=now - dt.timedelta(seconds=CLAIM_SECONDS)).exclude(claim_token=""):
        # Never retried (it might have launched): the sweep lists anything it left.
        _close(launch, Launch.Status.FAILED, "the launcher stopped mid-launch; check the stray instances list")
    n = 0
    for pk in Launch.objects.filter(status__in=(Launch.Status.PROVISIONING, Launch.Status.RUNNING)).values_list("pk", flat=True):
        last = Launch.objects.filter(pk=pk).values_list("last_polled_at", flat=True).first()
        if last and now - last < interval:
            continue
        launch_track(job_id=pk, transport=transport)
        n += 1
    return n


# --- Sweep: tagged instances without a live job ------------------------------------------------

def sweep_strays(*, transport=None) -> int:
    """List tagged instances on every team account that no live job owns; record them for a person
    to decide (never terminated silently). Returns how many are open."""
    now = timezone.now()
    for account in ProviderAccount.objects.filter(provider__in=INSTANCE_PROVIDERS):
        adapter = ADAPTERS[account.provider]
        client = launch_client(account.provider, account.reveal_api_key(), transport=transport)
        try:
            found = adapter.tagged(client, TAG_PREFIX)
        except Exception as exc:
            logger.warning("sweep of %s account %s failed (%s)", account.provider, account.pk, type(exc).__name__)
            continue
        live = set(Launch.objects.filter(account=account, status__in=Launch.LIVE).values_list("instance_id", flat=True))
        for inst in found:
            if inst.instance_id in live:
                continue
            StrayInstance.objects.update_or_create(account=account, instance_id=inst.instance_id, defaults={
                "name": inst.name[:200], "provider_status": inst.provider_status[:40], "seen_at": now})
    return StrayInstance.objects.filter(state=StrayInstance.State.OPEN).count()


def stray_terminate(*, stray: StrayInstance, transport=None) -> None:
    adapter = ADAPTERS[stray.account.provider]
    client = launch_client(stray.account.provider, stray.account.reveal_api_key(), transport=transport)
    adapter.terminate(client, stray.instance_id)
    StrayInstance.objects.filter(pk=stray.pk).update(state=StrayInstance.State.TERMINATED)


def stray_keep(*, stray: StrayInstance) -> None:
    StrayInstance.objects.filter(pk=stray.pk).update(state=StrayInstance.State.KEPT)


def rotate_secrets() -> int:
    """Re-encrypt every stored secret with the first FIELD_ENCRYPTION_KEY (see README)."""
    n = 0
    for account in ProviderAccount.objects.all():
        ProviderAccount.objects.filter(pk=account.pk).update(api_key_encrypted=crypto.rotate(account.api_key_encrypted))
        n += 1
    for template in LaunchTemplate.objects.exclude(env_encrypted=""):
        LaunchTemplate.objects.filter(pk=template.pk).update(env_encrypted=crypto.rotate(template.env_encrypted))
        n += 1
    for launch in Launch.objects.exclude(env_encrypted=""):
        Launch.objects.filter(pk=launch.pk).update(env_encrypted=crypto.rotate(launch.env_encrypted))
        n += 1
    return n
