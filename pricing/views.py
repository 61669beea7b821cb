"""Pages: price index, price history per GPU model (chart partial for htmx), price alerts and
notifications. Views parse input, call one service/selector, and render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import alerts as alert_services
from .charts import ChartPoint, ChartSeries, legend_swatch_svg, price_chart_svg
from .forms import PriceAlertForm
from .gpus import GPUS, GPUS_BY_SLUG
from .history import lowest_current_prices, price_history
from .models import Notification, PriceAlert
from .providers.registry import provider_names

RANGES = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
DEFAULT_RANGE = "30d"


def prices_index(request):
    current = lowest_current_prices()
    names = provider_names()
    rows = []
    for g in GPUS:
        price = current.get(g.slug)
        rows.append({"gpu": g, "usd_per_gpu_hour": price[0] if price else None,
                     "provider": names.get(price[1], price[1]) if price else "",
                     "availability": price[2] if price else ""})
    rows.sort(key=lambda r: (r["usd_per_gpu_hour"] is None, r["gpu"].name))
    return render(request, "pricing/index.html", {"rows": rows})


def gpu_history(request, gpu_slug: str):
    gpu = GPUS_BY_SLUG.get(gpu_slug)
    if gpu is None:
        raise Http404("Unknown GPU model")
    range_key = request.GET.get("range", DEFAULT_RANGE)
    if range_key not in RANGES:
        range_key = DEFAULT_RANGE
    now = timezone.now()
    days = RANGES[range_key]
    series = price_history(gpu_key=gpu.slug, days=days, now=now)
    chart_series = [
        ChartSeries(s.provider_name, tuple(
            ChartPoint(p.t, float(p.min_usd_per_gpu_hour), float(p.median_usd_per_gpu_hour), p.availability, p.offers)
            for p in s.points))
        for s in series
    ]
    svg = price_chart_svg(chart_series, start=now - dt.timedelta(days=days), end=now,
                          title=f"{gpu.name}: USD per GPU-hour over the last {range_key}, lowest and median per provider")
    legend = [{"name": s.provider_name, "low": legend_swatch_svg(i), "median": legend_swatch_svg(i, median=True),
               "points": len(s.points), "downsampled": s.downsampled}
              for i, s in enumerate(series) if s.points]
    context = {
        "gpu": gpu, "series": [s for s in series if s.points], "chart_svg": svg, "legend": legend,
        "range_key": range_key, "ranges": list(RANGES), "days": days,
    }
    template = "pricing/gpu_history.html#chart" if request.htmx else "pricing/gpu_history.html"
    return render(request, template, context)


def _own_alert(request, pk: int) -> PriceAlert:
    # Another user's alert answers 404, like one that does not exist.
    return get_object_or_404(PriceAlert.objects.select_related("gpu"), pk=pk, user=request.user)


@login_required
def alerts_page(request):
    if request.method == "POST":
        form = PriceAlertForm(request.POST, user=request.user)
        if form.is_valid():
            alert = form.save(commit=False)
            alert.user = request.user
            alert_services.alert_save(alert=alert, changed=True)
            messages.success(request, "Alert saved. It is checked after every price poll.")
            return redirect("pricing:alerts")
    else:
        form = PriceAlertForm(user=request.user, initial={"gpu": request.GET.get("gpu") or None})
    alerts = list(PriceAlert.objects.filter(user=request.user).select_related("gpu"))
    rows = [{"alert": a, "description": alert_services.describe_alert(a)} for a in alerts]
    return render(request, "pricing/alerts.html", {"form": form, "rows": rows})


@login_required
def alert_edit(request, pk: int):
    alert = _own_alert(request, pk)
    if request.method == "POST":
        form = PriceAlertForm(request.POST, instance=alert, user=request.user)
        if form.is_valid():
            alert_services.alert_save(alert=form.save(commit=False), changed=form.has_changed())
            messages.success(request, "Alert updated.")
            return redirect("pricing:alerts")
    else:
        form = PriceAlertForm(instance=alert, user=request.user)
    return render(request, "pricing/alert_edit.html", {"form": form, "alert": alert})


@login_required
@require_POST
def alert_pause(request, pk: int):
    alert = _own_alert(request, pk)
    paused = request.POST.get("paused") == "1"
    alert_services.alert_set_paused(alert=alert, paused=paused)
    messages.success(request, "Alert paused." if paused else "Alert resumed.")
    return redirect("pricing:alerts")


@login_required
@require_POST
def alert_delete(request, pk: int):
    alert = _own_alert(request, pk)
    alert.delete()
    messages.success(request, "Alert deleted.")
    return redirect("pricing:alerts")


@login_required
def notifications_page(request):
    if request.method == "POST":
        ids = None if request.POST.get("all") == "1" else [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        alert_services.notifications_mark_read(user=request.user, ids=ids)
        return redirect("pricing:notifications")
    items = list(Notification.objects.filter(user=request.user)[:200])
    unread = sum(1 for n in items if n.read_at is None)
    return render(request, "pricing/notifications.html", {"items": items, "unread": unread})
