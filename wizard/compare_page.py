"""The compare page's read model: the answer to the page's typed question (``selector.compare.
compare_costs``, the function the API view calls, serialised once by the API's ``compare_answer_dict``)
shaped for the templates: column sorts, regions folded under their cheapest row, "why is the list
empty" with the undoing links, savings and the choice against the recommendation in words, the
freshness panel, the applied filters in a few words. Numbers are written by ``selector.formatting``;
nothing here prices anything. Shared by /compare/ and wizard step 2."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder

from selector.formatting import age, days_old, dec, hours, money
from selector.query import CompareQuery

AVAILABILITY = {
    # level: (emoji, word, what it means) - the product document's indicators.
    "high": ("🟢", "High", "Instances readily available"),
    "medium": ("🟡", "Medium", "Limited availability"),
    "low": ("🟠", "Low", "Very limited availability"),
    "unavailable": ("🔴", "Unavailable", "No instances currently available"),
}
# Availability the provider did not report (built-in lists, APIs without stock data) is shown as the
# provider's typical level with these words, on every page.
TYPICAL_WORDS = "typical, not live"
TYPICAL_MEANING = "the provider's usual level; it did not report stock for this offer"
_AVAILABILITY_RANK = {"high": 0, "medium": 1, "low": 2, "unavailable": 3}


def jsonable(value):
    """Decimals and datetimes as strings, so answers can live in the session and JSONFields."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


@dataclass
class CompareOutcome:
    """An answer as the templates read it (the API's JSON shape), the errors that stopped it (by
    field), and the question as the API's JSON body (what the history records)."""

    result: dict | None
    errors: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)

    @property
    def options(self) -> list[dict]:
        return (self.result or {}).get("options", [])


def compare(query: CompareQuery) -> CompareOutcome:
    """The pages' comparison: the typed question answered by ``selector.compare.compare_costs``, the
    function the POST /api/cloud/compare-costs view calls, serialised as that view does, so pages
    and API agree."""
    from selector.api.serializers import compare_answer_dict
    from selector.compare import compare_costs

    return CompareOutcome(jsonable(compare_answer_dict(compare_costs(query))), {}, query.to_body())


def run_comparison(body: dict) -> CompareOutcome:
    """A comparison from a compare-costs JSON body that comes from outside the pages' forms (a
    stored history request a launch re-prices, a launch API call): validated by the API's serializer,
    whose errors come back by field, then the same ``compare``."""
    from selector.api.serializers import CompareCostsInputSerializer

    ser = CompareCostsInputSerializer(data=body)
    if not ser.is_valid():
        return CompareOutcome(None, jsonable(ser.errors), body)
    return compare(ser.query())


def summary_option(result: dict | None, key: str) -> dict | None:
    """summary.cheapest / fastest / recommended / local as an option dict (or None)."""
    value = ((result or {}).get("summary") or {}).get(key)
    if value is None or isinstance(value, dict):
        return value
    return find_option(result, value)

def find_option(result: dict | None, option_id: str) -> dict | None:
    for o in (result or {}).get("options", []):
        if str(o.get("id")) == str(option_id):
            return o
    return None

# --- Presentation ----------------------------------------------------------------------------

def _column_key(name: str):
    def setup_max(o):
        s = o.get("setup_minutes") or {}
        return s.get("max") or 0

    keys = {
        "provider": lambda o: (o.get("provider_name") or o.get("provider") or "").lower(),
        "gpu": lambda o: (o.get("gpu_type") or "").lower(),
        "tier": lambda o: (o.get("tier") or "").lower(),
        "count": lambda o: o.get("gpu_count") or 0,
        "memory": lambda o: o.get("gpu_memory_gb") or 0,
        "rate": lambda o: dec(o.get("hourly_rate")) or Decimal(0),
        "hours": lambda o: dec(o.get("training_hours")) or Decimal(0),
        "total": lambda o: dec(o.get("total_cost")) or Decimal(0),
        "setup": setup_max,
        "availability": lambda o: _AVAILABILITY_RANK.get(o.get("availability"), 9),
        "region": lambda o: (o.get("region") or "").lower(),
    }
    return keys[name]


def sort_by_column(options: list[dict], order: str) -> list[dict]:
    """Re-sort by a table column ("total", "-rate"...); ties keep the engine's order."""
    if not order:
        return list(options)
    name = order.lstrip("-")
    key = _column_key(name)
    return sorted(options, key=key, reverse=order.startswith("-"))


@dataclass
class OptionGroup:
    """One offer (provider, SKU, GPU count) with its regions folded under its cheapest row."""

    primary: dict
    others: list[dict]

    @property
    def regions(self) -> list[dict]:
        return [self.primary, *self.others]


def fold_regions(options: list[dict]) -> list[OptionGroup]:
    groups: dict[tuple, OptionGroup] = {}
    order: list[tuple] = []
    for o in options:
        key = (o.get("provider"), o.get("provider_sku") or o.get("gpu_type"), o.get("gpu_count"),
               bool(o.get("interruptible")), o.get("source") == "local")
        if o.get("source") == "local" or key not in groups:
            key = key if key not in groups else (*key, o.get("id"))
            groups[key] = OptionGroup(o, [])
            order.append(key)
            continue
        g = groups[key]
        if (dec(o.get("total_cost")) or 0) < (dec(g.primary.get("total_cost")) or 0):
            g.others.insert(0, g.primary)
            g.primary = o
        else:
            g.others.append(o)
    return [groups[k] for k in order]


def finish_hours(o: dict) -> float:
    setup = (o.get("setup_minutes") or {}).get("max") or 0
    return float(dec(o.get("training_hours")) or 0) + setup / 60


def compare_to_recommended(chosen: dict, recommended: dict | None) -> str:
    """"$4.20 more than the recommended option, finishes 2 h sooner"."""
    if not recommended:
        return "there is no recommended option to compare with"
    if str(chosen.get("id")) == str(recommended.get("id")):
        return "this is the recommended option"
    diff = (dec(chosen.get("total_cost")) or 0) - (dec(recommended.get("total_cost")) or 0)
    if diff > 0:
        cost = f"{money(abs(diff))} more than the recommended option"
    elif diff < 0:
        cost = f"{money(abs(diff))} less than the recommended option"
    else:
        cost = "the same cost as the recommended option"
    t = finish_hours(chosen) - finish_hours(recommended)
    if abs(t) < 1 / 60:
        when = "finishes at about the same time"
    elif t < 0:
        when = f"finishes {hours(t)} sooner"
    else:
        when = f"finishes {hours(t)} later"
    return f"{cost}, {when}"

FILTER_LABELS = {
    "memory": "minimum memory", "provider": "providers", "gpu_type": "GPU type", "gpu_count": "GPU count",
    "region": "region", "continent": "continent", "unavailable": "'include unavailable options' is off",
    "does_not_fit": "the job does not fit in the GPU's memory",
}
# The change that brings options back for each filter: (label, form changes). The wizard's job
# fields (GPU count, the job itself) are changed on step 1 instead.
FIXES = {
    "gpu_count": ("Any GPU count (whatever fits)", {"gpu_count": None}),
    "memory": ("Clear the minimum memory", {"min_memory_gb": None}),
    "gpu_type": ("Any GPU type", {"gpu_type": ""}),
    "provider": ("All providers", {"providers": []}),
    "region": ("Any region", {"region": ""}),
    "continent": ("Anywhere", {"continent": ""}),
    "unavailable": ("Include unavailable options", {"include_unavailable": True}),
}
WIZARD_JOB_FIXES = {
    "gpu_count": "Use more GPUs: leave the GPU count empty (whatever fits)",
    "does_not_fit": "Use more GPUs or QLoRA: change the job",
}


@dataclass
class EmptyAdvice:
    kind: str  # memory | backend | filters
    advice: list[str]
    filters: list[str]
    removed_by: str = ""  # "The GPU count (2) removed 87 options." - the filter that emptied the list
    fixes: list[dict] = field(default_factory=list)  # [{"label", "url"}]: the change that brings options back


def empty_advice(result: dict | None, cleaned: dict | None = None, link=None, *, job_url: str = "") -> EmptyAdvice | None:
    """Why no option is listed: the filter that removed the options (by count), the product
    document's troubleshooting advice for that case, and links that undo it. ``link(changes)`` builds
    the page URL with the form changed; ``job_url`` (wizard) is where job fields are changed."""
    if result is None or result.get("options"):
        return None
    cleaned = cleaned or {}
    prices = _prices_list(result)
    with_data = [p for p in prices if p.get("source")]
    if not with_data:
        failing = [p for p in prices if p.get("status") == "failing"]
        advice = ["Check if backend services are running (the price poller and the database).",
                  "Verify API connectivity: the providers' APIs must be reachable and their API keys valid."]
        if failing:
            advice.append("Every provider's last poll failed; the errors are listed under 'Price freshness'.")
        return EmptyAdvice("backend", advice, [])
    codes: dict[str, int] = {}
    for e in result.get("excluded") or []:
        if e.get("count", 1) and e.get("code") != "no_prices":
            codes[e.get("code", "")] = codes.get(e.get("code", ""), 0) + int(e.get("count", 1))
    ranked = sorted(codes, key=lambda c: -codes[c])
    used = [FILTER_LABELS.get(c, c) for c in ranked]
    removed_by = ""
    if ranked:
        top = ranked[0]
        removed_by = f"{_filter_words(top, cleaned)} removed {codes[top]} option{'s' if codes[top] != 1 else ''}."
    fixes = []
    for code in ranked:
        if job_url and code in WIZARD_JOB_FIXES:
            fixes.append({"label": WIZARD_JOB_FIXES[code], "url": job_url})
        elif code in FIXES and link is not None:
            label, changes = FIXES[code]
            fixes.append({"label": label, "url": link(**changes)})
        elif code == "does_not_fit" and link is not None:
            fixes.append({"label": "Any GPU count (whatever fits)", "url": link(gpu_count=None)})
    if codes and set(codes) <= {"memory", "does_not_fit", "gpu_type"}:
        return EmptyAdvice("memory", [
            "Adjust minimum memory requirements: no GPU offered has that much memory (or the job does not fit).",
            "Try different GPU types, or more GPUs.",
        ], used, removed_by, fixes)
    return EmptyAdvice("filters", [
        "Your filters excluded every option: " + (", ".join(used) if used else "see below") + ".",
        "Widen or clear those filters.",
    ], used, removed_by, fixes)


def _filter_words(code: str, cleaned: dict) -> str:
    value = {
        "memory": f"{cleaned.get('min_memory_gb')} GB" if cleaned.get("min_memory_gb") else "",
        "gpu_type": cleaned.get("gpu_type") or "", "gpu_count": str(cleaned.get("gpu_count") or ""),
        "region": cleaned.get("region") or "", "continent": cleaned.get("continent") or "",
        "provider": ", ".join(cleaned.get("providers") or []),
    }.get(code, "")
    if code == "does_not_fit":
        return "The job's memory need"
    if code == "unavailable":
        return "Leaving out unavailable options"
    label = FILTER_LABELS.get(code, code)
    return f"The {label} filter" + (f" ({value})" if value else "")


def savings_words(summary: dict) -> dict | None:
    """"Savings vs local" in words: what the local GPU saves against the best cloud option and how
    much longer it takes, or what the cloud saves against it."""
    local, cloud = summary.get("local"), summary.get("best_cloud")
    if not local or not cloud:
        return None
    saves = (dec(cloud.get("total_cost")) or Decimal(0)) - (dec(local.get("total_cost")) or Decimal(0))
    longer = finish_hours(local) - finish_hours(cloud)
    label = f"{cloud['provider_name']} {cloud['gpu_count']}× {cloud['gpu_type']}" if cloud.get("gpu_count", 1) > 1 \
        else f"{cloud['provider_name']} {cloud['gpu_type']}"
    if abs(longer) < 1 / 60:
        when = "in about the same time"
    elif longer > 0:
        when = f"but takes {hours(longer)} longer"
    else:
        when = f"and finishes {hours(longer)} sooner"
    if saves > 0:
        return {"headline": f"Local saves {money(abs(saves))}",
                "detail": f"Your local {local['gpu_type']} costs {money(dec(local['total_cost']))} against "
                          f"{money(dec(cloud['total_cost']))} on the best cloud option ({label}), {when}."}
    if saves < 0:
        cloud_when = {"in about the same time": "in about the same time"}.get(when) or (
            f"and finishes {hours(longer)} sooner" if longer > 0 else f"but takes {hours(longer)} longer")
        return {"headline": f"Cloud saves {money(abs(saves))}",
                "detail": f"The best cloud option ({label}, {money(dec(cloud['total_cost']))}) costs less than your "
                          f"local {local['gpu_type']} ({money(dec(local['total_cost']))}) {cloud_when}."}
    return {"headline": "Same cost", "detail": f"Your local {local['gpu_type']} and {label} cost the same, {when}."}


def hours_note(query: CompareQuery, result: dict | None) -> str:
    """What the training hours of each option are based on."""
    if not result or query.workload is not None or query.training_hours is None:
        return ""
    if query.reference_gpu:
        return (f"Hours measured on {query.reference_gpu}: {query.training_hours:g} h there. Every other GPU and GPU "
                "count is scaled by its relative throughput; the Training hours column shows what each option needs.")
    return (f"The same {query.training_hours:g} h on every GPU. Choose the GPU your hours were measured on (“Hours "
            "measured on”) to scale each GPU and count by its throughput.")


def _prices_list(result: dict | None) -> list[dict]:
    prices = (result or {}).get("prices") or []
    if isinstance(prices, dict):  # {slug: {...}} as well as [{provider: slug, ...}]
        return [{"provider": slug, **p} for slug, p in prices.items()]
    return list(prices)


FRESHNESS_STATES = {
    # state: (word shown at a glance, what it means)
    "live": ("live", "prices from the provider's API"),
    "list": ("list price", "the built-in price list, not a live quote"),
    "stale": ("stale", "the prices shown may be out of date"),
    "failed": ("failed", "the last price check failed"),
    "none": ("no prices", "no prices yet"),
}


def freshness_rows(result: dict | None) -> list[dict]:
    """Each provider's prices for the always-visible freshness panel: live / list / stale / failed,
    with the list's date and age in words for built-in lists."""
    rows = []
    for p in _prices_list(result):
        state = p.get("state") or _state_of(p)
        word, meaning = FRESHNESS_STATES.get(state, (state, ""))
        list_days = p.get("list_age_days")
        rows.append({**p, "state": state, "state_word": word, "state_meaning": meaning,
                     "age_words": age(p.get("age_seconds")),
                     "list_age_words": days_old(list_days) if list_days is not None else ""})
    return rows


def _state_of(p: dict) -> str:
    if p.get("status") == "failing":
        return "failed"
    if not p.get("source"):
        return "none"
    if p.get("stale"):
        return "stale"
    return "live" if p.get("source") == "live" else "list"


def filters_summary(cleaned: dict, *, mode: str = "compare") -> str:
    """The applied job and filters in a few words, for the folded filter panel on phones."""
    parts = []
    if mode == "compare":
        if cleaned.get("training_hours"):
            parts.append(f"{cleaned['training_hours']:g} h")
        if cleaned.get("gpu_count"):
            parts.append(f"{cleaned['gpu_count']} GPU{'s' if cleaned['gpu_count'] > 1 else ''}")
        if cleaned.get("local_gpu_type"):
            parts.append(f"local {cleaned['local_gpu_type']}")
    if cleaned.get("gpu_type"):
        parts.append(str(cleaned["gpu_type"]))
    if cleaned.get("min_memory_gb"):
        parts.append(f"≥ {cleaned['min_memory_gb']} GB")
    if cleaned.get("providers"):
        parts.append(", ".join(cleaned["providers"]))
    if cleaned.get("continent"):
        parts.append(str(cleaned["continent"]))
    if cleaned.get("region"):
        parts.append(str(cleaned["region"]))
    return " · ".join(parts)

