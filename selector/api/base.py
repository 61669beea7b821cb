"""What every public API view shares: no authentication (so no CSRF), JSON bodies only, the
per-client throttle, and the documented error responses. Imports nothing from the other API
modules, so each of them (selector, estimate, history) can build on it."""

from __future__ import annotations

import time

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config import ratelimit
from pricing.gpus import GPUS

from .errors import API_PARSERS


def gpu_query_names() -> list[str]:
    """Every spelling the GPU fields accept (names, slugs, aliases, families), for the schema enum."""
    names: list[str] = []
    for g in GPUS:
        names += [g.name, g.slug, *g.aliases, *g.families]
    return list(dict.fromkeys(names))


GPU_QUERY_NAMES = gpu_query_names()  # SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] names this set


@extend_schema_field({"type": "string", "enum": GPU_QUERY_NAMES})
class GpuNameField(serializers.CharField):
    """A GPU name, alias or family; documented as an enum of the catalog's spellings (matching is
    case-insensitive). Validation stays with the serializer using it."""


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PublicApiThrottle(AnonRateThrottle):
    """Per client IP, at ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]`` (from
    ``API_THROTTLE_ANON``). The rate is read per request, so overriding the setting takes effect.

    A fixed-window counter (``config.ratelimit.hit``: one Redis round trip, O(1)), not DRF's
    sliding log: that reads, unpickles, trims, pickles and writes back a list of up to N request
    times on every call (two round trips and O(N) work at N = the rate), the largest fixed cost of
    a cheap API answer. The price is the fixed window's: up to twice the rate across a window
    boundary, as for the log-in and page limits. ``Retry-After`` is the rest of the window."""

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope) or settings.API_THROTTLE_ANON

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        key, self._left = ratelimit.window_key("api", ident, self.duration, time.time())
        return ratelimit.hit(key, self.duration) <= self.num_requests

    def wait(self):
        return getattr(self, "_left", None)


class PublicApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = API_PARSERS
    throttle_classes = [PublicApiThrottle]


ERROR = OpenApiResponse(ErrorSerializer, description="The problem, in words.")
COMMON_ERRORS = {
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see the Retry-After header."),
}
BAD_INPUT = OpenApiResponse(OpenApiTypes.OBJECT, description=(
    "Invalid input: each bad field is a key with a list of problems, e.g. "
    '{"training_hours": ["Must be greater than 0."]}; a body that is not JSON gives {"detail": ...}.'))
GET_ERRORS = {400: BAD_INPUT, **COMMON_ERRORS}
POST_ERRORS = {
    400: BAD_INPUT,
    413: OpenApiResponse(ErrorSerializer, description="Body larger than DATA_UPLOAD_MAX_MEMORY_SIZE."),
    415: OpenApiResponse(ErrorSerializer, description="Not application/json."),
    **COMMON_ERRORS,
}
