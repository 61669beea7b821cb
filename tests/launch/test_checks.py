"""The FIELD_ENCRYPTION_KEY system check: a missing or invalid key fails at start-up (migrate,
runserver, check), not when a team first connects an account; `make run` (debug) still starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from launch.checks import field_encryption_key

ROOT = Path(__file__).resolve().parents[2]
NOT_A_KEY = "not-a-fernet-key-SECRETISH-0123456789"


def test_a_valid_key_and_a_rotation_list_pass(settings):
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert field_encryption_key() == []
    settings.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()}, {Fernet.generate_key().decode()}"
    assert field_encryption_key() == []


def test_missing_key_is_an_error_outside_debug_with_how_to_generate(settings):
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEY = ""
    (err,) = field_encryption_key()
    assert err.id == "launch.E001" and err.is_serious()
    assert "Fernet.generate_key()" in err.hint and "FIELD_ENCRYPTION_KEY" in err.msg


def test_missing_key_is_fine_in_debug(settings):
    settings.DEBUG = True
    settings.FIELD_ENCRYPTION_KEY = ""
    assert field_encryption_key() == []


@pytest.mark.parametrize("debug", [False, True])
def test_an_invalid_key_is_an_error_in_every_mode_and_never_printed(settings, debug):
    settings.DEBUG = debug
    settings.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{NOT_A_KEY}"
    (err,) = field_encryption_key()
    assert err.id == "launch.E002" and "key 2 of the 2" in err.msg
    assert NOT_A_KEY not in f"{err.msg} {err.hint}" and NOT_A_KEY[:12] not in f"{err.msg} {err.hint}"


def _manage_check(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "FIELD_ENCRYPTION", "DATABASE_URL", "REDIS_URL", "EMAIL_"))}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=120)


def test_start_up_fails_without_the_key_in_production_and_says_how_to_fix_it():
    out = _manage_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="example.com",
                        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    assert out.returncode != 0
    assert "launch.E001" in out.stderr and "Fernet.generate_key()" in out.stderr


def test_start_up_fails_on_an_invalid_key_without_printing_it():
    out = _manage_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="example.com",
                        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", FIELD_ENCRYPTION_KEY=NOT_A_KEY)
    assert out.returncode != 0 and "launch.E002" in out.stderr
    assert NOT_A_KEY not in out.stdout + out.stderr


def test_make_run_environment_still_starts():
    """scripts/run.sh: debug on, no DJANGO_SECRET_KEY, no FIELD_ENCRYPTION_KEY (both dev fallbacks)."""
    out = _manage_check(DJANGO_DEBUG="1", LAUNCH_DRY_RUN="auto")
    assert out.returncode == 0, out.stdout + out.stderr
