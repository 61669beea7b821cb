"""JSON errors for the API: every 4xx names the problem; never a 500 for a bad body.

- An oversized body (> DATA_UPLOAD_MAX_MEMORY_SIZE) raises Django's RequestDataTooBig, which DRF's
  handler would turn into nothing (a 500 or Django's plain-text 400): here it is a JSON 413.
- Deeply nested JSON (``[[[[...`` a few thousand deep) makes ``json`` raise RecursionError, which is
  not a ValueError, so DRF's JSONParser lets it through: ``SafeJSONParser`` turns it into a 400.
"""

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NESTING_MESSAGE = "JSON parse error - the body is nested too deeply."


class SafeJSONParser(JSONParser):
    """DRF's JSONParser (strict: NaN/Infinity tokens rejected), plus too-deep nesting -> 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(NESTING_MESSAGE) from None


API_PARSERS = [SafeJSONParser]


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "Request body too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, RecursionError):  # a view using the stock JSONParser
        return Response({"detail": NESTING_MESSAGE}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
