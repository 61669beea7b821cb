"""JSON errors for the API: every 4xx names the problem; never a 500 for a bad body.

- An oversized body (> DATA_UPLOAD_MAX_MEMORY_SIZE) raises Django's RequestDataTooBig, which DRF's
  handler would turn into nothing (a 500 or Django's plain-text 400): here it is a JSON 413.
- A JSON integer longer than Python's digit limit (4,300) made the parser fail with Python's own
  words ("use sys.set_int_max_str_digits()") and no field name: such integers parse as infinity,
  so the field's own check says "must be a finite number" under the field's name (as for 1e400).
- Deeply nested JSON (``[[[[...`` a few thousand deep) makes ``json`` raise RecursionError, which is
  not a ValueError, so DRF's JSONParser lets it through: ``SafeJSONParser`` turns it into a 400.
"""

import codecs

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.utils import json
from rest_framework.views import exception_handler as drf_exception_handler

NESTING_MESSAGE = "JSON parse error - the body is nested too deeply."


# Integers longer than this parse as +-infinity (a float overflows at ~309 digits anyway).
MAX_INT_DIGITS = 400


def _bounded_int(text: str) -> int | float:
    if len(text) > MAX_INT_DIGITS:
        return float("-inf") if text.startswith("-") else float("inf")
    return int(text)


class SafeJSONParser(JSONParser):
    """DRF's JSONParser (strict: NaN/Infinity tokens rejected), plus: too-deep nesting -> 400, and
    integers beyond MAX_INT_DIGITS -> infinity (refused by the field that receives them)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded = codecs.getreader(encoding)(stream)
            if self.strict:
                return json.load(decoded, parse_constant=json.strict_constant, parse_int=_bounded_int)
            return json.load(decoded, parse_int=_bounded_int)
        except RecursionError:
            raise ParseError(NESTING_MESSAGE) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


API_PARSERS = [SafeJSONParser]


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "Request body too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, RecursionError):  # a view using the stock JSONParser
        return Response({"detail": NESTING_MESSAGE}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def api_not_found(request, exception=None):
    """handler404 for /api/...: a JSON 404 like every other API answer; pages keep the HTML one."""
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "No API endpoint at this path. See /api/docs/."}, status=404)
    return page_not_found(request, exception)
