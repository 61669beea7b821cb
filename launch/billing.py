"""Spend so far, per provider billing rule (pure: no Django).

- per_second_from_launch  (RunPod): every second since the create, because RunPod does not say
  in which state compute billing starts; counting from the create never under-reports.
- per_minute_from_running (Lambda): whole minutes, rounded up, from the first ``active`` (Lambda
  bills from "launch and passes health checks", in one-minute increments).
- per_second_from_running (Vast.ai, Replicate): every second while running.
- per_token (Together AI): what the provider reports; no time-based guess.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

WARN_FRACTION = Decimal("0.8")


def billed_seconds(rule: str, start: dt.datetime | None, end: dt.datetime) -> int:
    if start is None or rule == "per_token":
        return 0
    seconds = max(0.0, (end - start).total_seconds())
    if rule == "per_minute_from_running":
        return int(math.ceil(seconds / 60.0) * 60)
    return int(math.ceil(seconds))


def spend_usd(rule: str, start: dt.datetime | None, end: dt.datetime, usd_per_hour: Decimal,
              reported_usd: Decimal | None = None) -> Decimal:
    if rule == "per_token":
        return (reported_usd or Decimal(0)).quantize(Decimal("0.0001"))
    seconds = billed_seconds(rule, start, end)
    return (usd_per_hour * Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def starts_at_launch(rule: str) -> bool:
    return rule == "per_second_from_launch"


def budget_state(spend: Decimal, budget: Decimal) -> str:
    """"ok", "warn" (at or above 80%) or "stop" (at or above 100%)."""
    if budget <= 0:
        return "stop"
    if spend >= budget:
        return "stop"
    if spend >= budget * WARN_FRACTION:
        return "warn"
    return "ok"


def describe_rule(rule: str) -> str:
    return {
        "per_second_from_launch": "billed per second from the launch",
        "per_minute_from_running": "billed per minute once the instance passes health checks",
        "per_second_from_running": "billed per second while running",
        "per_token": "billed per token processed (as the provider reports it)",
    }.get(rule, rule)
