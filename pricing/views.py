"""Pages: price index and price history per GPU model (chart partial for htmx). Views parse input,
call one selector, and render. The alert and notification pages are the ``alerts`` app's."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .charts import ChartPoint, ChartSeries, legend_swatch_svg, price_chart_svg
from .gpus import GPUS, GPUS_BY_SLUG
from .history import lowest_current_prices, price_history
from .providers.registry import provider_names
from .selectors import provider_freshness

RANGES = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
DEFAULT_RANGE = "30d"


def prices_index(request):
    current = lowest_current_prices()
    names = provider_names()
    fresh = provider_freshness()
    rows = []
    for g in GPUS:
        price = current.get(g.slug)
        avail = price[2] if price else ""
        # A built-in list, or a provider that said "unknown", did not report stock: not live.
        reported = bool(price) and avail != "unknown" and getattr(fresh.get(price[1]), "source", None) == "live"
        rows.append({"gpu": g, "usd_per_gpu_hour": price[0] if price else None,
                     "provider": names.get(price[1], price[1]) if price else "",
                     "availability": "" if avail == "unknown" else avail, "reported": reported})
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
