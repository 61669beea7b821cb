"""Launch pages: the team's provider accounts and launch template, the launch confirmation (from
a recorded job or the wizard's review), the live job page (htmx refresh), terminate/stop, the
team's launched jobs (estimate vs actual), stray instances, the user's API token.

Every object is reached through the user's teams: outsiders get 404, anonymous users the login
page. Keys are never rendered (accounts show the last four characters)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from teams.selectors import current_team, role_in

from . import billing, scripts, selectors, services
from .forms import AccountForm, LaunchForm, TemplateForm, ThroughputForm
from .models import Launch, ProviderAccount, StrayInstance
from .providers.base import LaunchError
from .providers.registry import ADAPTERS, SCRIPT_PROVIDERS


def _owner_only(request, team) -> HttpResponse | None:
    if role_in(request.user, team) != "owner":
        return HttpResponse("Only an owner of the team can change its provider accounts.", status=403)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def accounts(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        denied = _owner_only(request, team)
        if denied:
            return denied
        if form.is_valid():
            try:
                account = services.account_connect(team=team, user=request.user, provider=form.cleaned_data["provider"],
                                                   api_key=form.cleaned_data["api_key"],
                                                   ssh_public_key=form.cleaned_data["ssh_public_key"])
            except services.AccountError as exc:
                form.add_error("api_key", str(exc))
            else:
                messages.success(request, f"{account.get_provider_display()} connected (key …{account.key_last4}).")
                return redirect("launch:accounts")
    return render(request, "launch/accounts.html", {
        "team": team, "role": role_in(request.user, team), "accounts": selectors.accounts_of(team), "form": form,
    })


@login_required
@require_POST
def account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = ProviderAccount.objects.filter(pk=pk, team__memberships__user=request.user).select_related("team").first()
    if account is None:
        raise Http404("No such account")
    denied = _owner_only(request, account.team)
    if denied:
        return denied
    services.account_delete(account=account)
    messages.success(request, f"{account.get_provider_display()} account removed.")
    return redirect("launch:accounts")


@login_required
@require_http_methods(["GET", "POST"])
def template(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    tpl = services.template_for(team)
    opts = tpl.provider_options or {}
    initial = {"image": tpl.image, "command": tpl.command, "disk_gb": tpl.disk_gb,
               "together_model": (opts.get("together") or {}).get("model", ""),
               "together_training_file": (opts.get("together") or {}).get("training_file", ""),
               "replicate_version": (opts.get("replicate") or {}).get("version", ""),
               "replicate_destination": (opts.get("replicate") or {}).get("destination", "")}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            env = {} if d["clear_env"] else (services.env_parse(d["env"]) if d["env"].strip() else None)
        except services.LaunchInputError as exc:
            form.add_error("env", str(exc))
        else:
            services.template_save(team=team, image=d["image"], command=d["command"], disk_gb=d["disk_gb"], env=env,
                                   provider_options={
                                       "together": {"model": d["together_model"], "training_file": d["together_training_file"]},
                                       "replicate": {"version": d["replicate_version"], "destination": d["replicate_destination"]},
                                   })
            messages.success(request, "Launch template saved.")
            return redirect("launch:template")
    return render(request, "launch/template.html", {"team": team, "form": form, "template": tpl})


# --- Confirm and launch ----------------------------------------------------------------------

def _launch_form(request, quote, tpl, *, data=None) -> LaunchForm:
    initial = {"budget_usd": quote.default_budget_usd, "allow_failover": True, "image": tpl.image,
               "command": tpl.command, "disk_gb": tpl.disk_gb, "idempotency_key": uuid.uuid4().hex,
               "shown_usd_per_hour": quote.usd_per_hour}
    return LaunchForm(data, initial=initial)


def _confirm(request, *, team, payload: dict, option_id: str, job=None, configuration=None, on_created=None):
    """GET: the offer, estimate and default budget; POST: re-check live, then launch (or ask again)."""
    tpl = services.template_for(team)
    if request.method != "POST":
        quote = services.launch_quote(team=team, payload=payload, option_id=option_id, refresh=False)
        form = _launch_form(request, quote, tpl)
    else:
        form = LaunchForm(request.POST)
        if not form.is_valid():
            quote = services.launch_quote(team=team, payload=payload, option_id=option_id, refresh=False)
        else:
            d = form.cleaned_data
            # The fresh poll of that provider: a moved price or a sold-out offer asks again.
            quote = services.launch_quote(team=team, payload=payload, option_id=option_id,
                                          shown_usd_per_hour=d.get("shown_usd_per_hour"))
            if quote.gone or quote.moved:
                messages.warning(request, quote.note())
                data = request.POST.copy()
                data["shown_usd_per_hour"] = str(quote.usd_per_hour)
                data.pop("confirm", None)
                form = LaunchForm(data)
                form.is_valid()
            else:
                try:
                    launch, created = services.launch_submit(
                        team=team, user=request.user, quote=quote, budget_usd=d["budget_usd"], confirm=d["confirm"],
                        idempotency_key=d["idempotency_key"], allow_failover=d["allow_failover"],
                        stop_at_budget=d["stop_at_budget"], image=d["image"], command=d["command"],
                        disk_gb=d["disk_gb"], job=job, configuration=configuration)
                except (services.LaunchInputError, services.NotConfirmed) as exc:
                    field = getattr(exc, "field", None)
                    form.add_error(field if field in form.fields else None, str(exc))
                else:
                    if on_created:
                        on_created(launch)
                    if created:
                        messages.success(request, "Launch requested: follow it below."
                                         + (" (Dry run: nothing is started.)" if launch.dry_run else ""))
                    return redirect("launch:job", pk=launch.pk)
    return render(request, "launch/confirm.html", {"team": team, "quote": quote, "form": form, "job": job,
                                                   "option": quote.option, "action": request.path})


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Launch a job recorded in the wizard (its job page's "Launch on <provider>")."""
    job = selectors.job_for_member(request.user, pk)
    if job is None:
        raise Http404("No such job")
    if Launch.objects.filter(pk=job.pk).exists():
        return redirect("launch:job", pk=job.pk)
    team = job.team or current_team(request)
    option = job.chosen or {}
    if option.get("provider") in SCRIPT_PROVIDERS or option.get("provider") not in ADAPTERS:
        return _script_page(request, job, team)
    payload = (job.selection.inputs if job.selection_id and job.selection.inputs else
               {"training_hours": float(job.training_hours or 1), "gpu_count": option.get("gpu_count") or 1,
                "providers": [option.get("provider")], "include_unavailable": True,
                "allow_interruptible": bool(option.get("interruptible"))})
    return _confirm(request, team=team, payload=payload, option_id=str(option.get("id")), job=job)


def _script_page(request, job, team):
    tpl = services.template_for(team)
    option = job.chosen or {}
    ctx = {"job": job, "option": option, "provider": option.get("provider")}
    if option.get("provider") == "modal":
        ctx["script"] = scripts.modal_script(gpu_slug=option.get("gpu_slug", ""), gpu_count=int(option.get("gpu_count") or 1),
                                             image=tpl.image, command=tpl.command, env_names=tpl.env_names,
                                             hours=float(job.training_hours or 1))
    else:
        ctx["script"] = scripts.local_command(image=tpl.image, command=tpl.command, env_names=tpl.env_names,
                                              gpu_count=int(option.get("gpu_count") or 1))
    return render(request, "launch/script.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def from_wizard(request: HttpRequest) -> HttpResponse:
    """The wizard review step's "Launch on <provider>": the selection becomes a job and a launch."""
    from wizard.state import WizardState

    state = WizardState(request.session)
    sel = state.selection
    if not state.config or not sel:
        messages.info(request, "Choose a provider in the wizard first.")
        return redirect("wizard:start")
    team = current_team(request)
    return _confirm(request, team=team, payload=sel["payload"], option_id=str(sel["option"]["id"]),
                    configuration=state.config, on_created=lambda launch: state.set_job(launch.pk))


# --- The job page ----------------------------------------------------------------------------

def _member_launch(request, pk) -> Launch:
    launch = selectors.launch_for_member(request.user, pk)
    if launch is None:
        raise Http404("No such launched job")
    return launch


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    launch = _member_launch(request, pk)
    adapter = ADAPTERS.get(launch.provider)
    ctx = {"launch": launch, "job": launch.job, "attempts": selectors.attempts_of(launch),
           "events": selectors.events_of(launch), "vs": selectors.actual_vs_estimate(launch),
           "can_stop": bool(adapter and adapter.stop), "rule": billing.describe_rule(adapter.BILLING) if adapter else "",
           "budget_pct": int(launch.spend_usd / launch.budget_usd * 100) if launch.budget_usd else 0,
           "throughput_form": ThroughputForm(),
           "connection": [(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v))
                          for k, v in (launch.connection or {}).items()]}
    if request.htmx:
        return render(request, "launch/job.html#live", ctx)
    # The job's one page: its name, notes, configuration and actions live here once it is launched
    # (/jobs/<id>/ redirects here).
    from wizard.forms import NotesForm
    from wizard.selectors import config_rows

    job = launch.job
    ctx.update(notes_form=NotesForm(initial={"name": job.name, "notes": job.notes}),
               config_rows=config_rows(job.configuration),
               can_delete=not launch.is_live and (job.user_id == request.user.pk
                                                   or role_in(request.user, launch.team) == "owner"))
    return render(request, "launch/job.html", ctx)


@login_required
@require_POST
def terminate(request: HttpRequest, pk: int) -> HttpResponse:
    launch = _member_launch(request, pk)
    stop = request.POST.get("action") == "stop"
    try:
        services.launch_terminate(launch=launch, reason="stopped by the user" if stop else "terminated by the user",
                                  stop=stop, by=request.user)
    except LaunchError as exc:
        messages.error(request, f"{exc} {getattr(exc, 'fix', '')}")
    else:
        messages.success(request, "Stopped." if stop else "Terminate sent.")
    return redirect("launch:job", pk=launch.pk)


@login_required
@require_POST
def throughput(request: HttpRequest, pk: int) -> HttpResponse:
    launch = _member_launch(request, pk)
    form = ThroughputForm(request.POST)
    if form.is_valid():
        services.launch_record_throughput(launch=launch, tokens_per_second=form.cleaned_data["tokens_per_second"])
        messages.success(request, "Throughput recorded.")
    else:
        messages.error(request, "Give the throughput in tokens per second (a positive number).")
    return redirect("launch:job", pk=launch.pk)


@login_required
@require_http_methods(["GET", "POST"])
def calibrate(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the job page's one click): keep this run's measurement as the estimator's calibration;
    GET: the estimates calibrated from it (what the wizard now offers first)."""
    from wizard.selectors import run_estimate

    launch = _member_launch(request, pk)
    try:
        workload = services.calibration_workload(launch)
    except services.CalibrationUnavailable as exc:
        messages.info(request, str(exc))
        return redirect("launch:job", pk=launch.pk)
    if request.method == "POST":
        try:
            tps = services.launch_calibrate(launch=launch, by=request.user)
        except services.CalibrationUnavailable as exc:
            messages.error(request, str(exc))
            return redirect("launch:job", pk=launch.pk)
        messages.success(request, f"Calibration saved: {tps:,.0f} tokens/s on {workload['measured_gpu_count']}× "
                                  f"{(launch.option or {}).get('gpu_type') or workload['measured_gpu_type']}. The wizard "
                                  "offers it first for your next job.")
        return redirect("launch:calibrate", pk=launch.pk)
    est = run_estimate(workload, gpu_count=launch.gpu_count)
    saved = launch.job.measured_tokens_per_second is not None and launch.job.measured_gpu_type == workload["measured_gpu_type"]
    return render(request, "launch/calibrate.html", {"launch": launch, "estimate": est.result, "errors": est.errors,
                                                     "workload": workload, "saved": saved})


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    launches = selectors.launches_of(team)
    rows = [{"launch": la, "vs": selectors.actual_vs_estimate(la)} for la in launches]
    return render(request, "launch/jobs.html", {"team": team, "rows": rows, "notices": selectors.notices_of(team),
                                                "strays": selectors.strays_of(team)})


@login_required
@require_POST
def stray_action(request: HttpRequest, pk: int) -> HttpResponse:
    stray = StrayInstance.objects.filter(pk=pk, account__team__memberships__user=request.user).select_related("account").first()
    if stray is None:
        raise Http404("No such instance")
    if request.POST.get("action") == "terminate":
        try:
            services.stray_terminate(stray=stray)
        except LaunchError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Instance {stray.instance_id} terminated.")
    else:
        services.stray_keep(stray=stray)
        messages.info(request, f"Instance {stray.instance_id} kept (not listed again).")
    return redirect("launch:jobs")


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the user's API token; shown once, on the page that follows."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    return render(request, "launch/token.html", {"token": token.key})

