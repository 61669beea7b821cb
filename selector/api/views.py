"""The selector's JSON API: one APIView per operation; each parses input, calls one service and
renders. Public: no login, no CSRF token (no authentication runs, so DRF never enforces CSRF,
also for a request that carries a session cookie); JSON bodies only; throttled per client."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict

from selector import facts
from selector.compare import compare_costs
from selector.instances import list_instances

from . import serializers as s
from .base import COMMON_ERRORS, ERROR, POST_ERRORS, PublicApiView

_validated_bodies: OrderedDict = OrderedDict()
_validated_lock = threading.Lock()


def _validated(request, serializer_class) -> dict:
    """The serializer's validated data for a JSON body. Validation depends only on the body's bytes
    (the GPU catalog and provider list are code), so a body seen before (a page refreshing every
    30 s, a script polling) skips re-validation. Invalid bodies are never cached: they raise."""
    key = (serializer_class.__name__, request.content_type, request.body)
    hit = _validated_bodies.get(key)
    if hit is not None:
        return hit
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    data = ser.validated_data
    if len(request.body) <= 4096:
        with _validated_lock:
            _validated_bodies[key] = data
            while len(_validated_bodies) > 512:
                _validated_bodies.popitem(last=False)
    return data


_rendered: OrderedDict = OrderedDict()


def _json_answer(result: dict) -> HttpResponse:
    """The JSON of a compare-costs answer. compare_costs reuses an answer until the prices change
    (same option objects, fresh `prices`), so its JSON is rendered once and the `prices` block,
    whose ages move every second, is appended on each call: a 10,000-offer answer (~2 MB) costs
    one small render instead of a whole one."""
    options = result["options"]
    entry = _rendered.get(id(options))
    if entry is None or entry[0] is not options:
        head = JSONRenderer().render({k: v for k, v in result.items() if k != "prices"})
        entry = (options, head)
        with _validated_lock:
            _rendered[id(options)] = entry
            while len(_rendered) > 64:
                _rendered.popitem(last=False)
    prices = JSONRenderer().render(result["prices"])
    return HttpResponse(entry[1][:-1] + b',"prices":' + prices + b"}", content_type="application/json")


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
        result = compare_costs(_validated(request, s.CompareCostsInputSerializer))
        if request.accepted_renderer.format == "json":
            return _json_answer(result)
        return Response(result)


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
        return Response(list_instances(_validated(request, s.InstancesInputSerializer)))


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
