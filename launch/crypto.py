"""Secrets at rest: the teams' provider keys and launch-template environment variables.

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, keyed by ``FIELD_ENCRYPTION_KEY``: a
comma-separated list of Fernet keys. The first encrypts; every one decrypts (MultiFernet), so a key
is rotated by putting the new key first, running ``manage.py rotate_field_key`` (re-encrypts every
stored secret with the first key), then dropping the old one. README: "Rotating FIELD_ENCRYPTION_KEY".

In debug without a key, a development key is derived from DJANGO_SECRET_KEY (never in production:
there a missing or invalid key stops start-up: the system check in launch.checks; the error here stays
for code that reaches crypto without the checks having run).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret no configured key decrypts (the key was dropped too early)."""


def _keys() -> list[bytes]:
    raw = [k.strip() for k in str(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "").split(",") if k.strip()]
    if raw:
        return [k.encode() for k in raw]
    if settings.DEBUG:
        digest = hashlib.sha256(b"field-encryption-dev:" + settings.SECRET_KEY.encode()).digest()
        return [base64.urlsafe_b64encode(digest)]
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY is required to store provider keys (generate one with "
        "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)")


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in _keys()])
    except ValueError:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY holds a value that is not a Fernet key "
                                   "(32 url-safe base64-encoded bytes)") from None


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY "
                               "(was an old key removed before `manage.py rotate_field_key`?)") from None


def rotate(token: str) -> str:
    """The same secret encrypted with the first (newest) key."""
    return _fernet().rotate(token.encode()).decode() if token else token


def last4(secret: str) -> str:
    return secret[-4:] if len(secret) >= 8 else ""
