"""Pages: the four wizard steps, preferences, history and jobs. Function views: parse, call one
selector/service, render; htmx requests get the changed fragment (``template.html#partial``).
Steps 1 and 2 make the typed question (``wizard.questions``: a ``Workload``, a ``CompareQuery``) and
hand it to the functions the API's views call. The provider selector page (standalone, and the
context step 2 shares) is ``wizard.compare_views``; the content pages are ``selector.views``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from selector.compare import REFERENCE_WORKLOAD
from selector.formatting import dec, money, rate
from selector.query import CompareQuery
from selector.setup_guides import GUIDES
from selector.workload import WORKLOAD_DEFAULTS
from teams.selectors import current_team, role_in

from . import compare_page, estimate_table, questions, selectors, services, stored
from .compare_views import bind_selector, prefs_of, query_from, selector_context, selector_initial
from .forms import ConfigureForm, NotesForm, PreferencesForm, SelectorForm, ThroughputForm
from .job_tips import job_tips
from .models import Comparison, TrainingJob, UserPreferences
from .questions import WORKLOAD_FIELDS, measured_on  # noqa: F401  (WORKLOAD_FIELDS re-exported)
from .state import WizardState

STEPS = (("configure", "Configure"), ("providers", "Choose a provider"), ("review", "Review"), ("launch", "Launch"))
workload_payload = questions.workload_values  # step 1's saved configuration -> the API's workload (launch uses it)


# --- The wizard ----------------------------------------------------------------------------------

def _steps(current: str, state: WizardState) -> list[dict]:
    reached = [s for s, _ in STEPS].index(state.furthest_step())
    out = []
    for i, (key, label) in enumerate(STEPS):
        out.append({"key": key, "label": label, "current": key == current, "done": i < reached and key != current,
                    "url": reverse(f"wizard:{key}") if i <= reached else None})
    return out


# Step 1 holds the job: step 2's filter form leaves these out.
JOB_FIELDS = ("training_hours", "hours_measured_on", "gpu_count", "local_gpu_type", "local_electricity_cost",
              "local_power_watts")


def _config_initial(request) -> dict:
    # Method, precision and epochs are the API's defaults (their one home: selector.workload.
    # WORKLOAD_DEFAULTS); the model and dataset size are the example job compare-costs scales hours by.
    initial = {"model_params_b": REFERENCE_WORKLOAD["model_params_b"], "dataset_tokens": REFERENCE_WORKLOAD["dataset_tokens"],
               **{k: WORKLOAD_DEFAULTS[k] for k in ("method", "precision", "epochs")}}
    prefs = prefs_of(request.user)
    if prefs:
        initial.update({"local_gpu_type": prefs.local_gpu_type, "local_electricity_cost": prefs.local_electricity_cost,
                        "min_memory_gb": prefs.min_memory_gb, "local_power_watts": prefs.local_power_watts})
    runs = estimate_table.measured_runs(request.user)
    if runs:  # a measured run of the user's is the first thing step 1 offers
        initial["calibrate_from"] = str(runs[0].job_id)
    return initial


def _config_from_form(form: ConfigureForm) -> dict:
    """Step 1's configuration: the cleaned fields, plus the calibration fields of the chosen run
    scaled to this job (wizard.estimate_table.calibration_fields)."""
    config = stored.jsonable({k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    run = form.runs.get(config.get("calibrate_from") or "")
    if run is not None:
        config.update(estimate_table.calibration_fields(run, workload_payload(config)))
    return config


def _configure_form(request, data) -> ConfigureForm:
    return ConfigureForm(data, runs=estimate_table.measured_runs(request.user))


def _job_estimate(config: dict) -> dict | None:
    """The estimate table for step 1's job (None when the job gives no workload to estimate)."""
    try:
        workload = questions.workload_of(config)
    except ValueError:
        return None
    return estimate_table.estimate_workload(workload, gpu_count=config.get("gpu_count") or None)


def _check_workload(form: ConfigureForm) -> dict | None:
    """Step 1's estimate, for the typed workload the form makes; a workload that cannot be estimated
    is an error on the form (unless the user gave the hours). Returns the estimate."""
    if not form.is_valid():
        return None
    config = _config_from_form(form)
    try:
        workload = questions.workload_of(config)
    except ValueError as exc:
        if not config.get("training_hours"):
            form.add_error(None, str(exc))
        return None
    return estimate_table.estimate_workload(workload, gpu_count=config.get("gpu_count") or None)


@login_required
def wizard_start(request: HttpRequest) -> HttpResponse:
    return redirect(f"wizard:{WizardState(request.session).furthest_step()}")


@login_required
@require_http_methods(["GET", "POST"])
def wizard_configure(request: HttpRequest) -> HttpResponse:
    state = WizardState(request.session)
    estimate = None
    if request.method == "POST":
        form = _configure_form(request, request.POST)
        estimate = _check_workload(form)
        if form.is_valid():
            state.set_config(_config_from_form(form))
            return redirect("wizard:providers")
    else:
        # Bound to what was entered before (or the defaults): the estimate shows at once.
        form = _configure_form(request, state.config or selectors.jsonable(_config_initial(request)))
        estimate = _check_workload(form)
    return render(request, "wizard/configure.html", {
        "form": form, "steps": _steps("configure", state), **_estimate_ctx(form, estimate),
    })


def _estimate_ctx(form: ConfigureForm, estimate: dict | None) -> dict:
    cleaned = getattr(form, "cleaned_data", {}) or {}
    featured, rest = estimate_table.estimate_rows(estimate, cleaned.get("local_gpu_type"))
    return {"estimate": estimate, "est_featured": featured, "est_rest": rest,
            "est_gpu_count": cleaned.get("gpu_count"), "est_override": cleaned.get("training_hours")}


@login_required
@require_POST
def wizard_estimate(request: HttpRequest) -> HttpResponse:
    """htmx: the estimate panel for the form as it is now (nothing is stored)."""
    form = _configure_form(request, request.POST)
    estimate = _check_workload(form)
    return render(request, "wizard/configure.html#estimate", {"form": form, **_estimate_ctx(form, estimate)})


@login_required
@require_POST
def wizard_detect_gpu(request: HttpRequest) -> HttpResponse:
    """Fill the local GPU from the GPU of the machine this app runs on; say plainly when there is none.
    Whatever else was typed is kept (the whole form is posted)."""
    detected = estimate_table.detect_local_gpu()
    data = request.POST.copy()
    if detected.gpu_name:
        data["local_gpu_type"] = detected.gpu_name
    form = _configure_form(request, data)
    if request.htmx:
        form.is_valid()
        return render(request, "wizard/configure.html#local-gpu", {"form": form, "detected": detected})
    state = WizardState(request.session)
    return render(request, "wizard/configure.html", {"form": form, "detected": detected, "steps": _steps("configure", state),
                                                       **_estimate_ctx(form, _check_workload(form))})


def _wizard_filters(request, state: WizardState) -> SelectorForm:
    if request.GET:
        form = SelectorForm(request.GET)
        for job_field in JOB_FIELDS:
            form.fields.pop(job_field)  # step 1 holds the job
        if form.is_valid():
            state.set_filters(stored.jsonable({k: v for k, v in form.cleaned_data.items() if k in SelectorForm.base_fields}))
        return form
    initial = selector_initial(request)
    for job_field in JOB_FIELDS:
        initial.pop(job_field, None)  # step 1 holds the job
    if state.filters:
        initial = {**initial, **state.filters}
    if state.config and state.config.get("min_memory_gb") and not (state.filters or {}).get("min_memory_gb"):
        initial["min_memory_gb"] = state.config["min_memory_gb"]
    return bind_selector(None, initial)


@login_required
@require_http_methods(["GET", "POST"])
def wizard_providers(request: HttpRequest) -> HttpResponse:
    state = WizardState(request.session)
    if not state.config:
        messages.info(request, "Configure the training job first.")
        return redirect("wizard:configure")
    if request.method == "POST":
        return _wizard_select(request, state)
    form = _wizard_filters(request, state)
    query, errors = None, {}
    if not form.errors:
        try:
            query = questions.wizard_query(state.config, form.cleaned_data)
        except ValueError as exc:  # a job kept from before that no longer makes a workload
            errors = {"job": [f"{exc} Change the job in step 1."]}
    ctx = selector_context(request, form, query, reverse("wizard:providers"), mode="wizard", errors=errors)
    state.set_shown_prices([*ctx["options"], *(o for g in ctx["groups"] for o in g.others)])
    ctx.update({"steps": _steps("providers", state), "config": state.config, "measured_on": measured_on(state.config),
                "selected_id": (state.selection or {}).get("option", {}).get("id")})
    template = "selector/compare.html#results" if request.htmx else "wizard/providers.html"
    return render(request, template, ctx)


def _wizard_select(request, state: WizardState) -> HttpResponse:
    """"Select" on an option: look the id up in a fresh comparison; never trust a price from the form."""
    option_id = (request.POST.get("option_id") or "").strip()
    back = reverse("wizard:providers")
    try:
        outcome = compare_page.compare(questions.wizard_query(state.config, state.filters or {}))
    except ValueError as exc:
        messages.error(request, f"{exc} Change the job in step 1.")
        return redirect("wizard:configure")
    option = outcome.find(option_id) if option_id else None
    if option is None:
        messages.error(request, "That option is no longer offered (its price or availability changed). "
                                "The comparison below is fresh: choose again.")
        return redirect(back)
    shown = state.shown_prices.get(option.id)
    if shown and dec(shown[0]) != option.hourly_rate:
        messages.warning(request, f"The price changed since the list was shown: now {rate(option.hourly_rate)} "
                                  f"(was {rate(shown[0])}), total {money(option.total_cost)}.")
    chosen = stored.option_json(option)
    item = services.comparison_record(user=request.user, kind=Comparison.Kind.SELECTION, payload=outcome.body,
                                      result=stored.answer_json(outcome.answer), chosen=chosen)
    state.set_selection(chosen, item.pk, outcome.body)
    return redirect("wizard:review")


def _selection_query(state: WizardState) -> CompareQuery | None:
    """The question the selection was made for (kept as its API body); None if it no longer reads."""
    try:
        return CompareQuery.from_validated(state.selection["payload"])
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def _fresh_selection(state: WizardState, query: CompareQuery | None):
    """The selected option re-priced now: (fresh option or None, the fresh comparison, change note)."""
    sel = state.selection
    outcome = compare_page.compare(query) if query is not None else compare_page.CompareOutcome(None)
    fresh = outcome.find(sel["option"]["id"])
    note = ""
    if fresh is None:
        note = "The option you selected is no longer offered. Choose again."
    else:
        old = sel["option"].get("total_cost")  # as stored (JSON) when it was selected
        if dec(old) != fresh.total_cost:
            note = (f"The price changed since you selected it: the total is now {money(fresh.total_cost)} "
                    f"(was {money(old)}).")
    return fresh, outcome, note


@login_required
@require_http_methods(["GET", "POST"])
def wizard_review(request: HttpRequest) -> HttpResponse:
    state = WizardState(request.session)
    if not state.config:
        messages.info(request, "Configure the training job first.")
        return redirect("wizard:configure")
    if not state.selection:
        messages.info(request, "Choose a provider first.")
        return redirect("wizard:providers")
    query = _selection_query(state)
    fresh, outcome, note = _fresh_selection(state, query)
    if fresh is None:
        state.clear_selection()
        messages.error(request, note)
        return redirect("wizard:providers")
    if note:
        # Keep the fresh price; the review shows (and a launch records) what is true now.
        state.set_selection(stored.option_json(fresh), state.selection.get("comparison_id"), state.selection["payload"])
        messages.warning(request, note)
    recommended = outcome.pick("recommended")
    if request.method == "POST":
        if note:
            return redirect("wizard:review")  # the user must see the new price before launching
        job = services.job_create(user=request.user, configuration=state.config, chosen=stored.option_json(fresh),
                                  recommended=stored.option_json(recommended),
                                  estimate=_job_estimate(state.config), selection_id=state.selection.get("comparison_id"),
                                  team=current_team(request))
        state.set_job(job.pk)
        messages.success(request, "Training job recorded: ready to launch.")
        return redirect("wizard:launch")
    return render(request, "wizard/review.html", {
        "steps": _steps("review", state), "config": state.config, "option": fresh, "recommended": recommended,
        "result": outcome.answer,
        "versus": compare_page.compare_to_recommended(fresh, recommended), "guide": GUIDES.get(fresh.provider),
        "config_rows": selectors.config_rows(state.config), "filters": state.filters or {},
        "job_tips": job_tips(outcome.options, recommended, query), "updated_at": timezone.now(),
    })


@login_required
def wizard_launch(request: HttpRequest) -> HttpResponse:
    state = WizardState(request.session)
    if not state.job_id:
        if state.selection:
            return redirect("wizard:review")
        return redirect("wizard:providers" if state.config else "wizard:configure")
    job = get_object_or_404(TrainingJob, pk=state.job_id, user=request.user)
    return render(request, "wizard/launch.html", {
        "steps": _steps("launch", state), "job": job, "guide": GUIDES.get(job.provider),
        "config_rows": selectors.config_rows(job.configuration),
    })


# --- Preferences and history ---------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    prefs = UserPreferences.objects.filter(user=request.user).first() or UserPreferences(user=request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=prefs)
        if form.is_valid():
            services.preferences_save(user=request.user, data=form.cleaned_data)
            messages.success(request, "Preferences saved. The wizard and the selector start from them.")
            return redirect("preferences")
    else:
        form = PreferencesForm(instance=prefs)
    return render(request, "wizard/preferences.html", {"form": form})


@login_required
def history(request: HttpRequest) -> HttpResponse:
    comparisons, jobs = selectors.history_for(request.user)
    for c in comparisons:
        c.described = selectors.describe_request(c.inputs)
    for j in jobs:
        j.described = selectors.describe_request(j.configuration)
        j.costs = selectors.job_costs(j)
    return render(request, "wizard/history.html", {"comparisons": comparisons, "jobs": jobs,
                                                   "several_teams": len({j.team_id for j in jobs}) > 1})


def _notes_form(request: HttpRequest, item) -> tuple[NotesForm, bool]:
    """The name/notes form of one of the user's history items or jobs: (form, saved)."""
    if request.method != "POST":
        return NotesForm(initial={"name": item.name, "notes": item.notes}), False
    form = NotesForm(request.POST)
    if not form.is_valid():
        return form, False
    services.item_update_notes(item=item, name=form.cleaned_data["name"], notes=form.cleaned_data["notes"])
    messages.success(request, "Saved.")
    return form, True


@login_required
@require_http_methods(["GET", "POST"])
def history_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Comparison, pk=pk, user=request.user)
    form, saved = _notes_form(request, item)
    if saved:
        return redirect("history_item", pk=item.pk)
    return render(request, "wizard/history_item.html", {
        "item": item, "form": form,
        "versus": selectors.compare_to_recommended(item.chosen, item.recommended) if item.chosen else "",
        "described": selectors.describe_request(item.inputs),
        "request_json": json.dumps(item.inputs, indent=2, sort_keys=True),
    })


@login_required
@require_POST
def history_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Comparison, pk=pk, user=request.user)
    item.delete()
    messages.success(request, "Deleted from your history.")
    return redirect("history")


def _member_job(request: HttpRequest, pk) -> TrainingJob:
    """A job of one of the user's teams, else 404 (jobs belong to a team; preferences stay per user)."""
    job = selectors.job_for_member(request.user, pk)
    if job is None:
        raise Http404("No such job")
    return job


def _launch_of(job: TrainingJob):
    return getattr(job, "launch", None)  # the launch app's record, once the job was launched


@login_required
@require_http_methods(["GET", "POST"])
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A recorded job's page. Once launched, the launch page is the job's one page (it carries the
    name, notes and the job's actions too), so old links to /jobs/<id>/ land there."""
    job = _member_job(request, pk)
    form, saved = _notes_form(request, job)
    if saved or (request.method == "GET" and _launch_of(job) is not None):
        return redirect("launch:job", pk=job.pk) if _launch_of(job) is not None else redirect("job_detail", pk=job.pk)
    throughput_form = ThroughputForm(initial={
        "tokens_per_second": job.measured_tokens_per_second,
        "gpu_type": job.measured_gpu_type or job.chosen.get("gpu_slug"),
        "gpu_count": job.measured_gpu_count or job.chosen.get("gpu_count") or 1,
    })
    return render(request, "wizard/job_detail.html", {
        "job": job, "form": form, "guide": GUIDES.get(job.provider), "config_rows": selectors.config_rows(job.configuration),
        "described": selectors.describe_request(job.configuration),
        "throughput_form": throughput_form,
    })


@login_required
@require_POST
def job_throughput(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep a run's measured throughput; the wizard then offers it first to calibrate estimates."""
    job = _member_job(request, pk)
    form = ThroughputForm(request.POST)
    if form.is_valid():
        services.job_record_throughput(job=job, tokens_per_second=form.cleaned_data["tokens_per_second"],
                                       gpu_slug=form.cleaned_data.get("gpu_type") or None,
                                       gpu_count=form.cleaned_data.get("gpu_count"))
        messages.success(request, "Throughput kept: the wizard will offer it to calibrate your next estimate.")
    else:
        messages.error(request, "Give the measured throughput in tokens per second (a positive number).")
    return redirect("job_detail", pk=job.pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _member_job(request, pk)
    if _launch_of(job) is not None:
        messages.info(request, "That job was launched: terminate it on its page instead.")
    elif services.job_cancel(job=job):
        messages.success(request, "Job cancelled.")
    else:
        messages.info(request, "That job was already cancelled.")
    return redirect("job_detail", pk=job.pk)


@login_required
@require_POST
def job_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Who recorded the job, or an owner of its team, deletes it; never while its launch runs (the
    launch record is what terminates the instance and stops it at the budget)."""
    job = _member_job(request, pk)
    if job.user_id != request.user.pk and role_in(request.user, job.team_id) != "owner":
        return HttpResponse("Only who recorded this job or an owner of its team can delete it.", status=403)
    launch = _launch_of(job)
    if launch is not None and launch.is_live:
        messages.error(request, "This job is still running: terminate it first, then delete it.")
        return redirect("launch:job", pk=job.pk)
    job.delete()
    messages.success(request, "Job deleted from the team's history.")
    return redirect("history")


# --- Compare again at today's prices ------------------------------------------------------------

def _compare_again(request: HttpRequest, config: dict | None, filters: dict, form_values: dict) -> HttpResponse:
    """A job goes back into the wizard (step 2, fresh prices); a /compare/ request reopens /compare/."""
    if config:
        state = WizardState(request.session)
        state.set_config(selectors.jsonable(config))
        state.set_filters(selectors.jsonable(filters))
        messages.info(request, "The same job at today's prices.")
        return redirect("wizard:providers")
    return redirect(f"{reverse('compare')}?{query_from(form_values)}")


@login_required
@require_POST
def history_item_again(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Comparison, pk=pk, user=request.user)
    config, filters, form_values = selectors.again_from_request(item.inputs)
    return _compare_again(request, config, filters, form_values)


@login_required
@require_POST
def job_again(request: HttpRequest, pk: int) -> HttpResponse:
    job = _member_job(request, pk)
    _, filters, _ = selectors.again_from_request(job.selection.inputs if job.selection else {})
    return _compare_again(request, job.configuration or None, filters, {})
