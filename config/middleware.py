"""Project middleware: a 503 when the database is down (JSON for the API, a plain page otherwise),
never a traceback; gzip for HTML pages; the privacy headers (Permissions-Policy everywhere,
``Cache-Control: no-store`` on private answers)."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware

logger = logging.getLogger(__name__)

MESSAGE = "The price database is unavailable right now. Please try again in a minute."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self._unavailable(request, exc)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc):
        logger.error("database unavailable: %s", type(exc).__name__)
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            resp = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            resp = HttpResponse(
                "<!doctype html><html lang=en><meta charset=utf-8><title>Unavailable</title>"
                f"<h1>Temporarily unavailable</h1><p>{MESSAGE}</p></html>",
                status=503,
            )
        resp["Retry-After"] = "30"
        return resp


class PageGZipMiddleware(GZipMiddleware):
    """Compress HTML pages (the selector page shrinks from ~80 KB to ~6 KB on the wire). API
    answers stay identity-encoded: every JSON client reads them without a decoding step, and a
    proxy in front can compress them if wanted. CSRF tokens are masked per response, so
    compressing pages gives no BREACH oracle."""

    def process_response(self, request, response):
        if request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)


# Features this app never uses, switched off for the page and every frame it could embed.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb", "serial", "bluetooth", "hid", "publickey-credentials-get",
    "screen-wake-lock", "xr-spatial-tracking",
))
# Paths whose answers are private even to an anonymous client (login forms, the admin).
PRIVATE_PREFIXES = ("/accounts/", "/admin/")


class PrivacyHeadersMiddleware:
    """``Permissions-Policy`` on every answer; ``Cache-Control: no-store`` (and ``private``) on
    every answer to a signed-in user and on the account and admin pages, so a shared cache or the
    browser's history never keeps a page with someone's history, notes or CSRF token. Public
    answers to anonymous clients (prices, the API) keep their own caching headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(PRIVATE_PREFIXES):
            response["Cache-Control"] = "no-store, private"
        return response
