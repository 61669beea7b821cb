"""E-mail configuration (issue 12 point 3): password-reset links carry live tokens, so outside debug
the app refuses to start with the console (or file, or in-memory) backend or none at all, unless
e-mail is turned off explicitly, and then the pages say so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
print("BACKEND", settings.EMAIL_BACKEND, settings.EMAIL_ENABLED)
setup_test_environment()  # (replaces EMAIL_BACKEND with locmem: printed before)
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):  # no collectstatic manifest here
    r = Client().get("/accounts/password_reset/")
print("RESET", r.status_code, "turned off" in r.content.decode())
"""


def _start(tmp_path, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "REDIS_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY="k" * 60, DJANGO_DEBUG="0",
               DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_ALLOWED_HOSTS="testserver",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", FILE_CACHE_DIR=str(tmp_path / "cache"))
    env.update(env_vars)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("backend", ["", "django.core.mail.backends.console.EmailBackend",
                                     "django.core.mail.backends.filebased.EmailBackend",
                                     "django.core.mail.backends.locmem.EmailBackend"])
def test_it_refuses_to_start_without_a_real_email_backend_outside_debug(tmp_path, backend):
    out = _start(tmp_path, EMAIL_BACKEND=backend)
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and "EMAIL_DISABLED=1" in out.stderr


def test_it_starts_with_smtp(tmp_path):
    out = _start(tmp_path, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    assert out.returncode == 0, out.stderr[-1500:]
    assert "BACKEND django.core.mail.backends.smtp.EmailBackend True" in out.stdout


def test_with_email_disabled_password_reset_says_it_is_off(tmp_path):
    out = _start(tmp_path, EMAIL_DISABLED="1")
    assert out.returncode == 0, out.stderr[-1500:]
    assert "BACKEND django.core.mail.backends.dummy.EmailBackend False" in out.stdout
    assert "RESET 404 True" in out.stdout


def test_debug_keeps_the_console_backend_for_make_run(tmp_path):
    out = _start(tmp_path, DJANGO_DEBUG="1")
    assert out.returncode == 0, out.stderr[-1500:]
    assert "console.EmailBackend True" in out.stdout


@pytest.mark.django_db
def test_the_alerts_page_says_when_email_is_off(client, settings, django_user_model):
    settings.EMAIL_ENABLED = False
    client.force_login(django_user_model.objects.create_user("mailless", "m@example.com", "pw-mailless-1"))
    body = client.get("/prices/alerts/").content.decode()
    assert "E-mail is turned off on this server" in body
