"""The provider selector page: standalone at /compare/ (public, read-only, every state a URL; a
signed-in user can keep a comparison in their history) and the form binding and context that
wizard step 2 shares. Function views: the form makes the typed question (``SelectorForm.to_query``),
``wizard.compare_page.compare`` answers it through ``selector.compare.compare_costs`` (the function
the API view calls), render; htmx requests get the results partial (``selector/compare.html#results``)."""

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

from selector.query import CompareQuery

from . import compare_page, questions, services, stored
from .compare_page import CompareOutcome
from .forms import COLUMN_SORTS, SelectorForm
from .job_tips import job_tips
from .models import Comparison, UserPreferences
from .questions import DEFAULT_TRAINING_HOURS

# The API's sort names stay the product document's ("speed" is the quickest setup); pages say what each means.
SORT_LABELS = (("cost", "Cost"), ("speed", "Quickest to start"), ("finish", "Finishes first"),
               ("availability", "Availability"))


def refresh_seconds() -> int:
    return int(getattr(settings, "SELECTOR_REFRESH_SECONDS", 30))


def prefs_of(user) -> UserPreferences | None:
    if not user.is_authenticated:
        return None
    return UserPreferences.objects.filter(user=user).first()


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


def selector_context(request, form: SelectorForm, query: CompareQuery | None, page_url: str, *, mode: str,
                     errors: dict | None = None) -> dict:
    """The page for ``query`` (None: nothing to compare, the form or ``errors`` say why)."""
    cleaned = {k: v for k, v in getattr(form, "cleaned_data", {}).items()}
    if form.errors and not errors:  # also named above the results, for a field the panel folds away
        errors = {str(form.fields[f].label or f) if f in form.fields else "Settings": list(e) for f, e in form.errors.items()}
    outcome = compare_page.compare(query) if query is not None else CompareOutcome(None, errors or {})
    answer = outcome.answer
    listed = outcome.options  # every option of the answer, in the engine's order
    options = compare_page.sort_by_column(listed, cleaned.get("order") or "")
    max_rows = getattr(settings, "SELECTOR_MAX_ROWS", 100)
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
    recommended = outcome.pick("recommended")
    return {
        # ``result`` is the typed answer (selector.compare.CompareAnswer); options and picks are
        # compare_page.PageOption. Templates format numbers with the selector_tags filters.
        "form": form, "mode": mode, "page_url": page_url, "result": answer, "errors": outcome.errors,
        # The page lists at most SELECTOR_MAX_ROWS rows (table) / cards in the current order, so a
        # marketplace with thousands of offers does not make a multi-megabyte page; the API has all.
        "options": options[:max_rows], "groups": compare_page.fold_regions(options)[:max_rows],
        "total_options": len(options), "max_rows": max_rows,
        "cheapest": outcome.pick("cheapest"), "fastest": outcome.pick("fastest"), "recommended": recommended,
        "finishes_first": outcome.pick("finishes_first"), "local": outcome.pick("local"),
        "empty": compare_page.empty_advice(
            answer, cleaned, lambda **changes: f"{page_url}?{query_from(cleaned, **changes)}",
            job_url=reverse("wizard:configure") if mode == "wizard" else ""),
        "savings": compare_page.savings(outcome.pick("local"), outcome.pick("best_cloud")),
        "hours_note": compare_page.hours_note(query, answer) if query is not None else "",
        "job_tips": job_tips(listed, recommended, query) if answer is not None else [],
        "columns": columns, "sorts": sorts, "views": views, "view": cleaned.get("view") or "auto",
        "sort": cleaned.get("sort") or "cost", "order": order, "refresh_seconds": refresh_seconds(),
        "question": query, "query": query_from(cleaned),
        # Filters fold on phones once the job or a filter is in the URL (not for a view or sort change alone).
        "applied": any(request.GET.get(k) for k in SelectorForm.base_fields if k not in ("sort", "order", "view")), "filters_summary": compare_page.filters_summary(cleaned, mode=mode),
        "updated_at": timezone.now(),
    }


def page_query(form: SelectorForm) -> CompareQuery | None:
    """The standalone form's typed question; None while the form has errors (they show on the form)."""
    return None if form.errors else questions.compare_query(form.cleaned_data)


def compare(request: HttpRequest) -> HttpResponse:
    """The standalone selector: public, read-only, every state a URL."""
    form = bind_selector(request.GET, selector_initial(request))
    ctx = selector_context(request, form, page_query(form), reverse("compare"), mode="compare")
    template = "selector/compare.html#results" if request.htmx else "selector/compare.html"
    return render(request, template, ctx)


@login_required
@require_POST
def compare_save(request: HttpRequest) -> HttpResponse:
    """Keep the comparison shown on /compare/ in the user's history (prices as of now)."""
    form = SelectorForm(request.POST)
    if not form.is_valid():
        fields = ", ".join(str(form.fields[f].label) if f in form.fields else "the form" for f in form.errors)
        messages.error(request, f"That comparison could not be run ({fields}: see the form), so nothing was saved.")
        data = request.POST.copy()
        data.pop("csrfmiddlewaretoken", None)
        return redirect(f"{reverse('compare')}?{data.urlencode()}")
    outcome = compare_page.compare(form.to_query())
    item = services.comparison_record(user=request.user, kind=Comparison.Kind.COMPARISON, payload=outcome.body,
                                      result=stored.answer_json(outcome.answer))
    messages.success(request, "Comparison saved to your history.")
    return redirect("history_item", pk=item.pk)
