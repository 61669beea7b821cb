"""The compare page's read model: the typed answer to the page's typed question (``selector.compare.
compare_costs``, the function the API view calls) shaped for the templates: each option as a
``PageOption`` (the engine's typed option with the attribute names the templates read), column sorts,
regions folded under their cheapest row, "why is the list empty" with the undoing links, "savings vs
local" (``Savings``) and the choice against the recommendation (``Versus``) as values, the applied
filters in a few words. The templates write every number with the ``selector_tags`` filters
(``selector.formatting``). Nothing here prices anything or builds the API's JSON (that is
``selector.api.serializers``; what the wizard stores as JSON is ``wizard.stored``). Shared by
/compare/ and wizard steps 2 and 3."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from selector.compare import AnsweredOption, CompareAnswer
from selector.engine import RATE_PLACES
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


@dataclass(frozen=True)
class HoursRange:
    low: float
    high: float


def _offer(name: str) -> property:
    return property(attrgetter(f"input.{name}"), doc=f"The offer's ``{name}`` (engine.OptionInput).")


class PageOption:
    """One option of the typed answer as the templates read it: the offer's facts (``engine.OptionInput``)
    and its costing (``engine.Option``) under the names the option has everywhere else (the API's
    field names, so ``wizard/_option_facts.html`` reads a stored option and a fresh one alike), with
    typed values (Decimal money, float hours). Read-only; built from an ``AnsweredOption``."""

    __slots__ = ("answered", "option", "input", "hours_band")

    def __init__(self, answered: AnsweredOption, *, hours_band: bool = False):
        self.answered = answered
        self.option = answered.option
        self.input = answered.option.input
        self.hours_band = hours_band  # the answer's: with a workload, options carry an hours band

    id = _offer("id")
    provider = _offer("provider")
    provider_name = _offer("provider_name")
    gpu_type = _offer("gpu_type")
    gpu_slug = _offer("gpu_slug")
    gpu_count = _offer("gpu_count")
    gpu_memory_gb = _offer("gpu_memory_gb")
    billing = _offer("billing")
    setup_time = _offer("setup_time")
    setup_minutes = _offer("setup_minutes")  # (min, max)
    availability = _offer("availability")
    availability_reported = _offer("availability_reported")
    region = _offer("region")
    any_region = _offer("any_region")
    tier = _offer("tier")
    interruptible = _offer("interruptible")
    source = _offer("source")
    as_of = _offer("as_of")
    stale = _offer("stale")
    provider_sku = _offer("provider_sku")
    pros = _offer("pros")
    cons = _offer("cons")
    is_local = _offer("is_local")

    @property
    def hourly_rate(self) -> Decimal:
        """USD per hour, to the 4 places the API gives it."""
        return self.option.hourly_rate.quantize(RATE_PLACES)

    @property
    def total_cost(self) -> Decimal:
        return self.option.total_cost

    @property
    def training_hours(self) -> float:
        return self.option.training_hours

    @property
    def training_hours_range(self) -> HoursRange | None:
        o = self.option
        return HoursRange(o.hours_low, o.hours_high) if o.hours_low is not None and o.hours_high is not None else None

    @property
    def overhead_hours(self) -> float | None:
        return self.option.overhead_hours

    @property
    def gpus_needed(self) -> int | None:
        return self.option.min_gpu_count

    @property
    def finish_hours(self) -> float:
        return self.option.finish_hours

    @property
    def trend(self) -> str | None:
        return self.answered.trend

    @property
    def offer_key(self) -> dict:
        """What ``{% launch_outcome %}`` looks an offer up by (it takes the option's JSON shape)."""
        return {"provider": self.input.provider, "provider_sku": self.input.provider_sku}

    def __repr__(self) -> str:
        return f"PageOption({self.input.id!r})"


@dataclass
class CompareOutcome:
    """The typed answer (None when ``errors``, by field, stopped it) and the question as the API's
    JSON body (what the history records)."""

    answer: CompareAnswer | None
    errors: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)

    def _page(self, a: AnsweredOption | None) -> PageOption | None:
        return PageOption(a, hours_band=self.answer.hours_band) if a is not None else None

    @property
    def options(self) -> list[PageOption]:
        if self.answer is None:
            return []
        return [self._page(a) for a in self.answer.options]

    def pick(self, name: str) -> PageOption | None:
        """A pick of the answer: cheapest, fastest, finishes_first, recommended, local, best_cloud."""
        return self._page(getattr(self.answer, name)) if self.answer is not None else None

    def find(self, option_id: str) -> PageOption | None:
        """The listed option with this id (None: not offered in this answer)."""
        for a in (self.answer.options if self.answer is not None else ()):
            if a.option.input.id == str(option_id):
                return self._page(a)
        return None


def compare(query: CompareQuery) -> CompareOutcome:
    """The pages' comparison: the typed question answered by ``selector.compare.compare_costs``, the
    function the POST /api/cloud/compare-costs view calls, so pages and API agree."""
    from selector.compare import compare_costs

    return CompareOutcome(compare_costs(query), {}, query.to_body())

# --- Presentation ----------------------------------------------------------------------------

_COLUMN_KEYS = {
    "provider": lambda o: (o.provider_name or o.provider or "").lower(),
    "gpu": lambda o: (o.gpu_type or "").lower(),
    "tier": lambda o: (o.tier or "").lower(),
    "count": lambda o: o.gpu_count or 0,
    "memory": lambda o: o.gpu_memory_gb or 0,
    "rate": lambda o: o.hourly_rate,
    "hours": lambda o: o.training_hours or 0,
    "total": lambda o: o.total_cost,
    "setup": lambda o: o.setup_minutes[1] or 0,
    "availability": lambda o: _AVAILABILITY_RANK.get(o.availability, 9),
    "region": lambda o: (o.region or "").lower(),
}


def sort_by_column(options: Sequence[PageOption], order: str) -> list[PageOption]:
    """Re-sort by a table column ("total", "-rate"...); ties keep the engine's order."""
    if not order:
        return list(options)
    key = _COLUMN_KEYS[order.lstrip("-")]
    return sorted(options, key=key, reverse=order.startswith("-"))


@dataclass
class OptionGroup:
    """One offer (provider, SKU, GPU count) with its regions folded under its cheapest row."""

    primary: PageOption
    others: list[PageOption]

    @property
    def regions(self) -> list[PageOption]:
        return [self.primary, *self.others]


def fold_regions(options: Sequence[PageOption]) -> list[OptionGroup]:
    groups: dict[tuple, OptionGroup] = {}
    order: list[tuple] = []
    for o in options:
        key = (o.provider, o.provider_sku or o.gpu_type, o.gpu_count, bool(o.interruptible), o.is_local)
        if o.is_local or key not in groups:
            key = key if key not in groups else (*key, o.id)
            groups[key] = OptionGroup(o, [])
            order.append(key)
            continue
        g = groups[key]
        if o.total_cost < g.primary.total_cost:
            g.others.insert(0, g.primary)
            g.primary = o
        else:
            g.others.append(o)
    return [groups[k] for k in order]


def _timing(diff_hours: float) -> str:
    """"same" within a minute, else "later" / "sooner" (for the first of the two compared)."""
    if abs(diff_hours) < 1 / 60:
        return "same"
    return "later" if diff_hours > 0 else "sooner"


@dataclass(frozen=True)
class Versus:
    """The chosen option against the recommended one (``wizard/_versus.html`` says it in words:
    "$4.20 more than the recommended option, finishes 2 h sooner"). ``cost_diff`` and
    ``finish_diff`` are the chosen option's total and finish minus the recommended one's."""

    recommended: bool  # False: there was no recommended option
    same: bool = False
    cost_diff: Decimal = Decimal(0)
    finish_diff: float = 0.0

    @property
    def timing(self) -> str:
        return _timing(self.finish_diff)


def compare_to_recommended(chosen: PageOption, recommended: PageOption | None) -> Versus:
    if recommended is None:
        return Versus(False)
    return Versus(True, chosen.id == recommended.id, chosen.total_cost - recommended.total_cost,
                  chosen.finish_hours - recommended.finish_hours)

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


def empty_advice(answer: CompareAnswer | None, cleaned: dict | None = None, link=None, *,
                 job_url: str = "") -> EmptyAdvice | None:
    """Why no option is listed: the filter that removed the options (by count), the product
    document's troubleshooting advice for that case, and links that undo it. ``link(changes)`` builds
    the page URL with the form changed; ``job_url`` (wizard) is where job fields are changed."""
    if answer is None or answer.options:
        return None
    cleaned = cleaned or {}
    if not any(p.source for p in answer.prices):
        failing = [p for p in answer.prices if p.status == "failing"]
        advice = ["Check if backend services are running (the price poller and the database).",
                  "Verify API connectivity: the providers' APIs must be reachable and their API keys valid."]
        if failing:
            advice.append("Every provider's last poll failed; the errors are listed under 'Price freshness'.")
        return EmptyAdvice("backend", advice, [])
    codes: dict[str, int] = {}
    for e in answer.excluded:
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


@dataclass(frozen=True)
class Savings:
    """"Savings vs local": the local option against the best cloud option (the results partial says
    it in words: "Local saves $3.20 ... but takes 2 h longer")."""

    local: PageOption
    cloud: PageOption

    @property
    def saves(self) -> Decimal:
        """What the local GPU saves (> 0) or costs more (< 0) against the best cloud option."""
        return self.cloud.total_cost - self.local.total_cost

    @property
    def amount(self) -> Decimal:
        return abs(self.saves)

    @property
    def longer(self) -> float:
        """How much later the local GPU finishes (< 0: sooner)."""
        return self.local.finish_hours - self.cloud.finish_hours

    @property
    def timing(self) -> str:
        """The local GPU finishes at the "same" time, "later" or "sooner"."""
        return _timing(self.longer)

    @property
    def cloud_label(self) -> str:
        c = self.cloud
        return f"{c.provider_name} {c.gpu_count}× {c.gpu_type}" if c.gpu_count > 1 else f"{c.provider_name} {c.gpu_type}"


def savings(local: PageOption | None, cloud: PageOption | None) -> Savings | None:
    return Savings(local, cloud) if local is not None and cloud is not None else None


def hours_note(query: CompareQuery, answer: CompareAnswer | None) -> str:
    """What the training hours of each option are based on."""
    if answer is None or query.workload is not None or query.training_hours is None:
        return ""
    if query.reference_gpu:
        return (f"Hours measured on {query.reference_gpu}: {query.training_hours:g} h there. Every other GPU and GPU "
                "count is scaled by its relative throughput; the Training hours column shows what each option needs.")
    return (f"The same {query.training_hours:g} h on every GPU. Choose the GPU your hours were measured on (“Hours "
            "measured on”) to scale each GPU and count by its throughput.")


FRESHNESS_STATES = {
    # state (pricing.selectors.ProviderFreshness.state): (word shown at a glance, what it means)
    "live": ("live", "prices from the provider's API"),
    "list": ("list price", "the built-in price list, not a live quote"),
    "stale": ("stale", "the prices shown may be out of date"),
    "failed": ("failed", "the last price check failed"),
    "none": ("no prices", "no prices yet"),
}


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

