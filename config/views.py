"""Project-level endpoints that belong to no app: the health check, and the password-reset page
when e-mail is off."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def password_reset_off(request) -> HttpResponse:
    """With EMAIL_DISABLED=1 there is no way to deliver a reset link: say so instead of pretending."""
    return render(request, "registration/password_reset_off.html", status=404)
