"""schemathesis against /api/schema/ (reliability.md S5): every operation, generated valid and
invalid inputs; no server error, responses match the documented schema.

Two tests per operation: the must-hold checks (no 5xx, response body/content type as documented),
and every default check (documented status codes, schema-valid input accepted, Allow header...)
with the known gaps of other engineers' endpoints as non-strict xfails (see KNOWN_GAPS).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

# derandomize: the same generated cases on every run, so CI is stable and a failure reproduces.
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]
MUST_HOLD = settings(max_examples=30, deadline=None, suppress_health_check=_QUIET, derandomize=True)
ALL_CHECKS = settings(max_examples=15, deadline=None, suppress_health_check=_QUIET, derandomize=True)
# Loaded at collection (no database needed to build the schema). ``from_fixture`` would be the
# lazy way, but schemathesis 4.32's lazy loader reads ``Function._nodeid``, gone in pytest 9.
# A bare WSGIHandler, not config.wsgi: get_wsgi_application() runs django.setup() again, which
# rebuilds the logging handlers on pytest's collection-time stderr; that stream is closed later,
# and every request logged afterwards printed "--- Logging error --- I/O operation on closed file".
application = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

# Operation label -> why the full check set fails there (reported; owners fix, then remove the
# entry: a gap that no longer fails shows as XPASS, which a clean run must not print).
KNOWN_GAPS: dict[str, str] = {
    "POST /api/cloud/compare-costs": (
        "selector/api/serializers.py: training_hours is required unless a workload is given, which "
        "OpenAPI cannot say, so a schema-valid body such as {\"workload\": null} is refused (ST202)"),
}


@pytest.fixture
def wsgi_like_test_client(settings):
    """Calling the WSGI handler directly fires request_finished, whose close_old_connections would
    close the test's transaction-bound connection; Django's test Client disconnects it the same way."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min"}}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def offline_catalog(db, settings):
    from pricing import services
    from pricing.providers.registry import PROVIDERS

    settings.PRICING_OFFLINE = True
    for slug in PROVIDERS:
        services.poll_provider(slug)


@schema.parametrize()
@MUST_HOLD
def test_no_server_error_and_responses_match_the_schema(case, wsgi_like_test_client, offline_catalog):
    response = case.call(headers={"Accept": "application/json"})
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance])


@schema.parametrize()
@ALL_CHECKS
def test_every_default_check(case, wsgi_like_test_client, offline_catalog, request):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if label in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(strict=False, reason=KNOWN_GAPS[label]))
    case.call_and_validate(headers={"Accept": "application/json"})
