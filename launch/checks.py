"""System check: FIELD_ENCRYPTION_KEY is usable before the first provider key is stored or read.

Without it the launch pages failed on first use (a team connecting an account); now ``migrate``,
``runserver``, ``check`` and gunicorn's start-up (``check --deploy`` in deployment) say so at once.

- Missing: an error outside debug (debug, i.e. ``make run``, derives a development key from
  DJANGO_SECRET_KEY exactly as it falls back to a development DJANGO_SECRET_KEY: launch.crypto).
- Set but not a Fernet key (any one of the comma-separated keys): an error in every mode, since
  every encrypt or decrypt would fail.

The messages say how to generate a key and which position is wrong; they never print a key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register

GENERATE = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
HINT = (f"Generate a key with {GENERATE} and set FIELD_ENCRYPTION_KEY in the environment (or .env for docker "
        "compose). Several keys are comma-separated, newest first (README: Rotating FIELD_ENCRYPTION_KEY).")


def _is_fernet_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        return False
    return True


@register()
def field_encryption_key(app_configs=None, **kwargs) -> list[Error]:
    raw = str(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "")
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        if settings.DEBUG:
            return []
        return [Error("FIELD_ENCRYPTION_KEY is not set: the teams' provider keys and launch-template variables "
                      "cannot be stored or read (they are encrypted at rest with it).", hint=HINT, id="launch.E001")]
    bad = [str(n) for n, key in enumerate(keys, 1) if not _is_fernet_key(key)]
    if bad:
        which = "it is" if len(keys) == 1 else f"key {', '.join(bad)} of the {len(keys)} given is"
        return [Error(f"FIELD_ENCRYPTION_KEY is not usable: {which} not a Fernet key (32 url-safe base64-encoded "
                      "bytes).", hint=HINT, id="launch.E002")]
    return []
