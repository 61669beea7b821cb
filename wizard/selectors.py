"""Reads for the history and job pages: a stored comparison request or a job in words, "compare
again at today's prices", the user's history, step 1's settings as rows. The compare page's read
model is ``wizard.compare_page``, step 1's estimate and calibration ``wizard.estimate_table``, the
cost tips ``wizard.job_tips``, the pages' typed questions ``wizard.questions``; the names other apps
and the history views use are imported here so they keep one place to import from."""

from __future__ import annotations

from decimal import Decimal

from selector.formatting import dec, money  # noqa: F401  (dec re-exported)

from .estimate_table import EstimateOutcome, MeasuredRun, calibration_fields, measured_runs, run_estimate  # noqa: F401
from .job_tips import job_tips  # noqa: F401  (re-exported)
from .models import Comparison, TrainingJob
from .questions import WORKLOAD_FIELDS  # noqa: F401  (re-exported)
from .questions import workload_values as workload_payload  # noqa: F401  (step 1's saved job -> the API's workload)
from .stored import JsonOutcome, jsonable, run_comparison  # noqa: F401  (re-exported: launch re-prices from JSON)
from .stored import stored_versus as compare_to_recommended  # noqa: F401  (a stored choice in words)


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
            local += f" at {money(req['local_electricity_cost'])}/kWh"
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
    jobs = list(jobs_visible_to(user).select_related("selection", "team", "user", "launch")[:limit])
    return comparisons, jobs


def jobs_visible_to(user):
    """Every job the user may see: those of the teams they are in (and their own pre-team jobs)."""
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
    return jobs_visible_to(user).select_related("selection", "team").filter(pk=pk).first()


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
