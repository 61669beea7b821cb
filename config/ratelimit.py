"""Cache-backed limits that hold across workers: failed log-ins (per client address and per
username, for /accounts/login/ and /admin/login/) and the expensive pages for anonymous clients.

Both are middleware, so the check runs before any view work: a locked-out log-in costs one cache
read, never a PBKDF2 hash (60 wrong passwords used to be 60 hashes; 8 concurrent ones on two
workers raised every other page's latency from 5 ms to 1.2 s).

Counters are fixed windows in Django's default cache (Redis in production; without Redis a
file-based cache under var/cache that every worker of the machine shares). They are a courtesy
and abuse limit, not a security boundary on their own: the cache failing open (Redis down) lets
requests through, the way the API throttle does (config/cache.py says why).
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def client_address(request) -> str:
    """REMOTE_ADDR, or the address our one trusted proxy appended to X-Forwarded-For (the same
    rule as the API throttle's NUM_PROXIES: a client-written header is never trusted whole)."""
    if getattr(settings, "DJANGO_BEHIND_PROXY", False):
        xff = request.headers.get("X-Forwarded-For", "")
        if xff:
            return xff.split(",")[-1].strip()[:64]
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def window_key(kind: str, value: str, window_s: int, now: float) -> tuple[str, int]:
    """The counter key of ``value`` in the current fixed window, and the seconds left in it."""
    start = int(now // window_s) * window_s
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"rl:{kind}:{window_s}:{start}:{digest}", max(1, int(start + window_s - now))


def _count(key: str) -> int:
    value = cache.get(key, 0)
    return value if isinstance(value, int) else 0


def hit(key: str, window_s: int) -> int:
    """One more request in the fixed-window counter ``key``; the count so far (0: cache down, fail
    open). One Redis round trip with ``config.cache.FailSoftRedisCache``; add + incr elsewhere."""
    fast = getattr(cache, "hit", None)
    if fast is not None:
        return fast(key, window_s + 60)
    try:
        if cache.add(key, 1, timeout=window_s + 60):
            return 1
        return cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is down (fail open)
        cache.set(key, 1, timeout=window_s + 60)
        return 1


def _too_many(request, template: str | None, message: str, retry_after: int, context: dict | None = None):
    if template:
        response = render(request, template, {**(context or {}), "limit_message": message}, status=429)
    else:
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Too many requests</title>"
            f"<h1>Too many requests</h1><p>{message}</p></html>", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class LoginRateLimitMiddleware:
    """At most LOGIN_MAX_FAILURES_PER_USERNAME failed log-ins for one username and
    LOGIN_MAX_FAILURES_PER_ADDRESS from one client address per LOGIN_FAILURE_WINDOW_SECONDS;
    past either, log-in POSTs for that username / from that address answer 429 with Retry-After
    until the window ends, without checking the password. Other usernames from other addresses
    are not affected; a successful log-in clears its username's count."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path not in LOGIN_PATHS:
            return self.get_response(request)
        window = settings.LOGIN_FAILURE_WINDOW_SECONDS
        now = time.time()
        username = (request.POST.get("username") or "").strip().lower()[:150]
        address = client_address(request)
        user_key, left = window_key("login-user", username, window, now)
        addr_key, _ = window_key("login-addr", address, window, now)
        if (_count(user_key) >= settings.LOGIN_MAX_FAILURES_PER_USERNAME
                or _count(addr_key) >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS):
            logger.warning("log-in refused: too many failures (address %s)", address)
            message = (f"Too many failed log-ins for this account or from your address. "
                       f"Try again in {_minutes(left)}.")
            form = AuthenticationForm(request, initial={"username": username})
            return _too_many(request, "registration/login.html", message, left,
                             {"form": form, "next": request.POST.get("next", "")[:500]})
        response = self.get_response(request)
        # Django's login views answer a failed log-in with the form again (200) and a good one
        # with a redirect.
        if response.status_code == 200:
            hit(user_key, window)
            hit(addr_key, window)
        elif response.status_code in (301, 302, 303) and username:
            cache.delete(user_key)
        return response


def _rate(text: str) -> tuple[int, int]:
    """'30/min' -> (30, 60). Units: s, min, h (DRF's spelling: sec, minute, hour, day work too)."""
    count, _, unit = text.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip()[:1].lower() or "m"]
    return int(count), seconds


# Page paths (prefixes) that cost real work per request: each prices every offer of the catalogue.
EXPENSIVE_PAGES = ("/compare/", "/wizard/configure/estimate/")


class PageRateLimitMiddleware:
    """PAGE_THROTTLE_ANON (default 60/min) requests per client address to the expensive pages,
    for anonymous clients; signed-in users are not limited here. 429 with Retry-After past it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rate = getattr(settings, "PAGE_THROTTLE_ANON", "")
        if (rate and request.path.startswith(EXPENSIVE_PAGES)
                and not (getattr(request, "user", None) and request.user.is_authenticated)):
            limit, window = _rate(rate)
            key, left = window_key("page", client_address(request), window, time.time())
            if hit(key, window) > limit:
                return _too_many(request, None, f"Too many requests for this page from your address. "
                                                f"Try again in {left} s, or sign in.", left)
        return self.get_response(request)
