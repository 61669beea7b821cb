"""The provider selector page: standalone at /compare/ (public, read-only, every state a URL; a
signed-in user can keep a comparison in their history) and the form binding and context that
wizard step 2 shares. Function views: parse, call one selector/service, render; htmx requests get
the results partial (``selector/compare.html#results``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import COLUMN_SORTS, SAME_HOURS, SelectorForm
from .models import Comparison, UserPreferences

DEFAULT_TRAINING_HOURS = 10.0  # the product document's example, for the standalone selector
# The API's sort names stay the product document's ("speed" is the quickest setup); pages say what each means.
SORT_LABELS = (("cost", "Cost"), ("speed", "Quickest to start"), ("finish", "Finishes first"),
               ("availability", "Availability"))


def refresh_seconds() -> int:
    return int(getattr(settings, "SELECTOR_REFRESH_SECONDS", 30))


def prefs_of(user) -> UserPreferences | None:
    if not user.is_authenticated:
        return None
    return UserPreferences.objects.filter(user=user).first()


def filters_payload(cleaned: dict) -> dict:
    """The selector form's filters as the API's JSON body fields."""
    p: dict = {}
    if cleaned.get("gpu_type"):
        p["gpu_type"] = cleaned["gpu_type"]
    if cleaned.get("min_memory_gb"):
        p["min_memory_gb"] = cleaned["min_memory_gb"]
    if cleaned.get("providers"):
        p["providers"] = list(cleaned["providers"])
    if cleaned.get("continent"):
        p["continent"] = cleaned["continent"]
    if cleaned.get("region"):
        p["region"] = cleaned["region"]
    p["include_unavailable"] = bool(cleaned.get("include_unavailable"))
    p["allow_interruptible"] = bool(cleaned.get("allow_interruptible"))
    p["sort"] = cleaned.get("sort") or "cost"
    return p


def query_from(cleaned: dict, **changes) -> str:
    """The GET query string for a selector state, with ``changes`` applied (for links)."""
    data = {**cleaned, **changes}
    pairs = []
    for k in SelectorForm.base_fields:
        v = data.get(k)
        if v in (None, "", False, [], ()):
            continue
        if isinstance(v, (list, tuple)):
            pairs.extend((k, x) for x in v)
        elif v is True:
            pairs.append((k, "on"))
        else:
            pairs.append((k, v))
    return urlencode(pairs)


def selector_initial(request: HttpRequest) -> dict:
    prefs = prefs_of(request.user)
    initial = {"sort": "cost", "view": "auto", "training_hours": DEFAULT_TRAINING_HOURS}
    if prefs:
        initial.update({
            "sort": prefs.sort, "view": prefs.view_mode, "local_gpu_type": prefs.local_gpu_type,
            "local_electricity_cost": prefs.local_electricity_cost, "min_memory_gb": prefs.min_memory_gb,
            "local_power_watts": prefs.local_power_watts,
            "providers": list(prefs.preferred_providers or []),
        })
    return initial


def bind_selector(query, initial: dict) -> SelectorForm:
    """A bound form from the GET query, or from ``initial`` when the query is empty."""
    data = query if query else None
    if data is None:
        form = SelectorForm(initial=initial)
        form.cleaned_data = {k: initial.get(k) for k in SelectorForm.base_fields}
        form.cleaned_data["providers"] = initial.get("providers") or []
        return form
    form = SelectorForm(data)
    form.is_valid()
    return form


def selector_context(request, form: SelectorForm, payload: dict, page_url: str, *, mode: str) -> dict:
    cleaned = {k: v for k, v in getattr(form, "cleaned_data", {}).items()}
    outcome = selectors.run_comparison(payload) if not form.errors else selectors.CompareOutcome(None, {}, payload)
    result = outcome.result
    options = selectors.sort_by_column(outcome.options, cleaned.get("order") or "")
    max_rows = getattr(settings, "SELECTOR_MAX_ROWS", 100)
    summary = (result or {}).get("summary") or {}
    order = cleaned.get("order") or ""
    columns = []
    for key, label in COLUMN_SORTS.items():
        if order == key:
            nxt, aria = f"-{key}", "ascending"
        elif order == f"-{key}":
            nxt, aria = key, "descending"
        else:
            nxt, aria = key, None
        columns.append({"key": key, "label": label, "aria_sort": aria,
                        "url": f"{page_url}?{query_from(cleaned, order=nxt)}"})
    sorts = [{"key": k, "label": label, "current": (cleaned.get("sort") or "cost") == k and not order,
              "url": f"{page_url}?{query_from(cleaned, sort=k, order='')}"}
             for k, label in SORT_LABELS]
    views = [{"key": k, "label": label, "current": (cleaned.get("view") or "auto") == k,
              "url": f"{page_url}?{query_from(cleaned, view=k)}"}
             for k, label in (("auto", "Auto"), ("table", "Table"), ("cards", "Cards"))]
    return {
        "form": form, "mode": mode, "page_url": page_url, "result": result, "errors": outcome.errors,
        # The page lists at most SELECTOR_MAX_ROWS rows (table) / cards in the current order, so a
        # marketplace with thousands of offers does not make a multi-megabyte page; the API has all.
        "options": options[:max_rows], "groups": selectors.fold_regions(options)[:max_rows],
        "total_options": len(options), "max_rows": max_rows, "summary": summary,
        "cheapest": selectors.summary_option(result, "cheapest"),
        "fastest": selectors.summary_option(result, "fastest"),
        "recommended": selectors.summary_option(result, "recommended"),
        "empty": selectors.empty_advice(
            result, cleaned, lambda **changes: f"{page_url}?{query_from(cleaned, **changes)}",
            job_url=reverse("wizard:configure") if mode == "wizard" else ""),
        "freshness": selectors.freshness_rows(result),
        "finishes_first": selectors.summary_option(result, "finishes_first"),
        "savings": selectors.savings_words(summary), "hours_note": selectors.hours_note(payload, result),
        "job_tips": selectors.job_tips(result, payload),
        "columns": columns, "sorts": sorts, "views": views, "view": cleaned.get("view") or "auto",
        "sort": cleaned.get("sort") or "cost", "order": order, "refresh_seconds": refresh_seconds(),
        "payload": payload, "query": query_from(cleaned),
        # Filters fold on phones once the job or a filter is in the URL (not for a view or sort change alone).
        "applied": any(request.GET.get(k) for k in SelectorForm.base_fields if k not in ("sort", "order", "view")), "filters_summary": selectors.filters_summary(cleaned, mode=mode),
        "updated_at": timezone.now(),
    }


def local_payload(values: dict) -> dict:
    """The local GPU fields of a compare-costs body (the standalone form and wizard step 1)."""
    p: dict = {}
    if values.get("local_gpu_type"):
        p["local_gpu_type"] = values["local_gpu_type"]
        if values.get("local_electricity_cost") not in (None, ""):
            p["local_electricity_cost"] = float(values["local_electricity_cost"])
        if values.get("local_power_watts"):
            p["local_power_watts"] = float(values["local_power_watts"])
    return p


def measured_on(values: dict) -> str | None:
    """The GPU the user's hours hold on: the one picked, else the local GPU; None = the same on every GPU."""
    picked = values.get("hours_measured_on") or ""
    if picked == SAME_HOURS:
        return None
    return picked or values.get("local_gpu_type") or None


def compare_payload(cleaned: dict) -> dict:
    """The compare-costs request for the standalone selector's form (shown or saved). Hours scale by
    each GPU's relative throughput from the GPU they were measured on; an empty GPU count is
    "whatever fits" (each GPU model at its smallest offered count)."""
    payload = {"training_hours": cleaned.get("training_hours") or DEFAULT_TRAINING_HOURS}
    if cleaned.get("gpu_count"):
        payload["gpu_count"] = cleaned["gpu_count"]
    else:
        payload["any_gpu_count"] = True
    reference = measured_on(cleaned)
    if reference:
        payload["reference_gpu"] = reference
    payload.update(local_payload(cleaned))
    payload.update(filters_payload(cleaned))
    return payload


def compare(request: HttpRequest) -> HttpResponse:
    """The standalone selector: public, read-only, every state a URL."""
    form = bind_selector(request.GET, selector_initial(request))
    cleaned = getattr(form, "cleaned_data", {})
    payload = compare_payload(cleaned)
    ctx = selector_context(request, form, payload, reverse("compare"), mode="compare")
    template = "selector/compare.html#results" if request.htmx else "selector/compare.html"
    return render(request, template, ctx)


@login_required
@require_POST
def compare_save(request: HttpRequest) -> HttpResponse:
    """Keep the comparison shown on /compare/ in the user's history (prices as of now)."""
    form = SelectorForm(request.POST)
    form.is_valid()
    cleaned = form.cleaned_data
    payload = compare_payload(cleaned)
    outcome = selectors.run_comparison(payload)
    if outcome.result is None:
        messages.error(request, "That comparison could not be run, so nothing was saved.")
        return redirect("compare")
    item = services.comparison_record(user=request.user, kind=Comparison.Kind.COMPARISON, payload=payload,
                                      result=outcome.result)
    messages.success(request, "Comparison saved to your history.")
    return redirect("history_item", pk=item.pk)
