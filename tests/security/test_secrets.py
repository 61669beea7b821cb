"""Provider API keys never leave the server (reliability.md S18/S22): not in any response, page,
log line, admin page or stored error, even when a provider echoes the key back in its error."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client

from pricing import services
from pricing.models import PollRun
from tests.reliability.payloads import KEY_ENV, LIVE_PROVIDERS, good_body

SECRETS = {slug: f"sk-live-{slug}-DO-NOT-LEAK-{i}9f8e7d6c5b4a" for i, slug in enumerate(LIVE_PROVIDERS)}


def _echoing(status: int, slug: str):
    """A provider that answers ``status`` and quotes our Authorization header back at us."""

    def handler(request: httpx.Request) -> httpx.Response:
        if status == 200:
            return httpx.Response(200, content=good_body(slug, request))
        auth = request.headers.get("Authorization", "")
        text = f'{{"error": "bad request for key {auth} ({auth.split()[-1] if auth else ""})"}}'
        if status == 299:  # a 200 whose body is not JSON, quoting the key
            return httpx.Response(200, content=f"<html>key={auth}</html>".encode())
        return httpx.Response(status, content=text.encode())

    return httpx.MockTransport(handler)


@pytest.mark.django_db
def test_provider_keys_appear_nowhere(monkeypatch, settings, caplog):
    settings.PRICING_OFFLINE = False
    for slug in LIVE_PROVIDERS:
        monkeypatch.setenv(KEY_ENV[slug], SECRETS[slug])
    caplog.set_level(logging.DEBUG)

    for slug in LIVE_PROVIDERS:
        assert services.poll_provider(slug, transport=_echoing(200, slug)).status == "ok"
        for status in (401, 403, 400, 404, 500, 299):
            run = services.poll_provider(slug, transport=_echoing(status, slug))
            assert run.status == "failed", (slug, status)

    seen: dict[str, str] = {}
    seen["PollRun.error"] = "\n".join(PollRun.objects.values_list("error", flat=True))
    assert "[redacted]" in seen["PollRun.error"] or "API_KEY" in seen["PollRun.error"]

    api = Client(HTTP_ACCEPT="application/json")
    seen["/api/cloud/providers"] = api.get("/api/cloud/providers").content.decode()
    seen["/api/cloud/compare-costs"] = api.post("/api/cloud/compare-costs", {"training_hours": 10},
                                                content_type="application/json").content.decode()
    seen["/api/cloud/instances"] = api.post("/api/cloud/instances", {}, content_type="application/json").content.decode()
    seen["/api/cloud/gpus"] = api.get("/api/cloud/gpus").content.decode()

    pages = Client()
    for path in ("/", "/compare/", "/prices/", "/wizard/providers/", "/api-examples/", "/tips/"):
        resp = pages.get(path, follow=True)
        seen[path] = resp.content.decode()

    User.objects.create_superuser("admin", "admin@example.com", "admin-password-123")
    admin = Client()
    admin.login(username="admin", password="admin-password-123")
    seen["admin changelist"] = admin.get("/admin/pricing/pollrun/").content.decode()
    assert "pollrun" in seen["admin changelist"].lower()
    for run in PollRun.objects.filter(status="failed")[:10]:
        seen[f"admin change {run.pk}"] = admin.get(f"/admin/pricing/pollrun/{run.pk}/change/").content.decode()
    seen["logs"] = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)

    for where, text in seen.items():
        for slug, secret in SECRETS.items():
            assert secret not in text, f"{slug}'s key leaked into {where}"
            assert secret[:-8] not in text, f"part of {slug}'s key leaked into {where}"


# --- Issue 12 point 5: redact before truncating, in any case, any long fragment; public causes ---

from pricing.providers.http import public_cause, redact_secrets  # noqa: E402

KEY = "sk-LiveKey-0123456789abcdefXYZ"
MARKER = "UPSTREAM-SAYS-SOMETHING-PRIVATE"


def test_redaction_covers_any_case_and_any_long_fragment():
    assert KEY not in redact_secrets(f"key={KEY}", [KEY])
    assert "livekey" not in redact_secrets(f"key={KEY.upper()}", [KEY]).lower()
    # The first ten characters alone (what a cut at 300 bytes used to leave):
    cut = redact_secrets(f"token {KEY[:10]}", [KEY])
    assert KEY[:10] not in cut and "[redacted]" in cut
    assert redact_secrets("nothing secret here", [KEY]) == "nothing secret here"


def _fragments(secret: str, n: int = 8):
    return {secret[i:i + n].lower() for i in range(len(secret) - n + 1)}


@pytest.mark.django_db
@pytest.mark.parametrize("echo", ["cut", "upper"])
def test_an_echoed_key_never_reaches_anyone_and_anonymous_readers_get_a_cause(monkeypatch, settings, echo):
    """The key echoed across the old 300-byte cut (10 of 13 characters survived) or in another
    case (not redacted at all) was served to anonymous users in last_error."""
    settings.PRICING_OFFLINE = False
    monkeypatch.setenv("LAMBDA_API_KEY", KEY)
    assert services.poll_provider("lambda", transport=_echoing(200, "lambda")).status == "ok"

    def handler(request):
        key = request.headers["Authorization"].split()[-1]
        if echo == "cut":
            body = MARKER + " " + "x" * (300 - len(MARKER) - 1 - 10) + " " + key  # the key straddles byte 300
        else:
            body = f"{MARKER}: invalid key {key.upper()}"
        return httpx.Response(400, content=body.encode())

    run = services.poll_provider("lambda", transport=httpx.MockTransport(handler))
    assert run.status == "failed" and "HTTP 400" in run.error and MARKER in run.error  # the admin's detail
    for frag in _fragments(KEY):
        assert frag not in run.error.lower()

    api = Client(HTTP_ACCEPT="application/json")
    answers = {
        "providers": api.get("/api/cloud/providers").content.decode(),
        "compare-costs": api.post("/api/cloud/compare-costs", {"training_hours": 10},
                                  content_type="application/json").content.decode(),
        "/compare/": Client().get("/compare/").content.decode(),
    }
    for where, text in answers.items():
        assert MARKER not in text, f"the provider's own words reached anonymous readers on {where}"
        for frag in _fragments(KEY):
            assert frag not in text.lower(), (where, frag)
    lam = next(p for p in json.loads(answers["providers"])["providers"] if p["provider"] == "lambda")
    assert lam["status"] == "failing" and lam["last_error"] == "answered 400"
    assert "answered 400" in answers["/compare/"]


@pytest.mark.parametrize("error, cause", [
    ("runpod: the provider refused our credentials (HTTP 401); check RUNPOD_API_KEY", "credentials refused"),
    ("vast: timed out talking to the provider API", "timed out"),
    ("vast: no answer within the 30s deadline", "timed out"),
    ("lambda: provider error (HTTP 503)", "answered 503"),
    ("lambda: rate limited by the provider (HTTP 429)", "rate limited (answered 429)"),
    ("together: the provider rejected the request (HTTP 404): timed out (refused our credentials)", "answered 404"),
    ("together: could not connect to the provider API (ConnectError)", "could not connect"),
    ("vast: the provider answered with malformed JSON", "unexpected answer"),
    ("", ""),
])
def test_public_causes_are_our_own_words(error, cause):
    assert public_cause(error) == cause
