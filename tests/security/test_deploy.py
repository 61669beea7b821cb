"""Production configuration (reliability.md S1/S2): ``check --deploy`` with the documented
production environment, security headers on every kind of response, cookie flags."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    """The documented production environment and nothing else special (no test settings)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "PRICING_", "API_THROTTLE", "EMAIL_"))}
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(64), DJANGO_ALLOWED_HOSTS="selector.example.com",
               DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings",
               EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    env.update(extra)
    return env


def _check(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", *args],
                          cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120)


def test_check_deploy_security_warnings_are_zero():
    out = _check("--tag", "security")
    assert out.returncode == 0, out.stdout + out.stderr


def test_check_deploy_passes_at_warning_level():
    out = _check()
    assert out.returncode == 0, out.stdout + out.stderr


PROBE = r"""
import json, django
django.setup()
from django.conf import settings as s
names = ["DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
         "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS"]
from django.test import Client
c = Client(HTTP_HOST="selector.example.com")
plain = c.get("/api/cloud/gpus")
secure = c.get("/api/cloud/gpus", secure=True)
print("RESULT " + json.dumps({"settings": {n: getattr(s, n) for n in names},
      "http_status": plain.status_code, "http_location": plain.get("Location", ""),
      "headers": dict(secure.headers), "status": secure.status_code}))
"""


@pytest.fixture(scope="module")
def production():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=production_env(), capture_output=True,
                         text=True, timeout=120)
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, out.stdout + out.stderr[-3000:]
    return json.loads(line[0][len("RESULT "):])


def test_production_settings_are_hardened(production):
    st = production["settings"]
    assert st["DEBUG"] is False
    assert st["SESSION_COOKIE_SECURE"] and st["CSRF_COOKIE_SECURE"] and st["SESSION_COOKIE_HTTPONLY"]
    assert st["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict") and st["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert st["SECURE_SSL_REDIRECT"] is True
    assert st["SECURE_HSTS_SECONDS"] >= 31536000 and st["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert st["X_FRAME_OPTIONS"] == "DENY"


def test_production_redirects_http_to_https_and_sends_headers(production):
    assert production["http_status"] == 301
    assert production["http_location"].startswith("https://selector.example.com/")
    h = {k.lower(): v for k, v in production["headers"].items()}
    assert production["status"] == 200
    assert "max-age=31536000" in h["strict-transport-security"]
    assert "includeSubDomains" in h["strict-transport-security"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"]


# In-process: the three kinds of response, with the production header settings.
KINDS = {
    "html": ("/compare/", {}),
    "htmx-partial": ("/compare/", {"HTTP_HX_REQUEST": "true"}),
    "json": ("/api/cloud/providers", {"HTTP_ACCEPT": "application/json"}),
    "json-error": ("/api/cloud/setup-instructions/nosuch", {"HTTP_ACCEPT": "application/json"}),
    "api-404": ("/api/cloud/no-such-endpoint", {}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_security_headers_on_every_kind_of_response(kind, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    path, headers = KINDS[kind]
    resp = Client().get(path, secure=True, **headers)
    assert resp.status_code < 500
    assert "max-age=31536000" in resp["Strict-Transport-Security"]
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["Referrer-Policy"] == "same-origin"
    csp = resp["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    if kind.startswith("html"):
        assert resp["Cross-Origin-Opener-Policy"] == "same-origin"
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in resp["Permissions-Policy"]  # issue 12 point 9


def test_unknown_api_paths_answer_json_404(db):
    """Issue 12 point 9: they answered Django's HTML 404; pages keep it."""
    r = Client().get("/api/cloud/no-such-endpoint")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"
    assert "/api/docs/" in r.json()["detail"]
    assert Client().get("/api/nothing/here").json()["detail"]
    page = Client().get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/history/", "/preferences/", "/prices/notifications/", "/prices/alerts/",
                                  "/compare/", "/", "/api/cloud/local-gpu"])
def test_private_answers_are_never_stored(path):
    """Issue 12 point 9: a signed-in user's pages carry Cache-Control: no-store."""
    c = Client()
    c.force_login(User.objects.create_user("nostore", password="pw-nostore-123"))
    r = c.get(path)
    assert r.status_code < 500
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_login_pages_are_never_stored(path):
    assert "no-store" in Client().get(path)["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_public_answers_keep_their_own_caching():
    assert "no-store" not in Client().get("/api/cloud/gpus").get("Cache-Control", "")


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_httponly_samesite(settings):
    settings.SESSION_COOKIE_SECURE = True  # the production values (checked above)
    settings.CSRF_COOKIE_SECURE = True
    User.objects.create_user("alice", password="correct horse battery")
    c = Client(enforce_csrf_checks=True)
    page = c.get("/accounts/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    resp = c.post("/accounts/login/", {"username": "alice", "password": "correct horse battery",
                                       "csrfmiddlewaretoken": csrf.value}, secure=True,
                  HTTP_REFERER="https://testserver/accounts/login/")
    assert resp.status_code == 302
    session = resp.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
