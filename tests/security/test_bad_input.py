"""The bad-input table (reliability.md section 3) on every API endpoint: each bad input is a 4xx
that names the problem, in JSON, never a 500 and never a traceback."""

from __future__ import annotations

import json

import pytest
from django.test import Client

API = "/api/cloud"
HUGE_INT = 10**30
HUGE_DIGITS = "9" * 400  # a JSON integer that does not fit a float

# Endpoint -> (a valid body, the numeric fields to attack, dotted for nested ones)
POST_ENDPOINTS = {
    "compare-costs": ({"training_hours": 10, "min_memory_gb": 24},
                      ["training_hours", "min_memory_gb", "local_electricity_cost", "local_power_watts", "gpu_count"]),
    "instances": ({"min_memory_gb": 24}, ["min_memory_gb", "gpu_count"]),
    "estimate": ({"workload": {"model_params_b": 7, "method": "lora", "dataset_tokens": 100_000_000},
                  "gpu_type": "H100", "gpu_count": 1},
                 ["gpu_count", "workload.model_params_b", "workload.dataset_tokens", "workload.epochs",
                  "workload.seq_len"]),
}
# Raw JSON text for a number field (tokens that Python's json accepts but a strict API must not).
BAD_NUMBERS = {
    "string": '"10"',
    "nan-token": "NaN",
    "infinity-token": "Infinity",
    "minus-infinity-token": "-Infinity",
    "overflow-float": "1e400",
    "boolean": "true",
    "negative": "-5",
    "huge-int": str(HUGE_INT),
    "huge-digits": HUGE_DIGITS,
    "null-string": '"nan"',
    "list": "[1]",
    "object": '{"value": 1}',
}


def _client():
    return Client(HTTP_ACCEPT="application/json")


def assert_named_4xx(resp, *, status=None, names=None):
    """A 4xx, JSON, saying something (and, when given, naming the field), without a traceback."""
    body = resp.content.decode("utf-8", "replace")
    assert 400 <= resp.status_code < 500, (resp.status_code, body[:500])
    if status is not None:
        assert resp.status_code == status, (resp.status_code, body[:500])
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    data = json.loads(body)
    assert data, "an empty error body names nothing"
    for marker in ("Traceback", 'File "/', "site-packages", "django.db", "psycopg"):
        assert marker not in body
    if names:
        assert names in body, body[:500]
    return data


def _with_raw(body: dict, dotted: str, raw: str) -> str:
    """The JSON text of ``body`` with the field at ``dotted`` replaced by the raw token ``raw``."""
    marker = "__RAW_VALUE__"
    doc = json.loads(json.dumps(body))
    target = doc
    *parents, leaf = dotted.split(".")
    for p in parents:
        target = target[p]
    target[leaf] = marker
    return json.dumps(doc).replace(f'"{marker}"', raw)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(POST_ENDPOINTS))
def test_the_valid_body_is_accepted(endpoint, offline_prices):
    body, _ = POST_ENDPOINTS[endpoint]
    resp = _client().post(f"{API}/{endpoint}", body, content_type="application/json")
    assert resp.status_code == 200, resp.content[:500]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(BAD_NUMBERS))
@pytest.mark.parametrize("endpoint,field", [(e, f) for e, (_, fields) in POST_ENDPOINTS.items() for f in fields])
def test_bad_numbers_are_a_400_naming_the_field(endpoint, field, kind):
    body, _ = POST_ENDPOINTS[endpoint]
    raw = _with_raw(body, field, BAD_NUMBERS[kind])
    resp = _client().post(f"{API}/{endpoint}", raw, content_type="application/json")
    bare_token = kind in ("nan-token", "infinity-token", "minus-infinity-token")
    # Bare NaN/Infinity tokens are refused by the strict JSON parser (a body-level "detail").
    assert_named_4xx(resp, status=400, names=None if bare_token else field.split(".")[-1])


DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(POST_ENDPOINTS))
@pytest.mark.parametrize("case", ["deep-nesting", "not-json", "truncated-json", "form-encoded", "no-content-type",
                                  "text-plain", "oversized", "top-level-list", "top-level-string", "empty-body",
                                  "invalid-utf8", "nul-in-string", "lone-surrogate"])
def test_bad_bodies_are_a_4xx(endpoint, case):
    c = _client()
    url = f"{API}/{endpoint}"
    if case == "deep-nesting":
        resp = c.post(url, DEEP, content_type="application/json")
        assert_named_4xx(resp, status=400, names="nested")
    elif case == "not-json":
        assert_named_4xx(c.post(url, "training_hours=10", content_type="application/json"), status=400)
    elif case == "truncated-json":
        assert_named_4xx(c.post(url, '{"training_hours": 1', content_type="application/json"), status=400)
    elif case == "form-encoded":
        assert_named_4xx(c.post(url, {"training_hours": "10"}), status=415)
        assert_named_4xx(c.post(url, "training_hours=10", content_type="application/x-www-form-urlencoded"),
                         status=415)
    elif case == "no-content-type":
        resp = c.generic("POST", url, b'{"training_hours": 10}', content_type="")
        assert_named_4xx(resp)
    elif case == "text-plain":
        assert_named_4xx(c.post(url, '{"training_hours": 10}', content_type="text/plain"), status=415)
    elif case == "oversized":
        big = json.dumps({"training_hours": 10, "pad": "x" * (1024 * 1024 + 10)})
        assert_named_4xx(c.post(url, big, content_type="application/json"), status=413)
    elif case == "top-level-list":
        assert_named_4xx(c.post(url, "[1, 2, 3]", content_type="application/json"), status=400)
    elif case == "top-level-string":
        assert_named_4xx(c.post(url, '"hello"', content_type="application/json"), status=400)
    elif case == "empty-body":
        resp = c.post(url, "", content_type="application/json")
        if endpoint == "instances":  # every filter is optional: an empty body means "all instances"
            assert resp.status_code == 200
        else:
            assert_named_4xx(resp)
    elif case == "invalid-utf8":
        assert_named_4xx(c.post(url, b'{"training_hours": "\xff\xfe"}', content_type="application/json"),
                         status=400)
    elif case == "nul-in-string":
        body, _ = POST_ENDPOINTS[endpoint]
        assert_named_4xx(c.post(url, {**body, "gpu_type": "H100\u0000"}, content_type="application/json"),
                         status=400)
    elif case == "lone-surrogate":
        body, _ = POST_ENDPOINTS[endpoint]
        raw = json.dumps({**body, "gpu_type": "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800")
        assert_named_4xx(c.post(url, raw, content_type="application/json"), status=400)


XSS = '<script>alert("x")</script>'


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint,field", [("compare-costs", "gpu_type"), ("compare-costs", "local_gpu_type"),
                                            ("instances", "gpu_type"), ("estimate", "gpu_type"),
                                            ("compare-costs", "reference_gpu")])
@pytest.mark.parametrize("value", ["Voodoo 5 6000", XSS, "x" * 100_000])
def test_unknown_gpus_are_a_400_naming_the_field(endpoint, field, value):
    body, _ = POST_ENDPOINTS[endpoint]
    resp = _client().post(f"{API}/{endpoint}", {**body, field: value}, content_type="application/json")
    assert_named_4xx(resp, status=400, names=field)


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"providers": ["nosuchcloud"]}, "providers"),
    ({"providers": "runpod"}, "providers"),  # wrong list type: a string
    ({"providers": {"runpod": True}}, "providers"),
    ({"providers": [["runpod"]]}, "providers"),
    ({"providers": [XSS]}, "providers"),
    ({"providers": ["runpod"] * 1000}, "providers"),
    ({"sort": "price; DROP TABLE"}, "sort"),
    ({"continent": "Atlantis"}, "continent"),
    ({"include_unavailable": "yes"}, "include_unavailable"),
])
def test_bad_compare_costs_filters(payload, field):
    resp = _client().post(f"{API}/compare-costs", {"training_hours": 10, **payload}, content_type="application/json")
    assert_named_4xx(resp, status=400, names=field)


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["nosuchcloud", "provider", "' OR 1=1 --"])
def test_unknown_instances_provider(provider):
    resp = _client().post(f"{API}/instances", {"provider": provider}, content_type="application/json")
    assert_named_4xx(resp, status=400, names="provider")


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["nosuchcloud", "..", "...", "etc%2Fpasswd", "..%2F..%2Fetc%2Fpasswd",
                                      "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwindows", "runpod%00",
                                      "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "a" * 5000])
def test_setup_instructions_rejects_unknown_and_traversal(provider):
    resp = _client().get(f"{API}/setup-instructions/{provider}")
    body = resp.content.decode("utf-8", "replace")
    assert resp.status_code == 404, (resp.status_code, body[:300])
    assert "root:" not in body and "<script>" not in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_setup_instructions_known_provider_ignores_duplicate_params():
    resp = _client().get(f"{API}/setup-instructions/runpod?x=1&x=2")
    assert resp.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query,field", [
    ("", "gpu_type"),
    ("gpu_type=Voodoo", "gpu_type"),
    (f"gpu_type={XSS}", "gpu_type"),
    ("gpu_type=H100&days=abc", "days"),
    ("gpu_type=H100&days=NaN", "days"),
    ("gpu_type=H100&days=Infinity", "days"),
    ("gpu_type=H100&days=1e400", "days"),
    ("gpu_type=H100&days=-1", "days"),
    ("gpu_type=H100&days=0", "days"),
    (f"gpu_type=H100&days={HUGE_INT}", "days"),
    (f"gpu_type=H100&days={HUGE_DIGITS}", "days"),
    ("gpu_type=H100&days=true", "days"),
    ("gpu_type=H100&provider=nosuchcloud", "provider"),
    ("gpu_type=H100&provider=../../etc/passwd", "provider"),
    ("gpu_type=H100&region=Atlantis", "region"),
    ("gpu_type=" + "x" * 5000, "gpu_type"),
    ("gpu_type=H100%00", "gpu_type"),
])
def test_bad_history_queries(query, field):
    resp = _client().get(f"{API}/history?{query}")
    assert_named_4xx(resp, status=400, names=field)


@pytest.mark.django_db
def test_duplicate_history_params_do_not_error():
    resp = _client().get(f"{API}/history?gpu_type=H100&gpu_type={XSS}&days=7&days=abc")
    assert resp.status_code in (200, 400), resp.content[:300]
    assert b"<script>" not in resp.content or resp["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["providers", "gpus"])
def test_read_only_endpoints_ignore_junk_params_and_refuse_writes(path):
    c = _client()
    assert c.get(f"{API}/{path}?x={XSS}&x=2&format=..%2F..").status_code in (200, 404)
    assert c.get(f"{API}/{path}?a=1&a=2").status_code == 200
    for method in ("post", "put", "delete", "patch"):
        resp = getattr(c, method)(f"{API}/{path}", "{}", content_type="application/json")
        assert resp.status_code == 405, (method, resp.status_code)
        assert "GET" in resp["Allow"]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(POST_ENDPOINTS))
def test_json_error_bodies_escape_html(endpoint):
    """A reflected value only ever comes back as JSON (never text/html), with nosniff."""
    body, _ = POST_ENDPOINTS[endpoint]
    resp = _client().post(f"{API}/{endpoint}", {**body, "gpu_type": XSS}, content_type="application/json")
    assert resp["Content-Type"].startswith("application/json")
    assert resp["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/compare/?gpu_type={x}&min_memory_gb={x}&region={x}&continent={x}&training_hours={x}",
    "/compare/?sort={x}&providers={x}",
    "/providers/{x}/setup/",
    "/prices/{x}/",
    "/prices/?gpu={x}",
    "/accounts/login/?next={x}",
])
def test_pages_never_reflect_markup_unescaped(path):
    from urllib.parse import quote

    resp = _client().get(path.format(x=quote(XSS, safe="")), HTTP_ACCEPT="text/html")
    assert resp.status_code < 500, resp.status_code
    assert XSS.encode() not in resp.content
    assert b"<script>alert" not in resp.content
