"""Provider API keys never leave the server (reliability.md S18/S22): not in any response, page,
log line, admin page or stored error, even when a provider echoes the key back in its error."""

from __future__ import annotations

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
