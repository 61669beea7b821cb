"""Reads: the comparison a launch is priced from, failover order, a team's jobs, accounts and
notices, and launch outcomes per offer (shown on the compare pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from teams.selectors import team_for_member

from .models import JobEvent, Launch, LaunchAttempt, ProviderAccount, StrayInstance, TeamNotice
from .providers.registry import INSTANCE_PROVIDERS


def compare(payload: dict) -> tuple[dict | None, dict]:
    """The same comparison the wizard and the API run (one place to follow it when it moves)."""
    from wizard.selectors import run_comparison

    outcome = run_comparison(payload)
    return outcome.result, outcome.errors


def find_option(result: dict | None, option_id: str) -> dict | None:
    for o in (result or {}).get("options", []):
        if str(o.get("id")) == str(option_id):
            return o
    return None


def failover_candidates(result: dict | None, chosen: dict, *, team, limit: int = 10) -> list[dict]:
    """Next-best offers that meet the same job: the same GPU and count elsewhere first, then other
    GPUs; only instance providers the team has an account on (or every one in a dry run)."""
    accounts = set(ProviderAccount.objects.filter(team=team).values_list("provider", flat=True))
    out = []
    for o in (result or {}).get("options", []):
        if o.get("id") == chosen.get("id") or o.get("provider") not in INSTANCE_PROVIDERS:
            continue
        if o.get("availability") == "unavailable" or (accounts and o.get("provider") not in accounts):
            continue
        if bool(o.get("interruptible")) and not bool(chosen.get("interruptible")):
            continue
        out.append(o)
    same = [o for o in out if o.get("gpu_slug") == chosen.get("gpu_slug") and o.get("gpu_count") == chosen.get("gpu_count")]
    other = [o for o in out if o not in same]
    by_cost = lambda o: (float(o.get("total_cost") or 0), str(o.get("id")))  # noqa: E731
    return (sorted(same, key=by_cost) + sorted(other, key=by_cost))[:limit]


def option_from_id(option_id: str) -> dict:
    """``provider:sku:region:count`` (compare-costs ids) -> its parts (the sku may hold colons)."""
    parts = str(option_id).split("~")[0].split(":")
    if len(parts) < 4:
        return {}
    try:
        count = int(parts[-1])
    except ValueError:
        return {}
    return {"provider": parts[0], "provider_sku": ":".join(parts[1:-2]), "region": parts[-2], "gpu_count": count}


def accounts_of(team) -> list[ProviderAccount]:
    return list(ProviderAccount.objects.filter(team=team).order_by("provider"))


def parse_id(pk) -> int | None:
    """A database id, or None for anything a BIGINT cannot hold (a 404, never an overflow)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def launch_for_member(user, pk) -> Launch | None:
    """A launched job when the user is in its team (else None: 404)."""
    pk = parse_id(pk)
    if pk is None or not getattr(user, "is_authenticated", False):
        return None
    launch = Launch.objects.select_related("team", "job", "account").filter(pk=pk).first()
    if launch is None or team_for_member(user, launch.team_id) is None:
        return None
    return launch


def job_for_member(user, pk):
    """A wizard job the user may launch: in one of their teams (or theirs, from before teams). The
    same rule as the job pages (wizard.selectors.job_for_member)."""
    from wizard.selectors import job_for_member as wizard_job_for_member

    return wizard_job_for_member(user, pk)


def launches_of(team, limit: int = 100) -> list[Launch]:
    return list(Launch.objects.filter(team=team).select_related("job").order_by("-created_at")[:limit])


def events_of(launch: Launch) -> list[JobEvent]:
    return list(launch.events.all())


def attempts_of(launch: Launch) -> list[LaunchAttempt]:
    return list(launch.attempts.all())


def notices_of(team, limit: int = 20) -> list[TeamNotice]:
    return list(TeamNotice.objects.filter(team=team)[:limit])


def strays_of(team) -> list[StrayInstance]:
    return list(StrayInstance.objects.filter(account__team=team, state=StrayInstance.State.OPEN).select_related("account"))


def outcomes_this_week(now: dt.datetime | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """(provider, provider_sku) -> (launched, tried) over the last 7 days (dry runs not counted)."""
    since = (now or timezone.now()) - dt.timedelta(days=7)
    rows = (LaunchAttempt.objects.filter(created_at__gte=since).exclude(outcome=LaunchAttempt.Outcome.DRY_RUN)
            .values("provider", "provider_sku")
            .annotate(tried=Count("id"), ok=Count("id", filter=Q(outcome=LaunchAttempt.Outcome.SUCCEEDED))))
    return {(r["provider"], r["provider_sku"]): (r["ok"], r["tried"]) for r in rows}


def outcome_words(outcomes: dict, option: dict) -> str:
    ok_tried = outcomes.get((option.get("provider"), str(option.get("provider_sku") or "")))
    if not ok_tried:
        return ""
    ok, tried = ok_tried
    return f"launched {ok} of {tried} time{'s' if tried != 1 else ''} this week"


def actual_vs_estimate(launch: Launch) -> dict:
    diff = launch.spend_usd - launch.estimate_usd
    pct = (diff / launch.estimate_usd * 100) if launch.estimate_usd else None
    return {"estimate": launch.estimate_usd, "actual": launch.spend_usd.quantize(Decimal("0.01")),
            "diff": diff.quantize(Decimal("0.01")), "pct": round(float(pct), 1) if pct is not None else None}
