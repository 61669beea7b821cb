"""The selector's JSON API: one APIView per operation; each parses input, calls one service and
renders. Public: no login, no CSRF token (no authentication runs, so DRF never enforces CSRF,
also for a request that carries a session cookie); JSON bodies only; throttled per client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict

from selector import compare, facts, instances

from . import serializers as s
from .base import COMMON_ERRORS, ERROR, POST_ERRORS, PublicApiView
from .renderers import ORJSONRenderer

COMPARE_EXAMPLE = {"training_hours": 10.0, "local_gpu_type": "RTX 4090", "local_electricity_cost": 2.50,
                   "min_memory_gb": 24}
INSTANCES_EXAMPLE = {"gpu_type": "A100 80GB", "min_memory_gb": 40}


def _example_form(serializer_class, example: dict):
    """The browsable API's raw-data form starts from the product document's example request, not from
    every field's null (which answers 400 when posted as is)."""

    class Example(serializer_class):
        @property
        def data(self):
            return ReturnDict(example, serializer=self)

    return Example()


_JSON = ORJSONRenderer()


def _plain_json(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return isinstance(renderer, ORJSONRenderer) and not renderer.get_indent(request.accepted_media_type, {})


def _answer(request, kind: str, query, prices, build: Callable[[], dict]):
    """The answer to ``query`` as JSON, from the answer cache of the priced snapshot it is computed
    from (``prices``: ``(snapshot, priced)``; ``selector.options.AnswerCache``). The key is the
    typed question (its ``repr`` too, so 300 and 300.0 never share an entry) and today's date (a
    list price's age is in days); the API has no users, so nothing else can change the answer. The
    ``prices`` block is rendered per request: its ages move every second. Only plain JSON is
    cached; the browsable API and indented JSON render as usual."""
    snapshot, priced = prices
    if not _plain_json(request):
        return Response(build())
    key = (kind, query, repr(query), dt.date.today())
    body = priced.answers.get(key)
    if body is None:
        data = build()
        del data["prices"]
        body = _JSON.render(data)
        priced.answers.put(key, body, key_size=len(key[2]))
    fresh = _JSON.render([f.as_dict() for f in snapshot.freshness.values()])
    return HttpResponse(b"".join((body[:-1], b',"prices":', fresh, b"}")), content_type="application/json")


class CompareCostsApi(PublicApiView):
    """Compare the cost of a training job across cloud providers and your local GPU."""

    def get_serializer(self, *args, **kwargs):  # the browsable API's form
        if not args and not kwargs:
            return _example_form(s.CompareCostsInputSerializer, COMPARE_EXAMPLE)
        return s.CompareCostsInputSerializer(*args, **kwargs)

    @extend_schema(operation_id="compare_costs_usage", responses={200: s.UsageSerializer, **COMMON_ERRORS},
                   description="How to call this endpoint (the browsable API shows the form here).")
    def get(self, request):
        return Response({"detail": "POST a JSON body to compare costs.", "example": COMPARE_EXAMPLE})

    @extend_schema(
        operation_id="compare_costs", request=s.CompareCostsInputSerializer,
        responses={200: s.CompareCostsOutputSerializer, **POST_ERRORS},
        examples=[OpenApiExample("Seed example", value=COMPARE_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        ser = s.CompareCostsInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        query = ser.query()
        prices = compare.current_prices()
        return _answer(request, "compare-costs", query, prices,
                       lambda: s.compare_answer_dict(compare.compare_costs(query, prices=prices)))


class InstancesApi(PublicApiView):
    """List current GPU instances matching the filters, cheapest first."""

    def get_serializer(self, *args, **kwargs):
        if not args and not kwargs:
            return _example_form(s.InstancesInputSerializer, INSTANCES_EXAMPLE)
        return s.InstancesInputSerializer(*args, **kwargs)

    @extend_schema(operation_id="list_instances_usage", responses={200: s.UsageSerializer, **COMMON_ERRORS},
                   description="How to call this endpoint (the browsable API shows the form here).")
    def get(self, request):
        return Response({"detail": "POST a JSON body (all fields optional) to list instances.",
                         "example": INSTANCES_EXAMPLE})

    @extend_schema(
        operation_id="list_instances", request=s.InstancesInputSerializer,
        responses={200: s.InstancesOutputSerializer, **POST_ERRORS},
        examples=[OpenApiExample("Seed example", value=INSTANCES_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        ser = s.InstancesInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        query = ser.query()
        prices = instances.current_prices()
        return _answer(request, "instances", query, prices,
                       lambda: s.instances_answer_dict(instances.list_instances(query, prices=prices)))


class SetupInstructionsApi(PublicApiView):
    """How to get started with a provider: time to first run and the steps."""

    @extend_schema(operation_id="setup_instructions",
                   responses={200: s.SetupInstructionsSerializer, 404: ERROR, **COMMON_ERRORS})
    def get(self, request, provider: str):
        data = facts.setup_instructions(provider)
        if data is None:
            known = ", ".join(facts.setup_provider_slugs())
            raise NotFound(f"Unknown provider {provider[:40]!r}. Known providers: {known}.")
        return Response(data)


class ProvidersApi(PublicApiView):
    """Every provider and how fresh its prices are."""

    @extend_schema(operation_id="providers", responses={200: s.ProvidersOutputSerializer, **COMMON_ERRORS})
    def get(self, request):
        return Response(facts.provider_status())


class GpusApi(PublicApiView):
    """The GPU catalog: names, aliases, memory, power and throughput."""

    @extend_schema(operation_id="gpus", responses={200: s.GpusOutputSerializer, **COMMON_ERRORS})
    def get(self, request):
        return Response(facts.gpu_catalog())
