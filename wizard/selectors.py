"""Reads for the pages: run a comparison exactly as the JSON API does, and shape its answer for
templates (column sorts, region folding, "why is the list empty", how a choice compares to the
recommendation). The cost rules themselves live in ``selector``; nothing here prices anything."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.serializers.json import DjangoJSONEncoder

from .models import Comparison, TrainingJob

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


def dec(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass
class CompareOutcome:
    result: dict | None
    errors: dict = field(default_factory=dict)
    payload: dict = field(default_factory=dict)

    @property
    def options(self) -> list[dict]:
        return (self.result or {}).get("options", [])


def run_comparison(payload: dict) -> CompareOutcome:
    """Validate ``payload`` (the API's JSON body) with the API's serializer and compare, through the
    same function the POST /api/cloud/compare-costs view calls, so pages and API agree."""
    from selector.api.serializers import CompareCostsInputSerializer, compare_answer_dict
    from selector.compare import compare_costs

    ser = CompareCostsInputSerializer(data=payload)
    if not ser.is_valid():
        return CompareOutcome(None, jsonable(ser.errors), payload)
    return CompareOutcome(jsonable(compare_answer_dict(compare_costs(ser.query()))), {}, payload)


def summary_option(result: dict | None, key: str) -> dict | None:
    """summary.cheapest / fastest / recommended / local as an option dict (or None)."""
    value = ((result or {}).get("summary") or {}).get(key)
    if value is None or isinstance(value, dict):
        return value
    return find_option(result, value)


# Step 1's fields that make the API's workload (calibration included, once step 1 has set it).
WORKLOAD_FIELDS = ("model_params_b", "method", "precision", "dataset_tokens", "dataset_examples",
                   "avg_tokens_per_example", "epochs", "measured_tokens_per_second", "measured_gpu_type",
                   "measured_gpu_count")


def workload_payload(config: dict) -> dict:
    """Step 1's saved configuration as the API's ``workload``."""
    w = {k: config[k] for k in WORKLOAD_FIELDS if config.get(k) not in (None, "")}
    if w.get("dataset_tokens"):
        w.pop("dataset_examples", None)
        w.pop("avg_tokens_per_example", None)
    return w


@dataclass
class EstimateOutcome:
    result: dict | None
    errors: dict = field(default_factory=dict)


def run_estimate(workload: dict, *, gpu_count: int | None = 1, gpu_type: str | None = None) -> EstimateOutcome:
    """The estimator's answer for step 1, validated by the API's WorkloadSerializer. ``gpu_count``
    None is "whatever fits": each GPU that does not fit on one is estimated at the smallest count
    it fits on (the count the next step offers)."""
    from selector.api.estimate import WorkloadSerializer
    from selector.estimates import estimate

    ser = WorkloadSerializer(data=workload)
    if not ser.is_valid():
        return EstimateOutcome(None, jsonable(ser.errors))
    request = {"workload": ser.validated_data, "gpu_count": gpu_count or 1}
    if gpu_type:
        request["gpu_type"] = gpu_type
    result = estimate(request)
    if gpu_count is None:
        rows = []
        for row in result.get("estimates", []):
            n = row.get("min_gpus_to_fit")
            if not row.get("fits") and n and n > 1:
                more = estimate({"workload": ser.validated_data, "gpu_type": row["gpu_type"], "gpu_count": n})
                row = next(iter(more.get("estimates") or []), row)
            rows.append(row)
        result = {**result, "estimates": rows, "whatever_fits": True}
    return EstimateOutcome(jsonable(result))


FEATURED_GPUS = ("rtx-4090", "a10", "l40s", "a100-80gb-sxm", "h100-sxm", "h200")


def estimate_rows(estimate: dict | None, local_gpu_name: str | None = None) -> tuple[list[dict], list[dict]]:
    """Split the estimator's rows: the local GPU and a few common cloud GPUs first, the rest after."""
    rows = (estimate or {}).get("estimates") or []
    featured = [r for r in rows if r.get("gpu_type") in FEATURED_GPUS or (local_gpu_name and r.get("gpu_name") == local_gpu_name)]
    return featured, [r for r in rows if r not in featured]


@dataclass(frozen=True)
class DetectedGpu:
    gpu_name: str | None  # catalog name to put in the form, None when nothing usable was found
    message: str


def detect_local_gpu() -> DetectedGpu:
    """This machine's first catalog GPU (pricing.local_gpu), with a plain sentence either way."""
    from pricing.local_gpu import detect_local_gpus

    found = detect_local_gpus()
    known = [g for g in found.gpus if g.gpu_name]
    if known:
        return DetectedGpu(known[0].gpu_name, found.message)
    if found.gpus:
        return DetectedGpu(None, found.message + " None of them is in the GPU catalog, so choose the closest one.")
    return DetectedGpu(None, found.message or "No NVIDIA GPU found on this machine.")


def config_rows(config: dict | None) -> list[tuple[str, str]]:
    """Step 1's settings as (label, value) rows for the review and job pages."""
    from .forms import ConfigureForm

    config = config or {}
    rows = []
    for name, f in ConfigureForm.base_fields.items():
        value = config.get(name)
        if name == "calibrate_from":
            continue
        if value in (None, ""):
            if name == "gpu_count":
                rows.append((str(f.label), "whatever fits (the smallest count for each GPU)"))
            continue
        if hasattr(f, "choices"):
            value = dict(f.choices).get(value, value)
        elif name in ("dataset_tokens", "dataset_examples", "avg_tokens_per_example", "local_power_watts"):
            value = _num_words(value)
        rows.append((str(f.label), str(value)))
    if config.get("measured_tokens_per_second"):
        rows.append(("Calibrated from your run", f"{float(config['measured_tokens_per_second']):,.0f} tokens/s for this job "
                     f"on {config.get('measured_gpu_count') or 1}× {config.get('measured_gpu_type')}"))
    return rows


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


def _money(amount: Decimal) -> str:
    return f"${abs(amount):,.2f}"


def _hours(h: float) -> str:
    h = abs(h)
    if h < 1:
        return f"{round(h * 60)} min"
    return f"{h:.1f} h".replace(".0 h", " h")


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
        money = f"{_money(diff)} more than the recommended option"
    elif diff < 0:
        money = f"{_money(diff)} less than the recommended option"
    else:
        money = "the same cost as the recommended option"
    t = finish_hours(chosen) - finish_hours(recommended)
    if abs(t) < 1 / 60:
        when = "finishes at about the same time"
    elif t < 0:
        when = f"finishes {_hours(t)} sooner"
    else:
        when = f"finishes {_hours(t)} later"
    return f"{money}, {when}"


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
        when = f"but takes {_hours(longer)} longer"
    else:
        when = f"and finishes {_hours(longer)} sooner"
    if saves > 0:
        return {"headline": f"Local saves {_money(saves)}",
                "detail": f"Your local {local['gpu_type']} costs {_money(dec(local['total_cost']))} against "
                          f"{_money(dec(cloud['total_cost']))} on the best cloud option ({label}), {when}."}
    if saves < 0:
        cloud_when = {"in about the same time": "in about the same time"}.get(when) or (
            f"and finishes {_hours(longer)} sooner" if longer > 0 else f"but takes {_hours(longer)} longer")
        return {"headline": f"Cloud saves {_money(saves)}",
                "detail": f"The best cloud option ({label}, {_money(dec(cloud['total_cost']))}) costs less than your "
                          f"local {local['gpu_type']} ({_money(dec(local['total_cost']))}) {cloud_when}."}
    return {"headline": "Same cost", "detail": f"Your local {local['gpu_type']} and {label} cost the same, {when}."}


def hours_note(payload: dict, result: dict | None) -> str:
    """What the training hours of each option are based on."""
    if not result or payload.get("workload"):
        return ""
    hours = payload.get("training_hours")
    ref = payload.get("reference_gpu")
    if ref:
        return (f"Hours measured on {ref}: {hours:g} h there. Every other GPU and GPU count is scaled by its relative "
                "throughput; the Training hours column shows what each option needs.")
    return (f"The same {hours:g} h on every GPU. Choose the GPU your hours were measured on (“Hours measured on”) to "
            "scale each GPU and count by its throughput.")


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
                     "age_words": age_words(p.get("age_seconds")),
                     "list_age_words": days_words(list_days) if list_days is not None else ""})
    return rows


def _state_of(p: dict) -> str:
    if p.get("status") == "failing":
        return "failed"
    if not p.get("source"):
        return "none"
    if p.get("stale"):
        return "stale"
    return "live" if p.get("source") == "live" else "list"


def days_words(days: int) -> str:
    """How old a dated list is, in words: "today", "5 days old", "3 weeks old", "2 months old"."""
    d = int(days)
    if d <= 0:
        return "from today"
    if d == 1:
        return "1 day old"
    if d < 14:
        return f"{d} days old"
    if d < 60:
        return f"{round(d / 7)} weeks old"
    if d < 730:
        return f"{round(d / 30.4)} months old"
    return f"{round(d / 365.25)} years old"


def age_words(seconds) -> str:
    if seconds is None:
        return "never"
    s = int(seconds)
    if s < 90:
        return f"{s} s ago"
    if s < 5400:
        return f"{round(s / 60)} min ago"
    if s < 172800:
        return f"{round(s / 3600)} h ago"
    return f"{round(s / 86400)} days ago"


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


# --- Cost tips for this job ------------------------------------------------------------------

SPOT_MAX_HOURS = 4.0  # an interruptible offer is worth suggesting for a job shorter than this


def _label(o: dict) -> str:
    count = f"{o['gpu_count']}× " if o.get("gpu_count", 1) > 1 else ""
    return f"{count}{o['gpu_type']} on {o['provider_name']}"


def job_tips(result: dict | None, payload: dict) -> list[str]:
    """The document's tips made concrete for this comparison: a smaller GPU that fits, QLoRA when a
    full fine-tune does not fit, spot for a short job, and the cheapest price seen in the history."""
    if not result:
        return []
    summary = result.get("summary") or {}
    rec = summary.get("recommended")
    options = result.get("options") or []
    tips: list[str] = []
    cloud = [o for o in options if o.get("source") != "local" and o.get("availability") != "unavailable"
             and not o.get("interruptible")]
    if rec and rec.get("source") != "local":
        smaller = [o for o in cloud if o["gpu_memory_gb"] * o["gpu_count"] < rec["gpu_memory_gb"] * rec["gpu_count"]]
        if smaller:
            best = min(smaller, key=lambda o: (o["total_cost"], o["finish_hours"]))
            more = "" if best["total_cost"] <= rec["total_cost"] else (
                f", {_money(dec(best['total_cost']) - dec(rec['total_cost']))} more but less memory than you pay for")
            tips.append(f"A smaller GPU fits this job: {_label(best)} ({best['gpu_memory_gb']} GB per GPU) for "
                        f"{_money(dec(best['total_cost']))} in {_hours(best['finish_hours'])}{more}.")
    workload = payload.get("workload") or {}
    if workload.get("method") == "full":
        qlora = run_estimate({**workload, "method": "qlora"}, gpu_count=1)
        fits = [r for r in (qlora.result or {}).get("estimates", []) if r.get("fits")]
        if fits:
            small = min(fits, key=lambda r: (r["memory_gb_available"], r["training_hours"]))
            tips.append(f"QLoRA (a 4-bit base model with LoRA adapters) fits this {workload.get('model_params_b'):g}B "
                        f"model on one {small['gpu_name']} ({small['memory_gb_available']} GB), where the full "
                        "fine-tune needs several large GPUs; quality is usually close for fine-tuning.")
    if rec and not payload.get("allow_interruptible") and (rec.get("finish_hours") or 0) < SPOT_MAX_HOURS:
        spot = [o for o in options if o.get("interruptible") and o.get("availability") != "unavailable"
                and o["total_cost"] < rec["total_cost"]]
        if spot:
            s = min(spot, key=lambda o: o["total_cost"])
            tips.append(f"The job takes under {SPOT_MAX_HOURS:g} h: an interruptible (spot) {_label(s)} costs "
                        f"{_money(dec(s['total_cost']))} against {_money(dec(rec['total_cost']))}; allow interruptible "
                        "offers and save checkpoints, a restart costs little on a short run.")
    if rec and rec.get("source") != "local":
        from pricing.history import lowest_seen

        seen = lowest_seen(rec["provider"], rec["gpu_slug"], rec["gpu_count"])
        per_gpu = (dec(rec["hourly_rate"]) or Decimal(0)) / max(1, rec["gpu_count"])
        if seen and seen[0] < per_gpu.quantize(Decimal("0.0001")):
            tips.append(f"{rec['provider_name']} asked {_money(seen[0])} per GPU-hour for {rec['gpu_type']} on "
                        f"{seen[1]:%Y-%m-%d} (the lowest in 30 days; {_money(per_gpu)} now): set a price alert if "
                        "the job can wait.")
    return tips


# --- History in words, and "compare again at today's prices" -------------------------------------

METHOD_WORDS = {"lora": "LoRA fine-tune", "qlora": "QLoRA fine-tune", "full": "full fine-tune", "pretrain": "pre-training run"}
SORT_WORDS = {"cost": "cheapest first", "speed": "quickest to start first", "finish": "finishing first first",
              "availability": "most available first"}


def _num_words(v) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:,.0f}" if f >= 1000 else f"{f:g}"


def describe_job(job: dict) -> str:
    """A job (the wizard's step 1, or a compare-costs workload) in one sentence."""
    if not job:
        return ""
    size = f"{_num_words(job['model_params_b'])}B" if job.get("model_params_b") else "A"
    method = METHOD_WORDS.get(job.get("method") or "lora", str(job.get("method")))
    precision = str(job.get("precision") or "bf16").upper()
    if job.get("dataset_tokens"):
        data = f"{_num_words(job['dataset_tokens'])} tokens"
    elif job.get("dataset_examples"):
        data = f"{_num_words(job['dataset_examples'])} examples of about {_num_words(job.get('avg_tokens_per_example'))} tokens"
    else:
        data = "your dataset"
    epochs = job.get("epochs")
    epochs_words = f" × {_num_words(epochs)} epoch{'s' if epochs and float(epochs) != 1 else ''}" if epochs else ""
    return f"{size} {method} in {precision} on {data}{epochs_words}"


def describe_request(req: dict) -> str:
    """A stored comparison request (the compare-costs body) or a job configuration, in words:
    "A 7B LoRA fine-tune in BF16 on 10,000,000 tokens × 3 epochs; whatever GPU count fits; ..."."""
    req = req or {}
    parts = []
    workload = req.get("workload") or ({k: req[k] for k in ("model_params_b", "method", "precision", "dataset_tokens",
                                                             "dataset_examples", "avg_tokens_per_example", "epochs")
                                         if req.get(k) not in (None, "")} if req.get("model_params_b") else None)
    if workload and not req.get("training_hours"):
        parts.append(describe_job(workload) + ", hours estimated for each GPU")
    elif req.get("training_hours"):
        ref = req.get("reference_gpu") or req.get("hours_measured_on")
        on = f" measured on {ref}" if ref and ref != "same" else " on every GPU"
        lead = f"{describe_job(workload)}: " if workload else ""
        parts.append(f"{lead}{_num_words(req['training_hours'])} h of training{on}")
    if req.get("gpu_count"):
        parts.append(f"{req['gpu_count']} GPU{'s' if int(req['gpu_count']) != 1 else ''} per instance")
    elif req.get("any_gpu_count") or workload or "gpu_count" in req:
        parts.append("whatever GPU count fits")
    if req.get("local_gpu_type"):
        local = f"local {req['local_gpu_type']}"
        if req.get("local_electricity_cost") not in (None, ""):
            local += f" at ${float(req['local_electricity_cost']):.2f}/kWh"
        if req.get("local_power_watts"):
            local += f", {_num_words(req['local_power_watts'])} W"
        parts.append(local)
    if req.get("gpu_type"):
        parts.append(f"only {req['gpu_type']}")
    if req.get("min_memory_gb"):
        parts.append(f"at least {_num_words(req['min_memory_gb'])} GB per GPU")
    if req.get("providers"):
        from pricing.providers.registry import provider_names

        names = provider_names()
        parts.append("providers " + ", ".join(names.get(p, p) for p in req["providers"]))
    if req.get("continent"):
        parts.append(f"in {req['continent']}")
    if req.get("region"):
        parts.append(f"region {req['region']}")
    if req.get("allow_interruptible"):
        parts.append("interruptible offers allowed")
    if req.get("sort") and req.get("sort") != "cost":
        parts.append(SORT_WORDS.get(req["sort"], req["sort"]))
    text = "; ".join(p for p in parts if p)
    return (text[:1].upper() + text[1:] + ".") if text else ""


PAGE_FILTERS = ("gpu_type", "min_memory_gb", "providers", "continent", "region", "include_unavailable",
                "allow_interruptible", "sort")


def again_from_request(req: dict) -> tuple[dict | None, dict, dict]:
    """Split a stored compare-costs request for "compare again at today's prices":
    (wizard step-1 config or None, wizard filters, /compare/ form values)."""
    req = req or {}
    filters = {k: req[k] for k in PAGE_FILTERS if req.get(k) not in (None, "", [], False)}
    local = {k: req[k] for k in ("local_gpu_type", "local_electricity_cost", "local_power_watts") if req.get(k) not in (None, "")}
    count = {"gpu_count": req["gpu_count"]} if req.get("gpu_count") else {}
    if req.get("workload"):
        config = {**req["workload"], **count, **local}
        if req.get("min_memory_gb"):
            config["min_memory_gb"] = req["min_memory_gb"]
        return config, filters, {}
    form = {"training_hours": req.get("training_hours"), **count, **local, **filters}
    # Old comparisons without reference_gpu had the same hours on every GPU: keep that meaning.
    form["hours_measured_on"] = req.get("reference_gpu") or ("same" if req.get("local_gpu_type") else "")
    return None, filters, form


# --- History ---------------------------------------------------------------------------------

def history_for(user, limit: int = 100):
    """The user's own comparisons and selections (per user, like preferences), and the jobs of every
    team they are in (jobs belong to a team: its members see them), newest first."""
    comparisons = list(Comparison.objects.filter(user=user).prefetch_related("jobs")[:limit])
    jobs = list(_team_jobs(user).select_related("selection", "team", "user", "launch")[:limit])
    return comparisons, jobs


def _team_jobs(user):
    from django.db.models import Q

    from teams.selectors import teams_for

    team_ids = [t.pk for t in teams_for(user)]
    # A job recorded before teams (team null) stays its recorder's.
    return TrainingJob.objects.filter(Q(team_id__in=team_ids) | Q(team__isnull=True, user=user))


def job_for_member(user, pk) -> TrainingJob | None:
    """A job of one of the user's teams (None for anyone else, and for an id no row can have: the
    pages answer 404, so an outsider learns nothing)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not (0 < pk < 2**63) or not getattr(user, "is_authenticated", False):
        return None
    return _team_jobs(user).select_related("selection", "team").filter(pk=pk).first()


def job_costs(job: TrainingJob) -> dict:
    """Estimate vs actual for the team's history: the estimate is the total at the price the job was
    recorded (or launched) at; the actual is what the launch has spent (None until it is launched)."""
    launch = getattr(job, "launch", None)  # the launch app's record of it (a reverse one-to-one)
    if launch is None:
        return {"estimate": job.total_cost_usd, "actual": None, "diff": None, "pct": None, "status": "",
                "live": False, "estimate_hours": job.training_hours, "actual_hours": None, "dry_run": False}
    actual = launch.spend_usd.quantize(Decimal("0.01"))
    diff = actual - launch.estimate_usd
    pct = round(float(diff / launch.estimate_usd * 100), 1) if launch.estimate_usd else None
    return {"estimate": launch.estimate_usd, "actual": actual, "diff": diff, "pct": pct,
            "status": launch.get_status_display(), "live": launch.is_live, "dry_run": launch.dry_run,
            "estimate_hours": launch.training_hours, "actual_hours": launch.measured_hours}


# --- Calibration from the user's own runs ----------------------------------------------------------

@dataclass(frozen=True)
class MeasuredRun:
    job_id: int
    label: str
    tokens_per_second: float
    gpu_slug: str
    gpu_count: int
    configuration: dict


def measured_runs(user, limit: int = 10) -> list[MeasuredRun]:
    """The user's jobs with a measured throughput on a catalog GPU, most recently measured first."""
    from pricing.gpus import GPUS_BY_SLUG

    jobs = (TrainingJob.objects.filter(user=user, measured_tokens_per_second__isnull=False)
            .exclude(measured_gpu_type="").order_by("-measured_at", "-id")[:limit])
    out = []
    for j in jobs:
        gpu = GPUS_BY_SLUG.get(j.measured_gpu_type)
        if gpu is None:
            continue
        cfg = j.configuration or {}
        what = f"{cfg.get('model_params_b', '?')}B {cfg.get('method', '')}".strip()
        label = (f"{j.name or f'Job #{j.pk}'}: {j.measured_tokens_per_second:,.0f} tokens/s on "
                 f"{j.measured_gpu_count or 1}× {gpu.name} ({what})")
        out.append(MeasuredRun(j.pk, label, j.measured_tokens_per_second, gpu.slug, j.measured_gpu_count or 1, cfg))
    return out


def calibration_fields(run: MeasuredRun, workload: dict) -> dict:
    """The calibration fields for ``workload`` from a run of possibly another job: the run's measured
    throughput over what the estimator expects for the run's own job on its GPUs is a correction
    factor; applied to what it expects for this workload on the same GPUs, it is this workload's
    "measured" throughput there (so the estimator's calibration, which assumes the same job, holds).
    Empty when either job cannot be estimated."""
    from pricing.gpus import GPUS_BY_SLUG
    from selector.api.estimate import WorkloadSerializer
    from selector.estimator import tokens_per_second
    from selector.workload import workload_from

    def _workload(data: dict):
        ser = WorkloadSerializer(data={k: v for k, v in data.items() if not k.startswith("measured_")})
        return workload_from(ser.validated_data) if ser.is_valid() else None

    ran = _workload(workload_payload(run.configuration))
    new = _workload(workload)
    if ran is None or new is None:
        return {}
    gpu = GPUS_BY_SLUG[run.gpu_slug]
    factor = run.tokens_per_second / tokens_per_second(ran, gpu, run.gpu_count)
    return {
        "measured_tokens_per_second": round(factor * tokens_per_second(new, gpu, run.gpu_count), 3),
        "measured_gpu_type": run.gpu_slug,
        "measured_gpu_count": run.gpu_count,
    }
