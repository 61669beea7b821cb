"""Content pages: home, provider setup guides, cost tips and API examples (the content is
``selector.setup_guides``). Function views: parse, call one selector, render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pricing.providers.registry import PROVIDERS

from . import facts
from .setup_guides import COST_TIPS, GUIDES


def home(request: HttpRequest) -> HttpResponse:
    guides = [GUIDES[s] for s in PROVIDERS if s in GUIDES] + ([GUIDES["local"]] if "local" in GUIDES else [])
    return render(request, "wizard/home.html", {"guides": guides, "ranges": facts.price_ranges()})


def provider_setup(request: HttpRequest, slug: str) -> HttpResponse:
    guide = GUIDES.get(slug)
    if guide is None:
        raise Http404("No setup guide for that provider")
    return render(request, "wizard/provider_setup.html", {"guide": guide, "guides": GUIDES.values(),
                                                          "range": facts.price_ranges().get(slug)})


def tips(request: HttpRequest) -> HttpResponse:
    return render(request, "wizard/tips.html", {"tips": COST_TIPS})


def api_examples(request: HttpRequest) -> HttpResponse:
    return render(request, "wizard/api_examples.html")
