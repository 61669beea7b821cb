"""Test settings: the same as production settings, with a fixed key, debug off, no SSL redirect,
fast password hashing. DATABASE_URL / REDIS_URL come from the environment (CI: Postgres + Redis)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijklmnop")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("PRICING_OFFLINE", "0")
# A fixed test-only Fernet key (never used outside tests).
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZlcm5ldC1rZXktMDEyMzQ1Njc4OTA=")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")  # replaced below

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests use their own cache so throttle counters and cached pages never leak between tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "launch": "10000/min"}}  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/min"}}  # noqa: F405
# The suite shares one in-process cache: the limits are tested with their own small values.
PAGE_THROTTLE_ANON = "100000/min"
# Tests seed a poll and ask at once: the pointers are read on every request (their hold is tested
# in tests/pricing/test_pointer_ttl.py).
PRICE_POINTERS_CACHE_SECONDS = 0
LOGIN_MAX_FAILURES_PER_USERNAME = 100000
LOGIN_MAX_FAILURES_PER_ADDRESS = 100000
