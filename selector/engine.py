"""The cost and recommendation engine: pure Python, no Django, frozen dataclasses in and out.

Inputs are priced options (``OptionInput``: one cloud offer or the local GPU) and the training
hours each one needs, from a pluggable ``hours_for(gpu_slug, gpu_count) -> HoursResult``. The
engine prices every option, ranks them and picks cheapest / fastest / recommended.

Rules (from the product document and issue #3; keep them exactly):

- Cloud ``total_cost`` = hourly_rate x (training_hours + setup_minutes.max / 60), with the billed
  time rounded *up* to the provider's billing increment (``billing_increment_seconds``: 60 for
  per-minute billing, 1 for per-second, 3600 for hourly).
- Local ``total_cost`` = power_watts / 1000 x training_hours x electricity cost per kWh (no setup,
  no billing increment). The local option's ``hourly_rate`` is that kW x USD/kWh figure.
- Per-token ``total_cost`` (``billing == "per_token"``, a managed fine-tuning service) = tokens
  processed x the price per token (``fixed_total``, computed by the caller); its ``hourly_rate`` is
  that total over the estimated training hours, so it ranks with hourly GPUs by total cost.
- Money is Decimal throughout; a total is rounded once, at the end, to cents, half-up. Hourly
  rates are kept to 4 decimal places (Vast and Lambda quote fractions of a cent per hour).
- Training hours are rounded to 3 decimal places (3.6 seconds) *before* costing, so the hours a
  person reads and the cost they can recompute agree.
- ``cheapest``: the lowest total_cost among options that may be chosen (see below).
- ``fastest``: the quickest setup (setup_minutes.max), ties to the cheaper (the product document's
  "Fastest Option: quickest setup time"; pages call it "Quickest to start").
- ``finishes_first``: the earliest finish, setup_minutes.max / 60 + training_hours (the measure the
  recommendation rule uses), ties to the cheaper (issue #13).
- ``recommended``: of the choosable options costing less than 1.2 x the cheapest (the cheapest
  itself always qualifies, also when it costs 0), drop the ``low`` ones if any is ``high`` or
  ``medium``; of the rest pick the one that finishes first (setup_minutes.max / 60 +
  training_hours), ties to the cheaper. So a cloud GPU within 20% of the local cost that finishes
  sooner is preferred; otherwise the cheapest wins.
- An option may be chosen when it is not ``unavailable`` and, unless ``allow_interruptible``, not
  interruptible (an interruptible offer can be stopped when outbid; it is still listed).

Availability: providers may not report stock (list prices from the built-in catalog, or an API
without stock data). Such an option shows the provider's *typical* level (``availability``, e.g.
RunPod's "generally high") with ``availability_reported=False`` ("typical, not live"), and is never
ranked as live stock: for the availability sort and the recommendation's low-availability rule an
unreported level counts at best as ``medium`` (``ranked_availability``), after reported ones.

Reference-GPU scaling (``reference_hours_for``): ``training_hours`` holds on *one* reference GPU.
An option with ``n`` GPUs of peak throughput ``p`` trains for
``hours x ref_peak / (p x n x efficiency(n))`` where ``efficiency(n) = 0.9 ** log2(n)``: each
doubling of the GPU count keeps 90% of the ideal speed-up (data-parallel communication overhead;
a rule of thumb, not a measurement). With one GPU it is the plain throughput ratio.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from operator import itemgetter

from selector import formatting as fmt

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
HOURS_PLACES = 3
RECOMMEND_WITHIN = Decimal("1.2")
MULTI_GPU_EFFICIENCY_PER_DOUBLING = 0.9

AVAILABILITY_LEVELS = ("high", "medium", "low", "unavailable")
_AVAILABILITY_RANK = {a: i for i, a in enumerate(AVAILABILITY_LEVELS)}
SORTS = ("cost", "speed", "finish", "availability")


def normalize_availability(raw: str | None, typical: str = "medium") -> tuple[str, bool]:
    """(level shown, whether the provider reported it). ``unknown``/missing -> (the provider's
    ``typical`` level, False): shown as typical, not live."""
    value = (raw or "").strip().lower()
    if value in _AVAILABILITY_RANK:
        return value, True
    typical = (typical or "medium").strip().lower()
    return (typical if typical in ("high", "medium", "low") else "medium"), False


def ranked_availability(opt: OptionInput) -> str:
    """The level the ranking uses: a reported level as is; an unreported (typical) one at best medium."""
    if opt.availability_reported or opt.availability in ("low", "unavailable"):
        return opt.availability
    return "medium"


def _availability_key(opt: OptionInput) -> tuple[int, int]:
    return _AVAILABILITY_RANK.get(ranked_availability(opt), 9), 0 if opt.availability_reported else 1


@dataclass(frozen=True)
class HoursResult:
    """Training hours for one option. ``fits=False`` excludes the option, with ``reason``."""

    hours: float
    low: float | None = None
    high: float | None = None
    fits: bool = True
    memory_needed_gb: float | None = None
    reason: str = ""
    overhead_hours: float | None = None  # fixed costs included in ``hours`` (estimated hours only)
    min_gpu_count: int | None = None  # the fewest GPUs of this model the job fits on (estimated only)


HoursFor = Callable[[str, int], HoursResult]


def flat_hours_for(hours: float) -> HoursFor:
    """Every option trains for the same ``hours``."""

    result = HoursResult(hours=hours)  # frozen: one for every option

    def hours_for(gpu_slug: str, gpu_count: int) -> HoursResult:
        return result

    return hours_for


def multi_gpu_efficiency(gpu_count: int) -> float:
    if gpu_count <= 1:
        return 1.0
    return MULTI_GPU_EFFICIENCY_PER_DOUBLING ** math.log2(gpu_count)


def reference_hours_for(hours: float, reference_peak_tflops: float, peak_tflops_of: Callable[[str], float | None]) -> HoursFor:
    """``hours`` hold on one reference GPU; other GPUs scale by peak throughput (module docstring).
    A GPU whose throughput is unknown keeps the flat hours."""

    def hours_for(gpu_slug: str, gpu_count: int) -> HoursResult:
        peak = peak_tflops_of(gpu_slug)
        if not peak or peak <= 0 or reference_peak_tflops <= 0:
            return HoursResult(hours=hours)
        scaled = hours * reference_peak_tflops / (peak * gpu_count * multi_gpu_efficiency(gpu_count))
        return HoursResult(hours=scaled)

    return hours_for


def relative_hours_for(hours: float, relative_of: Callable[[str, int], float | None]) -> HoursFor:
    """``hours`` hold on the reference GPU; an option trains for ``hours / relative_of(gpu, count)``
    (its throughput relative to the reference, from the estimator). Unknown throughput keeps the flat hours."""

    def hours_for(gpu_slug: str, gpu_count: int) -> HoursResult:
        rel = relative_of(gpu_slug, gpu_count)
        if not rel or rel <= 0 or not math.isfinite(rel):
            return HoursResult(hours=hours)
        return HoursResult(hours=hours / rel)

    return hours_for


@dataclass(frozen=True)
class OptionInput:
    """One thing the user could run on: a cloud offer, or the local GPU (``source == "local"``)."""

    id: str
    provider: str
    provider_name: str
    gpu_slug: str
    gpu_type: str
    gpu_count: int
    gpu_memory_gb: int
    hourly_rate: Decimal  # USD/h for the whole offer; local: kW x USD/kWh
    setup_minutes: tuple[int, int]
    setup_time: str
    billing_increment_seconds: int  # 0: no rounding (local)
    availability: str  # high | medium | low | unavailable
    source: str  # live | catalog | local
    region: str = ""
    interruptible: bool = False
    as_of: str | None = None
    stale: bool = False
    availability_reported: bool = True
    provider_sku: str = ""
    tier: str = ""  # community | secure | "" (RunPod sells both)
    any_region: bool = False  # a list price not tied to a region: the filters let it through
    pros: tuple[str, ...] = ()
    cons: tuple[str, ...] = ()
    # How the option is billed: "per_hour" (billed in minutes or hours), "per_second", "per_token"
    # (a managed service priced per token processed, e.g. Together's fine-tuning) or "local".
    billing: str = "per_hour"
    # per_token: the whole job's price, fixed by its tokens (hours only say when it finishes).
    fixed_total: Decimal | None = None
    tokens: int | None = None  # per_token: tokens processed
    usd_per_million_tokens: Decimal | None = None
    # The (GPU slug, count) the training hours are estimated on, when it is not the option's own
    # (a managed service runs on hardware it does not let you choose).
    hours_on: tuple[str, int] | None = None
    # hourly_rate in 1/10,000 USD when it has at most 4 places (every cloud offer): exact integer costing.
    rate_e4: int | None = field(init=False, repr=False, compare=False, default=None)
    # For compare's loop, computed once per input: the (GPU, count) its hours are estimated on, and
    # for a cloud offer costed in integers, its (rate, setup, increment) as one integer key.
    hours_key: tuple[str, int] = field(init=False, repr=False, compare=False, default=("", 0))
    cost_key: int | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        rate = rate_ten_thousandths(self.hourly_rate)
        object.__setattr__(self, "rate_e4", rate)
        object.__setattr__(self, "hours_key", self.hours_on or (self.gpu_slug, self.gpu_count))
        setup, inc = self.setup_minutes[1], self.billing_increment_seconds
        if (rate is not None and rate >= 0 and self.fixed_total is None and self.source != "local"
                and 0 <= setup < 1 << 16 and 0 <= inc < 1 << 16):
            object.__setattr__(self, "cost_key", rate << 32 | setup << 16 | inc)

    @property
    def is_local(self) -> bool:
        return self.source == "local"


@dataclass(frozen=True)
class Option:
    input: OptionInput
    training_hours: float
    total_cost: Decimal
    billed_hours: Decimal
    hours_low: float | None = None
    hours_high: float | None = None
    overhead_hours: float | None = None
    min_gpu_count: int | None = None

    @property
    def hourly_rate(self) -> Decimal:
        """USD per hour: the offer's rate, or for a per-token job its total over the estimated hours
        (the hour equivalent that puts it on one axis with hourly GPUs)."""
        if self.input.fixed_total is None:
            return self.input.hourly_rate
        if self.training_hours <= 0:
            return self.total_cost
        return (self.total_cost / Decimal(repr(self.training_hours))).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)

    @property
    def finish_hours(self) -> float:
        """Hours from asking to a finished run: worst-case setup plus training."""
        return self.input.setup_minutes[1] / 60 + self.training_hours

    @property
    def choosable(self) -> bool:
        return self.input.availability != "unavailable"


@dataclass(frozen=True)
class CompareParams:
    sort: str = "cost"
    include_unavailable: bool = True
    allow_interruptible: bool = False


@dataclass(frozen=True)
class Exclusion:
    option_id: str
    provider: str
    gpu_type: str
    code: str  # memory | provider | gpu_type | gpu_count | region | continent | unavailable | does_not_fit | no_prices
    reason: str


@dataclass(frozen=True)
class Comparison:
    options: tuple[Option, ...]
    cheapest: Option | None
    fastest: Option | None
    recommended: Option | None
    recommendation_reason: str
    local: Option | None
    savings_amount: Decimal | None
    savings_percent: Decimal | None
    excluded: tuple[Exclusion, ...] = field(default_factory=tuple)
    finishes_first: Option | None = None
    best_cloud: Option | None = None  # the cheapest cloud option that may be chosen (local aside)
    count: int = 0  # every option, whatever the page (``compare(..., page=)``)


def round_hours(hours: float) -> float:
    return float(Decimal(repr(float(hours))).quantize(Decimal(1).scaleb(-HOURS_PLACES), rounding=ROUND_HALF_UP))


def billed_hours(training_hours: float, setup_max_minutes: int, increment_seconds: int) -> Decimal:
    """Training plus worst-case setup, rounded up to the billing increment, in hours (Decimal)."""
    seconds = Decimal(repr(float(training_hours))) * 3600 + Decimal(setup_max_minutes) * 60
    seconds = seconds.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    if increment_seconds and increment_seconds > 0:
        inc = Decimal(increment_seconds)
        seconds = (seconds / inc).to_integral_value(rounding=ROUND_CEILING) * inc
    return seconds / Decimal(3600)


def cloud_total_cost(hourly_rate: Decimal, training_hours: float, setup_max_minutes: int, increment_seconds: int) -> Decimal:
    return (hourly_rate * billed_hours(training_hours, setup_max_minutes, increment_seconds)).quantize(
        CENT, rounding=ROUND_HALF_UP)


def local_hourly_rate(power_watts: float, electricity_usd_per_kwh: Decimal | float) -> Decimal:
    """USD per hour of running the local GPU: kW x USD/kWh (unrounded: rounding happens on totals)."""
    return Decimal(repr(float(power_watts))) / Decimal(1000) * Decimal(str(electricity_usd_per_kwh))


def local_total_cost(power_watts: float, training_hours: float, electricity_usd_per_kwh: Decimal | float) -> Decimal:
    return (local_hourly_rate(power_watts, electricity_usd_per_kwh) * Decimal(repr(float(training_hours)))).quantize(
        CENT, rounding=ROUND_HALF_UP)


_MS_PER_HOUR = Decimal(3_600_000)
_HALF_CENT_DENOMINATOR = 360_000_000  # USD/h in 1e-4 x milliseconds -> cents


def rate_ten_thousandths(rate: Decimal) -> int | None:
    """An hourly rate as an integer number of 1/10,000 USD, or None when it has more places (the
    local option's kW x USD/kWh rate): the integer costing below then does not apply."""
    scaled = rate.scaleb(4)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def cloud_cost_cents(rate_e4: int, training_milli_hours: int, setup_max_minutes: int,
                     increment_seconds: int) -> tuple[int, int] | None:
    """(cents, billed milliseconds) of ``cloud_total_cost`` in integers, exactly: billed time in
    milliseconds rounded up to the increment, times the rate, rounded half-up to cents. None at an
    exact half-cent, where the Decimal sum (28 significant digits) may round the other way: the
    caller then uses it, so the two paths never disagree."""
    ms = training_milli_hours * 3600 + setup_max_minutes * 60_000
    if increment_seconds and increment_seconds > 0:
        inc = increment_seconds * 1000
        ms = -(-ms // inc) * inc
    q, r = divmod(rate_e4 * ms, _HALF_CENT_DENOMINATOR)
    if 2 * r == _HALF_CENT_DENOMINATOR:
        return None
    return q + (2 * r > _HALF_CENT_DENOMINATOR), ms


def price_option(opt: OptionInput, hours: HoursResult, *, training: float | None = None) -> Option:
    """``training``: ``round_hours(hours.hours)`` when the caller has it already."""
    training = round_hours(hours.hours) if training is None else training
    if opt.fixed_total is not None:
        # Priced per token: the total does not depend on the hours (they only say when it finishes).
        billed = Decimal(repr(training))
        total = opt.fixed_total.quantize(CENT, rounding=ROUND_HALF_UP)
    elif opt.is_local:
        billed = Decimal(repr(training))
        total = (opt.hourly_rate * billed).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        fast = None
        if opt.rate_e4 is not None:
            fast = cloud_cost_cents(opt.rate_e4, round(training * 1000), opt.setup_minutes[1],
                                    opt.billing_increment_seconds)
        if fast is not None:
            total = Decimal(fast[0]).scaleb(-2)
            billed = Decimal(fast[1]) / _MS_PER_HOUR
        else:
            billed = billed_hours(training, opt.setup_minutes[1], opt.billing_increment_seconds)
            total = (opt.hourly_rate * billed).quantize(CENT, rounding=ROUND_HALF_UP)
    return Option(
        input=opt, training_hours=training, total_cost=total, billed_hours=billed,
        hours_low=round_hours(hours.low) if hours.low is not None else None,
        hours_high=round_hours(hours.high) if hours.high is not None else None,
        overhead_hours=round_hours(hours.overhead_hours) if hours.overhead_hours is not None else None,
        min_gpu_count=hours.min_gpu_count,
    )


def _cost_key(o: Option):
    return (o.total_cost, o.finish_hours, o.input.id)


def sort_options(options: Iterable[Option], sort: str) -> list[Option]:
    if sort == "speed":
        key = lambda o: (o.input.setup_minutes[1], o.total_cost, o.finish_hours, o.input.id)  # noqa: E731
    elif sort == "finish":
        key = lambda o: (o.finish_hours, o.total_cost, o.input.id)  # noqa: E731
    elif sort == "availability":
        key = lambda o: (*_availability_key(o.input), o.total_cost, o.input.id)  # noqa: E731
    else:
        key = _cost_key
    return sorted(options, key=key)


def may_choose(o: Option, params: CompareParams) -> bool:
    return o.choosable and (params.allow_interruptible or not o.input.interruptible)


def pick_cheapest(options: Iterable[Option]) -> Option | None:
    return min(options, key=_cost_key, default=None)


def pick_fastest(options: Iterable[Option]) -> Option | None:
    return min(options, key=lambda o: (o.input.setup_minutes[1], o.total_cost, o.input.id), default=None)


def pick_finishes_first(options: Iterable[Option]) -> Option | None:
    return min(options, key=lambda o: (o.finish_hours, o.total_cost, o.input.id), default=None)


def recommendation_candidates(options: list[Option], cheapest: Option) -> list[Option]:
    limit = cheapest.total_cost * RECOMMEND_WITHIN
    within = [o for o in options if o.total_cost < limit or o.total_cost == cheapest.total_cost]
    if any(ranked_availability(o.input) in ("high", "medium") for o in within):
        within = [o for o in within if ranked_availability(o.input) != "low"]
    return within


def pick_recommended(options: list[Option], cheapest: Option | None) -> Option | None:
    if cheapest is None:
        return None
    cands = recommendation_candidates(options, cheapest)
    return min(cands, key=lambda o: (o.finish_hours, o.total_cost, o.input.id), default=None)


def _label(o: Option) -> str:
    if o.input.is_local:
        return f"your local {o.input.gpu_type}"
    count = f"{o.input.gpu_count}x " if o.input.gpu_count > 1 else ""
    return f"{o.input.provider_name} {count}{o.input.gpu_type}"


def explain(recommended: Option | None, cheapest: Option | None, choosable: list[Option], all_options: list[Option]) -> str:
    sooner = None
    if recommended is not None:
        sooner = [o.total_cost for o in choosable if o.finish_hours < recommended.finish_hours]
    return _explain(recommended, cheapest, sooner, bool(all_options))


def _explain(recommended: Option | None, cheapest: Option | None, sooner: list[Decimal] | None,
             any_options: bool) -> str:
    """``sooner``: the total costs of the choosable options finishing before ``recommended``."""
    if recommended is None or cheapest is None:
        if any_options:
            return "No option can be chosen right now: every match is unavailable or interruptible."
        return "No option matches the request; see 'excluded' for why."
    rec, label = recommended, _label(recommended)
    if rec is cheapest or rec.input.id == cheapest.input.id:
        reason = f"{label[0].upper()}{label[1:]} is the cheapest option at {fmt.money(rec.total_cost)}"
        limit = cheapest.total_cost * RECOMMEND_WITHIN
        if any(total < limit for total in sooner):
            reason += "; the options within 20% of its price that finish sooner have low availability"
        elif sooner:
            reason += "; every option that finishes sooner costs at least 20% more"
        else:
            reason += f" and finishes first, in about {fmt.hours(rec.finish_hours)}"
        return reason + "."
    saved = cheapest.finish_hours - rec.finish_hours
    premium = ((rec.total_cost - cheapest.total_cost) / cheapest.total_cost * 100) if cheapest.total_cost else Decimal(0)
    if saved > 0:
        return (f"{label[0].upper()}{label[1:]} costs {fmt.money(rec.total_cost)}, only {premium:.0f}% more than the "
                f"cheapest ({_label(cheapest)}, {fmt.money(cheapest.total_cost)}), and finishes about "
                f"{fmt.hours(saved)} sooner.")
    return (f"{label[0].upper()}{label[1:]} costs {fmt.money(rec.total_cost)}, within 20% of the cheapest "
            f"({_label(cheapest)}, {fmt.money(cheapest.total_cost)}), whose availability is low.")


_new_object = object.__new__


def _option(opt: OptionInput, training: float, total: Decimal, billed: Decimal, extra: tuple) -> Option:
    """``Option(...)`` for the engine's own loop, a third of the cost: a frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__``; this fills the same ``__dict__``
    (Option has no ``__post_init__``, and equality, hashing and ``repr`` read the fields)."""
    o = _new_object(Option)
    o.__dict__.update(input=opt, training_hours=training, total_cost=total, billed_hours=billed,
                      hours_low=extra[0], hours_high=extra[1], overhead_hours=extra[2], min_gpu_count=extra[3])
    return o


# Orders on compare's records: (cents, finish hours, id, ..., setup max at 9).
_by_cost = itemgetter(0, 1, 2)  # total, finish, id: sort "cost", pick_cheapest
_by_speed = itemgetter(9, 0, 1, 2)  # setup, total, finish, id: sort "speed"
_by_finish = itemgetter(1, 0, 2)  # finish, total, id: sort "finish", pick_finishes_first, pick_recommended
_by_setup = itemgetter(9, 0, 2)  # setup, total, id: pick_fastest


def compare(inputs: Iterable[OptionInput], hours_for: HoursFor, params: CompareParams = CompareParams(),
            excluded: Iterable[Exclusion] = (), *, page: slice | None = None) -> Comparison:
    """Price, filter (unavailable when not wanted, does-not-fit), rank and pick.

    The same rules as ``price_option``, ``sort_options``, the ``pick_*`` functions and ``explain``,
    done on one record per option: ``hours_for`` once per (GPU, count), each distinct cloud cost
    (rate, hours, setup, increment) once, in integer cents. ``page``: ``options`` holds only that
    slice of the ranking (``count`` says how many there are); the picks are over every option, and
    only the options returned are built."""
    excluded_out = list(excluded)
    # (cents, finish hours, id, input, total, billed, training, extra, Option | None, setup max)
    records: list[tuple] = []
    asked: dict[tuple[str, int], tuple] = {}  # (GPU, count) -> (HoursResult, training, extra, its costs)
    by_result: dict[int, tuple] = {}  # the same, per HoursResult object (kept alive in the tuple)
    costs: dict[float | None, dict[int, tuple]] = {}  # hours -> input.cost_key -> (cents, total, billed)
    include_unavailable = params.include_unavailable
    append = records.append
    for opt in inputs:
        if opt.availability == "unavailable" and not include_unavailable:
            excluded_out.append(Exclusion(opt.id, opt.provider, opt.gpu_type, "unavailable",
                                          "Unavailable right now (include_unavailable is false)"))
            continue
        on = opt.hours_key
        got = asked.get(on)
        if got is None:  # once per (GPU, count) per comparison: thousands of offers share a few
            hours = hours_for(*on)
            got = by_result.get(id(hours))  # flat hours: one result for every (GPU, count)
            if got is None:
                training = extra = None
                if math.isfinite(hours.hours) and hours.hours >= 0:
                    training = round_hours(hours.hours)
                    extra = (round_hours(hours.low) if hours.low is not None else None,
                             round_hours(hours.high) if hours.high is not None else None,
                             round_hours(hours.overhead_hours) if hours.overhead_hours is not None else None,
                             hours.min_gpu_count)
                got = by_result[id(hours)] = (hours, training, extra, costs.setdefault(training, {}))
            asked[on] = got
        hours, training, extra, table = got
        # A managed per-token service picks (and shards over) its own hardware: "does not fit on
        # the GPUs we estimate on" does not apply to it, only the estimate of its hours does.
        if not hours.fits and opt.fixed_total is None:
            excluded_out.append(Exclusion(opt.id, opt.provider, opt.gpu_type, "does_not_fit",
                                          hours.reason or f"The job does not fit on {opt.gpu_count}x {opt.gpu_type}"))
            continue
        if training is None:
            excluded_out.append(Exclusion(opt.id, opt.provider, opt.gpu_type, "does_not_fit",
                                          f"No training-time estimate for {opt.gpu_type}"))
            continue
        setup = opt.setup_minutes[1]
        key = opt.cost_key
        if key is not None:  # a cloud offer costed in integers: each distinct cost once
            cost = table.get(key)
            if cost is None:
                fast = cloud_cost_cents(opt.rate_e4, round(training * 1000), setup, opt.billing_increment_seconds)
                if fast is None:  # an exact half-cent: the Decimal sum decides (price_option)
                    o = price_option(opt, hours, training=training)
                    cost = (int(o.total_cost.scaleb(2)), o.total_cost, o.billed_hours)
                else:
                    cost = (fast[0], Decimal(fast[0]).scaleb(-2), Decimal(fast[1]) / _MS_PER_HOUR)
                table[key] = cost
            append((cost[0], setup / 60 + training, opt.id, opt, cost[1], cost[2], training, extra, None, setup))
        else:
            o = price_option(opt, hours, training=training)
            append((int(o.total_cost.scaleb(2)), setup / 60 + training, opt.id, opt, o.total_cost, o.billed_hours,
                    training, extra, o, setup))

    sort = params.sort
    if sort == "speed":
        ranked = sorted(records, key=_by_speed)
    elif sort == "finish":
        ranked = sorted(records, key=_by_finish)
    elif sort == "availability":
        ranked = sorted(records, key=lambda r: (*_availability_key(r[3]), r[0], r[2]))
    else:
        ranked = sorted(records, key=_by_cost)
    allow_interruptible = params.allow_interruptible
    choosable = [r for r in ranked if r[3].availability != "unavailable"
                 and (allow_interruptible or not r[3].interruptible)]
    if sort == "cost" or sort not in SORTS:  # already in cheapest order: the first choosable one
        cheapest_r = choosable[0] if choosable else None
    else:
        cheapest_r = min(choosable, key=_by_cost, default=None)
    fastest_r = min(choosable, key=_by_setup, default=None)
    first_r = min(choosable, key=_by_finish, default=None)
    recommended_r = None
    if cheapest_r is not None:
        # recommendation_candidates in cents: total < 1.2 x the cheapest's, or equal to it.
        c12, c = cheapest_r[0] * 12, cheapest_r[0]
        within = [r for r in choosable if r[0] * 10 < c12 or r[0] == c]
        if any(ranked_availability(r[3]) in ("high", "medium") for r in within):
            within = [r for r in within if ranked_availability(r[3]) != "low"]
        recommended_r = min(within, key=_by_finish, default=None)
    local_r = next((r for r in ranked if r[3].source == "local"), None)
    best_cloud_r = cheapest_r if local_r is None else min(
        (r for r in choosable if r[3].source != "local"), key=_by_cost, default=None)

    built: dict[int, Option] = {}

    def option(r) -> Option | None:
        if r is None:
            return None
        o = built.get(id(r))
        if o is None:
            o = built[id(r)] = r[8] if r[8] is not None else _option(r[3], r[6], r[4], r[5], r[7])
        return o

    options = tuple(option(r) for r in (ranked if page is None else ranked[page]))
    cheapest, recommended, local = option(cheapest_r), option(recommended_r), option(local_r)
    amount = percent = None
    if local is not None and recommended is not None:
        amount = local.total_cost - recommended.total_cost
        percent = (amount / local.total_cost * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if local.total_cost else None
    sooner = None
    if recommended_r is not None:
        sooner = [r[4] for r in choosable if r[1] < recommended_r[1]]
    return Comparison(
        options=options, cheapest=cheapest, fastest=option(fastest_r), recommended=recommended,
        recommendation_reason=_explain(recommended, cheapest, sooner, bool(ranked)), local=local,
        savings_amount=amount, savings_percent=percent, excluded=tuple(excluded_out),
        finishes_first=option(first_r), best_cloud=option(best_cloud_r), count=len(ranked),
    )


def with_extra_cons(opt: OptionInput, *cons: str) -> OptionInput:
    return replace(opt, cons=opt.cons + tuple(c for c in cons if c))
