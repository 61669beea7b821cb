"""The selector's JSON API: one APIView per operation; each parses input, calls one service and
renders. Public: no login, no CSRF token (no authentication runs, so DRF never enforces CSRF,
also for a request that carries a session cookie); JSON bodies only; throttled per client."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from selector import services

from . import serializers as s
from .errors import API_PARSERS


class PublicApiThrottle(AnonRateThrottle):
    """Per client IP, at ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]`` (from
    ``API_THROTTLE_ANON``). The rate is read per request, so overriding the setting takes effect."""

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope) or settings.API_THROTTLE_ANON


class PublicApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = API_PARSERS
    throttle_classes = [PublicApiThrottle]


_ERROR = OpenApiResponse(s.ErrorSerializer, description="The problem, in words.")
COMMON_ERRORS = {
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests; see the Retry-After header."),
}
POST_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description=(
        "Invalid input: each bad field is a key with a list of problems, e.g. "
        '{"training_hours": ["Must be greater than 0."]}; a body that is not JSON gives {"detail": ...}.')),
    413: OpenApiResponse(s.ErrorSerializer, description="Body larger than DATA_UPLOAD_MAX_MEMORY_SIZE."),
    415: OpenApiResponse(s.ErrorSerializer, description="Not application/json."),
    **COMMON_ERRORS,
}

COMPARE_EXAMPLE = {"training_hours": 10.0, "local_gpu_type": "RTX 4090", "local_electricity_cost": 2.50,
                   "min_memory_gb": 24}
INSTANCES_EXAMPLE = {"gpu_type": "A100 80GB", "min_memory_gb": 40}


class CompareCostsApi(PublicApiView):
    """Compare the cost of a training job across cloud providers and your local GPU."""

    def get_serializer(self, *args, **kwargs):  # the browsable API's form
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
        return Response(services.compare_costs(ser.validated_data))


class InstancesApi(PublicApiView):
    """List current GPU instances matching the filters, cheapest first."""

    def get_serializer(self, *args, **kwargs):
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
        return Response(services.list_instances(ser.validated_data))


class SetupInstructionsApi(PublicApiView):
    """How to get started with a provider: time to first run and the steps."""

    @extend_schema(operation_id="setup_instructions",
                   responses={200: s.SetupInstructionsSerializer, 404: _ERROR, **COMMON_ERRORS})
    def get(self, request, provider: str):
        data = services.setup_instructions(provider)
        if data is None:
            known = ", ".join(services.setup_provider_slugs())
            raise NotFound(f"Unknown provider {provider[:40]!r}. Known providers: {known}.")
        return Response(data)


class ProvidersApi(PublicApiView):
    """Every provider and how fresh its prices are."""

    @extend_schema(operation_id="providers", responses={200: s.ProvidersOutputSerializer, **COMMON_ERRORS})
    def get(self, request):
        return Response(services.provider_status())


class GpusApi(PublicApiView):
    """The GPU catalog: names, aliases, memory, power and throughput."""

    @extend_schema(operation_id="gpus", responses={200: s.GpusOutputSerializer, **COMMON_ERRORS})
    def get(self, request):
        return Response(services.gpu_catalog())
